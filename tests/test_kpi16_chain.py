"""KPI 16 up the chain over real HTTP: the reference list per role, explained matches, and the
reports districts make to their province and provinces to DLA, with every refusal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from hub.db import kpi16_counts
from hub.db.engine import create_engine
from hub.db.models import (
    ChangeLogEntry,
    District,
    FiscalYear,
    Kpi16Reference,
    Kpi16Report,
    Kpi16Round,
    Lao,
    Province,
)
from hub.rules.enums import Role
from hub.rules.identity import PUBLIC, RoleGrant, client, user
from hub.settings import Settings
from tests.conftest import graphql, graphql_response, serve


@dataclass(frozen=True)
class World:
    year: int  # the open year: its round is open for reports
    previous: int  # the closed year: its round has the demo's reports
    province_id: int
    province_code: str
    district_id: int  # a district of the province with references
    district_code: str
    other_district_code: str  # another one
    lao_id: int  # an LAO of that district with references
    lao_code: str
    bangkok_district_code: str  # a district DLA's list has nothing for
    bangkok_province_id: int


async def world(url: str) -> World:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            year = (
                await conn.execute(select(FiscalYear.year_be).where(FiscalYear.closed_at.is_(None)))
            ).scalar_one()
            round_id = (
                await conn.execute(select(Kpi16Round.id).where(Kpi16Round.fiscal_year == year))
            ).scalar_one()
            with_refs = (
                await conn.execute(
                    select(
                        Lao.id,
                        Lao.code,
                        Lao.district_id,
                        District.code.label("district_code"),
                        Lao.province_id,
                        Province.code.label("province_code"),
                    )
                    .join(Kpi16Reference, Kpi16Reference.lao_id == Lao.id)
                    .join(District, District.id == Lao.district_id)
                    .join(Province, Province.id == Lao.province_id)
                    .where(Kpi16Reference.round_id == round_id, Lao.code.is_not(None))
                    .group_by(
                        Lao.id,
                        Lao.code,
                        Lao.district_id,
                        District.code,
                        Lao.province_id,
                        Province.code,
                    )
                    .order_by(District.code, Lao.id)
                )
            ).all()
            first = with_refs[0]
            other = next(r for r in with_refs if r.district_id != first.district_id)
            bangkok = (
                await conn.execute(
                    select(District.code, District.province_id)
                    .join(Province, Province.id == District.province_id)
                    .where(Province.code == "10")
                    .order_by(District.code)
                    .limit(1)
                )
            ).one()
    finally:
        await engine.dispose()
    return World(
        year,
        year - 1,
        first.province_id,
        first.province_code,
        first.district_id,
        first.district_code,
        other.district_code,
        first.id,
        first.code,
        bangkok.code,
        bangkok.province_id,
    )


def settings(url: str) -> Settings:
    return Settings(database_url=url, environment="test")


DLA = user("dla", RoleGrant(Role.DLA_ADMIN))


def callers(w: World) -> dict:
    return {
        "dla": DLA,
        "province": user("pro", RoleGrant(Role.PROVINCE_OFFICER, province_id=w.province_id)),
        "other_province": user(
            "pro-bkk", RoleGrant(Role.PROVINCE_OFFICER, province_id=w.bangkok_province_id)
        ),
        "district": user("dis", RoleGrant(Role.DISTRICT_OFFICER, district_id=w.district_id)),
        "recorder": user("rec", RoleGrant(Role.LAO_RECORDER, lao_id=w.lao_id)),
        "agency": client("demo-all", "domain:5 missions personal"),
        "public": PUBLIC,
    }


REFERENCES = """query($y: Int!, $filter: Kpi16ReferenceFilter, $first: Int) {
  kpi16Round(fiscalYear: $y) { references(filter: $filter, first: $first) { totalCount
    edges { node { referenceCode match province { code } district { code } lao { code }
      explanation { match because becauseTh records { fiscalYear recordKey name verdict deciding
        lastCheckedOn lao { code } } } } } } } }"""


async def test_the_reference_list_is_read_by_each_level_for_its_own_area(fresh_demo_url):
    w = await world(fresh_demo_url)
    who = callers(w)
    seen: dict[str, dict] = {}
    for name in ("dla", "province", "district", "recorder"):
        async with serve(settings(fresh_demo_url), who[name]) as c:
            seen[name] = (await graphql(c, REFERENCES, y=w.year, first=1000))["kpi16Round"][
                "references"
            ]
    for name in ("agency", "public", "other_province"):
        async with serve(settings(fresh_demo_url), who[name]) as c:
            body = await graphql_response(c, REFERENCES, y=w.year, first=5)
        if name == "other_province":  # Bangkok: DLA sent it no list
            assert body["data"]["kpi16Round"]["references"]["totalCount"] == 0
        else:
            assert body["data"]["kpi16Round"]["references"] is None
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    nodes = {name: [e["node"] for e in page["edges"]] for name, page in seen.items()}
    assert seen["dla"]["totalCount"] >= seen["province"]["totalCount"] > 0
    assert {n["province"]["code"] for n in nodes["province"]} == {w.province_code}
    assert {n["district"]["code"] for n in nodes["district"]} == {w.district_code}
    assert seen["province"]["totalCount"] > seen["district"]["totalCount"]
    assert seen["district"]["totalCount"] > seen["recorder"]["totalCount"] > 0
    assert {n["lao"]["code"] for n in nodes["recorder"]} == {w.lao_code}
    # Each match is explained, and the explanation agrees with the list's own match.
    for node in nodes["district"]:
        explained = node["explanation"]
        assert explained["match"] == node["match"]
        assert explained["because"] and explained["becauseTh"]
        deciding = [r for r in explained["records"] if r["deciding"]]
        if node["match"] == "MISSING":
            assert deciding == []
        else:
            [record] = deciding
            assert record["fiscalYear"] == w.year
            assert record["verdict"] == (
                "COUNTED_CHECKED" if node["match"] == "CHECKED" else "COUNTED"
            )
    assert {n["match"] for n in nodes["province"]} == {"CHECKED", "RECORDED", "MISSING"}


async def test_the_list_filtered_by_match_holds_what_the_coverage_counts(fresh_demo_url):
    w = await world(fresh_demo_url)
    query = """query($y: Int!, $p: String!, $m: Kpi16Match) { kpi16Round(fiscalYear: $y) {
      references(filter: {provinceCode: $p, match: $m}, first: 1) { totalCount } }
      province(code: $p) { stats(fiscalYear: $y) { kpi16 { referenceSystems recorded checked } } } }"""
    counts = {}
    async with serve(settings(fresh_demo_url), DLA) as c:
        for match in (None, "CHECKED", "RECORDED", "MISSING"):
            data = await graphql(c, query, y=w.year, p=w.province_code, m=match)
            counts[match] = data["kpi16Round"]["references"]["totalCount"]
            stats = data["province"]["stats"]["kpi16"]
    assert counts[None] == stats["referenceSystems"]
    assert counts["CHECKED"] == stats["checked"]
    assert counts["CHECKED"] + counts["RECORDED"] == stats["recorded"]
    assert counts["MISSING"] == stats["referenceSystems"] - stats["recorded"] > 0


async def test_a_page_of_references_costs_the_same_statements_as_one(fresh_demo_url):
    from tests.test_costs import fewest_statements

    w = await world(fresh_demo_url)
    async with serve(settings(fresh_demo_url), DLA) as c:
        _, one = await fewest_statements(c, REFERENCES, y=w.year, first=1)
        _, many = await fewest_statements(c, REFERENCES, y=w.year, first=200)
    assert len(many) == len(one)


SUBMIT_DISTRICT = """mutation($y: Int!, $d: String!, $note: String) {
  r: submitKpi16DistrictReport(fiscalYear: $y, districtCode: $d, note: $note) { __typename
    ... on MutationError { message messageTh }
    ... on ValidationFailed { errors { path code } }
    ... on FiscalYearClosed { fiscalYear }
    ... on Kpi16ReportSubmitted { timeliness daysLate report { submittedBy submittedByRole deadline
      referenceSystems recorded checked rate met note districtsExpected districtsReported } } } }"""
SUBMIT_PROVINCE = SUBMIT_DISTRICT.replace("$d: String!", "$p: String!").replace(
    "submitKpi16DistrictReport(fiscalYear: $y, districtCode: $d",
    "submitKpi16ProvinceReport(fiscalYear: $y, provinceCode: $p",
)
BOARDS = """query($y: Int!) { kpi16Round(fiscalYear: $y) {
  districtReports { level expected onTime late due overdue
    items { district { code } province { code } deadline timeliness daysLate report { submittedBy } } }
  provinceReports { expected onTime late due overdue
    items { province { code } timeliness daysLate report { districtsExpected districtsReported } } } } }"""


async def _figures(url: str, w: World, by: str, key: int) -> tuple[int, int, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            round_id = (
                await conn.execute(select(Kpi16Round.id).where(Kpi16Round.fiscal_year == w.year))
            ).scalar_one()
            cov = (await kpi16_counts.coverage(conn, round_id, by, province_id=w.province_id))[key]
    finally:
        await engine.dispose()
    return cov.reference_systems, cov.recorded, cov.checked


async def test_a_district_then_its_province_report_up_the_chain(fresh_demo_url):
    w = await world(fresh_demo_url)
    who = callers(w)
    async with serve(settings(fresh_demo_url), who["district"]) as c:
        before = (await graphql(c, BOARDS, y=w.year))["kpi16Round"]
        submitted = (
            await graphql(c, SUBMIT_DISTRICT, y=w.year, d=w.district_code, note=" ส่งตามกำหนด ")
        )["r"]
        again = (await graphql(c, SUBMIT_DISTRICT, y=w.year, d=w.district_code))["r"]
        after = (await graphql(c, BOARDS, y=w.year))["kpi16Round"]
    assert before["districtReports"]["items"][0]["timeliness"] == "DUE"
    assert before["provinceReports"] == {
        "expected": 0,
        "onTime": 0,
        "late": 0,
        "due": 0,
        "overdue": 0,
        "items": [],
    }  # fmt: skip  (a district office sees no province's report)
    assert submitted["__typename"] == "Kpi16ReportSubmitted", submitted
    assert submitted["timeliness"] == "ON_TIME" and submitted["daysLate"] is None
    report = submitted["report"]
    assert (report["referenceSystems"], report["recorded"], report["checked"]) == await _figures(
        fresh_demo_url, w, "district", w.district_id
    )
    assert report["submittedBy"] == "dis"
    assert report["submittedByRole"] == "DISTRICT_OFFICER" and report["note"] == "ส่งตามกำหนด"
    assert report["districtsExpected"] is None
    assert again["__typename"] == "InvalidState" and "already submitted" in again["message"]
    [mine] = after["districtReports"]["items"]
    assert mine["district"]["code"] == w.district_code and mine["timeliness"] == "ON_TIME"
    assert after["districtReports"]["onTime"] == after["districtReports"]["expected"] == 1

    async with serve(settings(fresh_demo_url), who["province"]) as c:
        board = (await graphql(c, BOARDS, y=w.year))["kpi16Round"]
        province = (await graphql(c, SUBMIT_PROVINCE, y=w.year, p=w.province_code))["r"]
    districts = board["districtReports"]
    assert {i["province"]["code"] for i in districts["items"]} == {w.province_code}
    assert districts["expected"] == len(districts["items"]) > 1
    assert districts["onTime"] == 1 and districts["due"] == districts["expected"] - 1
    assert province["__typename"] == "Kpi16ReportSubmitted", province
    assert province["report"]["districtsExpected"] == districts["expected"]
    assert province["report"]["districtsReported"] == 1
    figures = await _figures(fresh_demo_url, w, "province", w.province_id)
    assert (province["report"]["referenceSystems"], province["report"]["recorded"]) == figures[:2]
    async with serve(settings(fresh_demo_url), DLA) as c:
        national = (await graphql(c, BOARDS, y=w.year))["kpi16Round"]
    assert national["provinceReports"]["onTime"] == 1
    assert national["districtReports"]["expected"] == districts["expected"]
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            logged = (
                await conn.execute(
                    select(ChangeLogEntry.action, ChangeLogEntry.actor_role)
                    .where(ChangeLogEntry.entity == "kpi16_reports")
                    .order_by(ChangeLogEntry.id)
                )
            ).all()
    finally:
        await engine.dispose()
    assert [(a, r.name) for a, r in logged] == [
        ("submit_district_report", "DISTRICT_OFFICER"),
        ("submit_province_report", "PROVINCE_OFFICER"),
    ]


async def test_every_refusal_of_a_report_changes_nothing(fresh_demo_url):
    w = await world(fresh_demo_url)
    who = callers(w)
    cases = [
        ("province", SUBMIT_DISTRICT, {"d": w.district_code}, "Forbidden"),
        ("dla", SUBMIT_DISTRICT, {"d": w.district_code}, "Forbidden"),
        ("recorder", SUBMIT_DISTRICT, {"d": w.district_code}, "Forbidden"),
        ("public", SUBMIT_DISTRICT, {"d": w.district_code}, "Forbidden"),
        ("agency", SUBMIT_DISTRICT, {"d": w.district_code}, "Forbidden"),
        ("district", SUBMIT_DISTRICT, {"d": w.other_district_code}, "Forbidden"),
        ("district", SUBMIT_PROVINCE, {"p": w.province_code}, "Forbidden"),
        ("dla", SUBMIT_PROVINCE, {"p": w.province_code}, "Forbidden"),
        ("other_province", SUBMIT_PROVINCE, {"p": w.province_code}, "Forbidden"),
        ("district", SUBMIT_DISTRICT, {"d": "9999"}, "NotFound"),
        ("province", SUBMIT_PROVINCE, {"p": "99"}, "NotFound"),
        ("district", SUBMIT_DISTRICT, {"d": w.district_code, "y": 2400}, "NotFound"),
        ("district", SUBMIT_DISTRICT, {"d": w.district_code, "note": "x" * 2001}, "ValidationFailed"),
        ("district", SUBMIT_DISTRICT, {"d": w.district_code, "y": w.previous}, "FiscalYearClosed"),
        ("other_province", SUBMIT_PROVINCE, {"p": "10"}, "InvalidState"),  # no references
    ]  # fmt: skip
    for caller, mutation, variables, expected in cases:
        async with serve(settings(fresh_demo_url), who[caller]) as c:
            result = (await graphql(c, mutation, **{"y": w.year, **variables}))["r"]
        assert result["__typename"] == expected, (caller, variables, result)
        assert result["message"] and result["messageTh"]
        if expected == "ValidationFailed":
            assert result["errors"] == [{"path": "note", "code": "TOO_LONG"}]
        if expected == "FiscalYearClosed":
            assert result["fiscalYear"] == w.previous
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            reports = (
                await conn.execute(
                    select(func.count())
                    .select_from(Kpi16Report)
                    .join(Kpi16Round)
                    .where(Kpi16Round.fiscal_year == w.year)
                )
            ).scalar_one()
            logged = (
                await conn.execute(
                    select(func.count()).where(ChangeLogEntry.entity == "kpi16_reports")
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    assert reports == 0 and logged == 0


async def test_a_closed_round_shows_late_and_missing_reports_per_level(fresh_demo_url):
    """The demo's previous round: districts that never reported are OVERDUE, the province's
    report came late; each level sees its own."""
    w = await world(fresh_demo_url)
    who = callers(w)
    boards = {}
    for name in ("dla", "province", "district", "other_province"):
        async with serve(settings(fresh_demo_url), who[name]) as c:
            boards[name] = (await graphql(c, BOARDS, y=w.previous))["kpi16Round"]
    async with serve(settings(fresh_demo_url), PUBLIC) as c:  # rounds and deadlines are public
        rounds = (
            await graphql(
                c,
                "{ kpi16Rounds { fiscalYear roundNo openedOn districtReportDeadline "
                "provinceReportDeadline targetPercent } }",
            )
        )["kpi16Rounds"]
    ce = w.previous - 543
    assert [(r["fiscalYear"], r["roundNo"]) for r in rounds] == [(w.year, 1), (w.previous, 1)]
    assert rounds[1] == {
        "fiscalYear": w.previous,
        "roundNo": 1,
        "openedOn": f"{ce}-01-26",
        "districtReportDeadline": f"{ce}-03-06",
        "provinceReportDeadline": f"{ce}-03-20",
        "targetPercent": 80.0,
    }
    for name in ("recorder", "public", "agency"):
        async with serve(settings(fresh_demo_url), who[name]) as c:
            body = await graphql_response(c, BOARDS, y=w.previous)
        assert body["data"]["kpi16Round"] is None or (
            body["data"]["kpi16Round"]["districtReports"] is None
        )
        assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    districts = boards["province"]["districtReports"]
    assert districts["overdue"] > 0 and districts["onTime"] > 0
    assert districts["due"] == 0  # the deadline has passed: a missing report is overdue
    assert districts["onTime"] + districts["late"] + districts["overdue"] == districts["expected"]
    for item in districts["items"]:
        assert item["deadline"] == f"{w.previous - 543}-03-06"
        if item["timeliness"] == "OVERDUE":
            assert item["report"] is None and item["daysLate"] > 0
        if item["timeliness"] == "LATE":
            assert item["daysLate"] == 4  # reported on 10 March
    [province] = boards["province"]["provinceReports"]["items"]
    assert province["timeliness"] == "LATE" and province["daysLate"] == 4
    assert boards["dla"]["provinceReports"]["late"] == 1
    assert boards["dla"]["districtReports"] == districts  # one province has a list
    assert len(boards["district"]["districtReports"]["items"]) == 1
    assert boards["district"]["provinceReports"]["items"] == []
    assert boards["other_province"]["districtReports"]["items"] == []


IMPORT = """mutation($y: Int!, $p: String!, $csv: String!, $d: Date, $pd: Date) {
  r: importKpi16Baseline(fiscalYear: $y, provinceCode: $p, csv: $csv, roundNo: 3,
    districtReportDeadline: $d, provinceReportDeadline: $pd) { __typename
    ... on ValidationFailed { errors { path code } } ... on Kpi16BaselineImported { references } } }"""


async def test_dla_sets_a_round_s_report_deadlines_when_importing(fresh_demo_url):
    w = await world(fresh_demo_url)
    csv = f"reference_code,lao_code,village_number,name,latitude,longitude\nT1,{w.lao_code},,ประปา,,\n"
    ce = w.year - 543
    async with serve(settings(fresh_demo_url), DLA) as c:
        inverted = (
            await graphql(
                c, IMPORT, y=w.year, p=w.province_code, csv=csv, d=f"{ce}-03-20", pd=f"{ce}-03-06"
            )
        )["r"]
        before_opening = (
            await graphql(c, IMPORT, y=w.year, p=w.province_code, csv=csv, d="2000-01-01")
        )["r"]
        created = (
            await graphql(
                c, IMPORT, y=w.year, p=w.province_code, csv=csv, d=f"{ce}-03-06", pd=f"{ce}-03-20"
            )
        )["r"]
        moved = (await graphql(c, IMPORT, y=w.year, p=w.province_code, csv=csv, pd=f"{ce}-03-27"))[
            "r"
        ]
        round_ = (
            await graphql(
                c,
                """query($y: Int!) { kpi16Round(fiscalYear: $y, roundNo: 3) {
                districtReportDeadline provinceReportDeadline } }""",
                y=w.year,
            )
        )["kpi16Round"]
    assert inverted == {
        "__typename": "ValidationFailed",
        "errors": [{"path": "districtReportDeadline", "code": "OUT_OF_RANGE"}],
    }
    assert before_opening["errors"] == [{"path": "districtReportDeadline", "code": "OUT_OF_RANGE"}]
    assert created == moved == {"__typename": "Kpi16BaselineImported", "references": 1}
    assert round_ == {
        "districtReportDeadline": f"{ce}-03-06",
        "provinceReportDeadline": f"{ce}-03-27",
    }


async def test_a_report_after_the_deadline_is_late_by_the_thai_days_since(fresh_demo_url):
    """The open round's deadlines moved to its opening day (so any submission now is late)."""
    from sqlalchemy import update

    w = await world(fresh_demo_url)
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.begin() as conn:
            opened = (
                await conn.execute(
                    update(Kpi16Round)
                    .where(Kpi16Round.fiscal_year == w.year)
                    .values(
                        district_report_deadline=Kpi16Round.opened_on,
                        province_report_deadline=Kpi16Round.opened_on,
                    )
                    .returning(Kpi16Round.opened_on)
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    async with serve(settings(fresh_demo_url), callers(w)["district"]) as c:
        result = (await graphql(c, SUBMIT_DISTRICT, y=w.year, d=w.district_code))["r"]
    assert result["timeliness"] == "LATE" and result["daysLate"] >= 1
    assert result["report"]["deadline"] == opened.isoformat()
