"""The dashboards: progress against the deadline, LPA indicator-7 scores and KPI-16 coverage
of the person's area, as charts read at a glance and tables, each downloadable as CSV and XLSX.

- `/console/dashboards` opens on the person's own area (`Viewer.areas`: the nation for DLA,
  a provincial office's province, a district office's district), broken down one level
  below (the nation by province, a province by district). `?province=` / `?district=` open
  another area, which the person must supervise (`Province.viewerSupervises`,
  `District.viewerSupervises`, i.e. `hub.rules.permissions.supervises_area`), else 403;
  `?year=`, `?as_of=` (LPA scores as of that day) and `?sort=progress` (least certified
  first, to chase the late ones) refine it.
- `/console/dashboards/{progress|lpa|kpi16}.{csv|xlsx}` with the same query downloads one
  table: the same rows, Thai headers, under the same refusals.

Every figure comes from the API's roll-ups (`nationalStats`, `Province.stats`,
`District.stats`; hub/db/rollups.py and hub/db/kpi16.py) executed in-process as the person;
this module only arranges them. Charts: hub/web/console/charts.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.web.console import charts, downloads
from hub.web.console.downloads import Column, Table
from hub.web.console.page import Console, view

BANGKOK_TIME = dt.timezone(dt.timedelta(hours=7))
SCORES = (5, 3, 1, 0)
TABLES = ("progress", "lpa", "kpi16")
SORTS = ("code", "progress")
PART_LABELS = {
    "province": ("จังหวัด", "province", "provinces"),
    "district": ("อำเภอ", "district", "districts"),
}

SCOPE = """
query DashboardScope($province: String!, $district: String!, $byProvince: Boolean!,
                     $byDistrict: Boolean!) {
  viewer {
    areas {
      level province { code nameTh nameEn }
      district { code nameTh province { code nameTh nameEn } }
    }
  }
  fiscalYears { yearBe startsOn endsOn recordDeadline isOpen }
  province(code: $province) @include(if: $byProvince) { code nameTh nameEn viewerSupervises }
  district(code: $district) @include(if: $byDistrict) {
    code nameTh viewerSupervises province { code nameTh nameEn viewerSupervises }
  }
}"""

FIGURES = """
fragment Figures on AreaYearStats {
  certification { draft laoCertified provinceCertified total }
  lpaDistribution { score count }
  kpi16 { roundNo referenceSystems recorded checked rate targetPercent met }
}"""

BY_LEVEL = {
    "nation": FIGURES
    + """
query DashboardNation($year: Int!, $asOf: DateTime) {
  area: nationalStats(fiscalYear: $year, asOf: $asOf) { ...Figures }
  parts: provinces { code nameTh nameEn stats(fiscalYear: $year, asOf: $asOf) { ...Figures } }
}""",
    "province": FIGURES
    + """
query DashboardProvince($code: String!, $year: Int!, $asOf: DateTime) {
  province(code: $code) {
    stats(fiscalYear: $year, asOf: $asOf) { ...Figures }
    districts { code nameTh viewerSupervises stats(fiscalYear: $year, asOf: $asOf) { ...Figures } }
  }
}""",
    "district": FIGURES
    + """
query DashboardDistrict($code: String!, $year: Int!, $asOf: DateTime) {
  district(code: $code) { code nameTh stats(fiscalYear: $year, asOf: $asOf) { ...Figures } }
}""",
}


# --- the tables --------------------------------------------------------------------------------


def _area_columns(level: str) -> list[Column]:
    th, en = {"nation": ("จังหวัด", "Province"), "province": ("อำเภอ", "District")}.get(
        level, ("อำเภอ", "District")
    )
    return [Column("code", "รหัส", "Code"), Column("name", th, en)]


def progress_columns(level: str) -> list[Column]:
    return [
        *_area_columns(level),
        Column("total", "อปท. ทั้งหมด", "LAOs", "int"),
        Column("draft", "อปท. ยังไม่รับรองข้อมูล", "Not yet certified", "int"),
        Column("lao_certified", "อปท. รับรองข้อมูลแล้ว", "Certified by the LAO", "int"),
        Column("province_certified", "จังหวัดรับรองข้อมูลแล้ว", "Certified by the province", "int"),
        Column("lao_pct", "ร้อยละที่ อปท. รับรองแล้ว", "% certified by the LAO", "percent"),
        Column("province_pct", "ร้อยละที่จังหวัดรับรองแล้ว", "% certified by the province", "percent"),
    ]


def lpa_columns(level: str) -> list[Column]:
    return [
        *_area_columns(level),
        *(Column(f"s{s}", f"{s} คะแนน", f"Score {s}", "int") for s in SCORES),
        Column("total", "อปท. ทั้งหมด", "LAOs", "int"),
        Column("lpa_mean", "คะแนนเฉลี่ย", "Mean score", "number"),
    ]


def kpi16_columns(level: str) -> list[Column]:
    return [
        *_area_columns(level),
        Column("kpi_round", "รอบการประเมิน", "Round", "int"),
        Column("kpi_reference", "ระบบประปาตามฐานข้อมูลอ้างอิง", "Reference systems", "int"),
        Column("kpi_recorded", "บันทึกแล้ว", "Recorded", "int"),
        Column("kpi_checked", "ตรวจสอบแล้วในรอบนี้", "Checked this round", "int"),
        Column("kpi_rate", "ร้อยละที่บันทึก", "% recorded", "percent"),
        Column("kpi_target", "ค่าเป้าหมาย (ร้อยละ)", "Target (%)", "percent"),
        Column("kpi_met", "ผลเทียบเป้าหมาย", "Target met", "yesno"),
    ]


def _pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def figures_row(code: str, name: str, figures: Mapping[str, Any]) -> dict[str, Any]:
    """One area's figures as the tables' columns name them (percentages in percent)."""
    cert = figures["certification"]
    total = cert["total"]
    scores = {s["score"]: s["count"] for s in figures["lpaDistribution"]}
    scored = sum(scores.values())
    kpi = figures["kpi16"] or {}
    return {
        "code": code,
        "name": name,
        "total": total,
        "draft": cert["draft"],
        "lao_certified": cert["laoCertified"],
        "province_certified": cert["provinceCertified"],
        "lao_pct": _pct(cert["laoCertified"] + cert["provinceCertified"], total),
        "province_pct": _pct(cert["provinceCertified"], total),
        **{f"s{s}": scores.get(s, 0) for s in SCORES},
        "lpa_mean": sum(s * n for s, n in scores.items()) / scored if scored else None,
        "kpi_round": kpi.get("roundNo"),
        "kpi_reference": kpi.get("referenceSystems"),
        "kpi_recorded": kpi.get("recorded"),
        "kpi_checked": kpi.get("checked"),
        "kpi_rate": None if kpi.get("rate") is None else 100.0 * kpi["rate"],
        "kpi_target": kpi.get("targetPercent"),
        "kpi_met": kpi.get("met"),
    }


# --- what the page shows ---------------------------------------------------------------------


class Refused(Exception):
    """The person does not supervise the area asked for (or supervises none)."""


class NotFound(Exception):
    """No such province or district."""


@dataclass
class Place:
    level: str  # nation, province, district
    code: str | None
    name_th: str
    name_en: str | None
    province: Place | None = None

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_th


@dataclass
class Dashboard:
    place: Place
    year: int
    years: list[Mapping[str, Any]]
    as_of: dt.date | None
    sort: str
    fiscal_year: Mapping[str, Any]
    own_areas: list[Place]
    area: dict[str, Any]  # the whole area's figures, as a row
    rows: list[dict[str, Any]]  # one per area one level below (with LAOs)
    hidden: int  # areas below without any LAO, not listed
    errors: dict[str, tuple[str, str]] = field(default_factory=dict)  # field → (th, en)

    @property
    def part_level(self) -> str:
        return {"nation": "province", "province": "district"}.get(self.place.level, "district")

    def query(self, **changes: Any) -> str:
        """This dashboard's query string, with `changes`."""
        values: dict[str, Any] = {"year": self.year}
        if self.place.level == "province":
            values["province"] = self.place.code
        elif self.place.level == "district":
            values["district"] = self.place.code
        if self.as_of is not None:
            values["as_of"] = self.as_of.isoformat()
        if self.sort != "code":
            values["sort"] = self.sort
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})

    def tables(self) -> dict[str, Table]:
        level = self.place.level
        total = {**self.area, "code": self.place.code or "", "name": "รวม"}
        return {
            "progress": Table(
                "progress",
                "ความคืบหน้าการรับรองข้อมูล",
                "Certification progress",
                progress_columns(level),
                self.rows,
                total,
            ),
            "lpa": Table(
                "lpa",
                "คะแนน LPA ตัวชี้วัดที่ 7",
                "LPA indicator 7 scores",
                lpa_columns(level),
                self.rows,
                total,
            ),
            "kpi16": Table(
                "kpi16",
                "ตัวชี้วัดที่ 16 การบันทึกข้อมูลประปาหมู่บ้าน",
                "KPI 16: village water-supply systems recorded",
                kpi16_columns(level),
                self.rows,
                total,
            ),
        }


def _parse(request: Request) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """The query's parameters, and an error (Thai, English) per parameter that is wrong."""
    q = request.query_params
    errors: dict[str, tuple[str, str]] = {}
    year: int | None = None
    if q.get("year"):
        try:
            year = int(q["year"])
        except ValueError:
            errors["year"] = ("ปีงบประมาณต้องเป็นตัวเลข พ.ศ.", "The fiscal year must be a BE year.")
    as_of: dt.date | None = None
    if q.get("as_of"):
        try:
            as_of = dt.date.fromisoformat(q["as_of"])
        except ValueError:
            errors["as_of"] = (
                "วันที่ไม่ถูกต้อง ใช้รูปแบบ ปปปป-ดด-วว (ค.ศ.)",
                "Not a date: use YYYY-MM-DD.",
            )
    province = (q.get("province") or "").strip()
    district = (q.get("district") or "").strip()
    if province and district and not district.startswith(province):
        district = ""  # a district of another province: the province chosen last wins
    sort = q.get("sort") if q.get("sort") in SORTS else "code"
    return {
        "year": year,
        "as_of": as_of,
        "province": province,
        "district": district,
        "sort": sort,
    }, errors


def _own_place(area: Mapping[str, Any]) -> Place:
    """One of the person's own areas (`Viewer.areas`) as a place."""
    if area["level"] == "DISTRICT":
        d, p = area["district"], area["district"]["province"]
        province = Place("province", p["code"], p["nameTh"], p["nameEn"])
        return Place("district", d["code"], d["nameTh"], None, province)
    if area["level"] == "PROVINCE":
        p = area["province"]
        return Place("province", p["code"], p["nameTh"], p["nameEn"])
    return Place("nation", None, "ทั้งประเทศ", "Whole country")


async def load(request: Request, console: Console) -> Dashboard:
    """The dashboard the request asks for; Refused / NotFound when it may not or cannot."""
    params, errors = _parse(request)
    scope = await console.graphql(
        SCOPE,
        {
            "province": params["province"],
            "district": params["district"],
            "byProvince": bool(params["province"]) and not params["district"],
            "byDistrict": bool(params["district"]),
        },
    )
    own = [_own_place(a) for a in scope["viewer"]["areas"]]
    if not own:
        raise Refused()
    years = scope["fiscalYears"]
    if not years:
        raise NotFound()
    year = params["year"]
    if year is not None and year not in {y["yearBe"] for y in years}:
        errors["year"] = ("ไม่มีปีงบประมาณนี้ในระบบ", "There is no such fiscal year.")
        year = None
    if year is None:
        year = next((y["yearBe"] for y in years if y["isOpen"]), years[0]["yearBe"])

    if params["district"]:
        found = scope.get("district")
        if found is None:
            raise NotFound()
        if not found["viewerSupervises"]:
            raise Refused()
        p = found["province"]
        province = Place("province", p["code"], p["nameTh"], p["nameEn"])
        place = Place("district", found["code"], found["nameTh"], None, province)
    elif params["province"]:
        found = scope.get("province")
        if found is None:
            raise NotFound()
        if not found["viewerSupervises"]:
            raise Refused()
        place = Place("province", found["code"], found["nameTh"], found["nameEn"])
    else:
        place = own[0]
    return await _figures(console, place, params, errors, year, years, own)


async def _figures(
    console: Console,
    place: Place,
    params: dict[str, Any],
    errors: dict[str, tuple[str, str]],
    year: int,
    years: list[Mapping[str, Any]],
    own: list[Place],
) -> Dashboard:
    """The area's roll-ups and those of the areas one level below: one operation."""
    as_of: dt.date | None = params["as_of"]
    variables: dict[str, Any] = {
        "year": year,
        "asOf": (
            dt.datetime.combine(as_of, dt.time(23, 59, 59), BANGKOK_TIME).isoformat()
            if as_of
            else None
        ),
    }
    if place.code is not None:
        variables["code"] = place.code
    data = await console.graphql(BY_LEVEL[place.level], variables)
    lang = console.lang
    rows: list[dict[str, Any]] = []
    if place.level == "nation":
        area_figures = data["area"]
        for p in data["parts"]:
            name = p["nameEn"] if lang == "en" and p["nameEn"] else p["nameTh"]
            row = figures_row(p["code"], name, p["stats"])
            row["href"] = "/console/dashboards?" + urlencode({"year": year, "province": p["code"]})
            rows.append(row)
    elif place.level == "province":
        area_figures = data["province"]["stats"]
        for d in data["province"]["districts"]:
            row = figures_row(d["code"], d["nameTh"], d["stats"])
            if d["viewerSupervises"]:
                row["href"] = "/console/dashboards?" + urlencode(
                    {"year": year, "district": d["code"]}
                )
            rows.append(row)
    else:
        area_figures = data["district"]["stats"]
        rows.append(figures_row(place.code or "", place.name(lang), area_figures))
    listed = [r for r in rows if r["total"] > 0]
    if params["sort"] == "progress":
        listed.sort(key=lambda r: (r["lao_pct"] if r["lao_pct"] is not None else 0.0, r["code"]))
    return Dashboard(
        place=place,
        year=year,
        years=years,
        as_of=as_of,
        sort=params["sort"],
        fiscal_year=next(y for y in years if y["yearBe"] == year),
        own_areas=own,
        area=figures_row(place.code or "", place.name(lang), area_figures),
        rows=listed,
        hidden=len(rows) - len(listed),
        errors=errors,
    )


# --- charts ------------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def deadline_facts(console: Console, board: Dashboard) -> dict[str, Any]:
    """The deadline, days left, and how much of the round (year start → deadline) is gone."""
    fy = board.fiscal_year
    deadline = dt.date.fromisoformat(fy["recordDeadline"])
    starts = dt.date.fromisoformat(fy["startsOn"])
    today = console.now.astimezone(BANGKOK_TIME).date()
    span = (deadline - starts).days or 1
    elapsed = min(max((today - starts).days / span, 0.0), 1.0)
    return {
        "deadline": deadline,
        "days_left": console.days_left(deadline),
        "elapsed": elapsed,
        "open": fy["isOpen"],
    }


def progress_chart(console: Console, board: Dashboard, elapsed: float) -> Markup:
    tr = console.tr
    series = (
        charts.Series(
            tr("ยังไม่รับรอง", "Not yet certified"),
            "#ffffff",
            pattern="hatch",
            pattern_ink="#9aa5b1",
        ),
        charts.Series(tr("อปท. รับรองแล้ว", "Certified by the LAO"), "#f2c14e"),
        charts.Series(tr("จังหวัดรับรองแล้ว", "Certified by the province"), "#11683a", ink="#fff"),
    )
    rows = [
        charts.StackedRow(
            r["name"],
            (r["draft"], r["lao_certified"], r["province_certified"]),
            f"{_percent(r['lao_pct'])} · {r['lao_certified'] + r['province_certified']:,}/{r['total']:,}",
        )
        for r in board.rows
    ]
    a = board.area
    desc = tr(
        f"แถบละหนึ่งพื้นที่ แบ่งตามสถานะการรับรอง ทั้งหมด {a['total']:,} แห่ง: "
        f"ยังไม่รับรอง {a['draft']:,} อปท. รับรองแล้ว {a['lao_certified']:,} "
        f"จังหวัดรับรองแล้ว {a['province_certified']:,} ({_percent(a['lao_pct'])} รับรองโดย อปท. แล้ว) "
        f"เส้นประคือเวลาที่ผ่านไป {elapsed * 100:.0f}% ของรอบถึงกำหนดส่ง ตัวเลขทุกพื้นที่อยู่ในตารางด้านล่าง",
        f"One bar per area, split by certification state. In all {a['total']:,} LAOs: "
        f"{a['draft']:,} not yet certified, {a['lao_certified']:,} certified by the LAO, "
        f"{a['province_certified']:,} certified by the province ({_percent(a['lao_pct'])} "
        f"certified by the LAO). The dashed line marks {elapsed * 100:.0f}% of the time to the "
        "deadline gone. The table below lists every figure.",
    )
    return charts.stacked_bars(
        "chart-progress",
        tr("ความคืบหน้าการรับรองข้อมูลเทียบกับกำหนดส่ง", "Certification progress against the deadline"),
        desc,
        series,
        rows,
        marker=charts.Marker(
            elapsed, tr(f"เวลาผ่านไป {elapsed * 100:.0f}%", f"{elapsed * 100:.0f}% of time gone")
        ),
    )


LPA_FILLS = (
    ("#11683a", "#ffffff", None),
    ("#6fbf8e", "#1b1f24", None),
    ("#f2c14e", "#1b1f24", "dots"),
    ("#ffffff", "#1b1f24", "hatch"),
)


def lpa_charts(console: Console, board: Dashboard) -> tuple[Markup, Markup]:
    tr = console.tr
    a = board.area
    total = sum(a[f"s{s}"] for s in SCORES)
    bars = [
        charts.Column(
            tr(f"{s} คะแนน", f"Score {s}"),
            a[f"s{s}"],
            f"{a[f's{s}']:,} ({_percent(_pct(a[f's{s}'], total))})",
        )
        for s in SCORES
    ]
    desc = tr(
        "จำนวน อปท. ตามคะแนน LPA ตัวชี้วัดที่ 7 (ชั่วคราว): "
        + ", ".join(f"{s} คะแนน {a[f's{s}']:,} แห่ง" for s in SCORES),
        "LAOs by provisional LPA indicator-7 score: "
        + ", ".join(f"score {s}: {a[f's{s}']:,}" for s in SCORES),
    )
    distribution = charts.columns(
        "chart-lpa",
        tr(
            f"การกระจายคะแนน LPA ตัวชี้วัดที่ 7 — {board.place.name(console.lang)}",
            f"LPA indicator 7 scores — {board.place.name(console.lang)}",
        ),
        desc,
        bars,
    )
    series = [
        charts.Series(tr(f"{s} คะแนน", f"Score {s}"), fill, ink=ink, pattern=pattern)
        for s, (fill, ink, pattern) in zip(SCORES, LPA_FILLS, strict=True)
    ]
    rows = [
        charts.StackedRow(
            r["name"],
            tuple(r[f"s{s}"] for s in SCORES),
            tr("เฉลี่ย ", "mean ") + ("–" if r["lpa_mean"] is None else f"{r['lpa_mean']:.2f}"),
        )
        for r in board.rows
    ]
    by_area = charts.stacked_bars(
        "chart-lpa-areas",
        tr("คะแนน LPA ตัวชี้วัดที่ 7 รายพื้นที่", "LPA indicator 7 scores by area"),
        tr(
            "แถบละหนึ่งพื้นที่ แบ่งตามคะแนน 5, 3, 1, 0 ตัวเลขอยู่ในตารางด้านล่าง",
            "One bar per area, split by score 5, 3, 1, 0. The table below lists every figure.",
        ),
        series,
        rows,
    )
    return distribution, by_area


def kpi16_chart(console: Console, board: Dashboard) -> Markup:
    tr = console.tr
    rows = []
    for r in [board.area | {"name": tr("รวมทั้งพื้นที่", "Whole area")}, *board.rows]:
        if r["kpi_rate"] is None:
            note = tr("ไม่มีฐานข้อมูลอ้างอิง", "no reference list")
        else:
            verdict = (
                tr("✓ ผ่านเป้าหมาย", "✓ target met")
                if r["kpi_met"]
                else tr("✗ ต่ำกว่าเป้าหมาย", "✗ below target")
            )
            note = f"{_percent(r['kpi_rate'])} {verdict}"
        rows.append(
            charts.RateRow(
                r["name"],
                None if r["kpi_rate"] is None else r["kpi_rate"] / 100,
                None if r["kpi_target"] is None else r["kpi_target"] / 100,
                note,
                r["kpi_met"],
            )
        )
    a = board.area
    desc = tr(
        f"ร้อยละของระบบประปาหมู่บ้านตามฐานข้อมูลอ้างอิงที่บันทึกแล้ว รวมทั้งพื้นที่ {_percent(a['kpi_rate'])} "
        f"เป้าหมาย {_percent(a['kpi_target'])} ตัวเลขทุกพื้นที่อยู่ในตารางด้านล่าง",
        f"Share of the reference list's village water-supply systems recorded: whole area "
        f"{_percent(a['kpi_rate'])}, target {_percent(a['kpi_target'])}. The table below lists "
        "every figure.",
    )
    return charts.rate_bars(
        "chart-kpi16",
        tr(
            "ตัวชี้วัดที่ 16: ร้อยละการบันทึกข้อมูลประปาหมู่บ้านเทียบเป้าหมาย",
            "KPI 16: village water-supply systems recorded against the target",
        ),
        desc,
        rows,
        met=charts.Series(tr("ผ่านเป้าหมาย", "Target met"), "#11683a", ink="#ffffff"),
        not_met=charts.Series(
            tr("ต่ำกว่าเป้าหมาย", "Below target"), "#f2c14e", pattern="hatch", pattern_ink="#a1121f"
        ),
        target_label=tr("เป้าหมาย", "Target"),
    )


# --- pages -------------------------------------------------------------------------------------


def _refused(console: Console) -> Response:
    return console.render("dashboards_refused.html", status=403)


def _not_found(console: Console) -> Response:
    return console.render(
        "failed.html",
        status=404,
        errors=[
            {
                "message": console.tr("ไม่พบพื้นที่นี้", "There is no such area."),
                "extensions": {"code": "NOT_FOUND"},
            }
        ],
    )


@view
async def dashboards(request: Request, console: Console) -> Response:
    try:
        board = await load(request, console)
    except Refused:
        return _refused(console)
    except NotFound:
        return _not_found(console)
    facts = deadline_facts(console, board)
    lpa_distribution, lpa_by_area = lpa_charts(console, board)
    return console.render(
        "dashboards.html",
        board=board,
        facts=facts,
        tables=board.tables(),
        progress_chart=progress_chart(console, board, facts["elapsed"]),
        lpa_chart=lpa_distribution,
        lpa_areas_chart=lpa_by_area,
        kpi16_chart=kpi16_chart(console, board),
        part_label=console.tr(*PART_LABELS[board.part_level][:2]),
        part_plural=PART_LABELS[board.part_level][2],
    )


@view
async def download(request: Request, console: Console) -> Response:
    name, _, fmt = request.path_params["name"].partition(".")
    if name not in TABLES or fmt not in ("csv", "xlsx"):
        return _not_found(console)
    try:
        board = await load(request, console)
    except Refused:
        return _refused(console)
    except NotFound:
        return _not_found(console)
    table = board.tables()[name]
    place = board.place
    stem = "-".join(
        str(part) for part in (name, board.year, place.level, place.code) if part is not None
    )
    about = [
        ("ข้อมูล", table.title_th),
        ("ปีงบประมาณ", str(board.year)),
        ("พื้นที่", place.name_th),
        ("คะแนน LPA ณ วันที่", board.as_of.isoformat() if board.as_of else "ขณะดาวน์โหลด"),
        ("ดาวน์โหลดเมื่อ", console.moment(console.now)),
        ("ที่มา", "INFO Hub: nationalStats / Province.stats / District.stats (GraphQL)"),
    ]
    return downloads.response(table, fmt, stem, about)


routes = [
    Route("/console/dashboards", dashboards),
    Route("/console/dashboards/{name}", download),
]
