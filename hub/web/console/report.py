"""The printable report of one LAO-year: evidence a clerk hands to an LPA assessor.

`/console/lao/{code}/{year}/report` is an HTML page made for A4 paper (the print styles of
console.css: `@page { size: A4 }`), `/console/lao/{code}/{year}/report.pdf` the same report
as a PDF made on the server (`hub.web.console.report_pdf`, fpdf2 with HarfBuzz shaping and
the vendored Sarabun TrueType), so a clerk gets a correct Thai PDF whatever the browser.

Both read the LAO-year through one of the hub's own GraphQL queries, as the signed-in person:
the profile, all 8 domains with every field of the catalogue, the record tables, the
completeness and the certification history with its timestamps and names. The query is
built from the catalogue (`hub.rules.catalogue`), so a field added there is in the report.
Personal data the person may not read (the recorders' names, who certified) is left out with
a note, exactly as the API leaves it null; any other error is the API's error page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.rules import thai_dates
from hub.rules.catalogue import DOMAINS, Field
from hub.rules.catalogue_years import domains_for
from hub.rules.enums import CertificationState, LaoSize, LaoType, Role
from hub.rules.validation import camel
from hub.web.console.catalogue_view import format_value, missing_label, value_selection
from hub.web.console.page import PAGE_HEADERS, Console, GraphQLFailed, view
from schema.errors import present_errors


def _section_selection() -> str:
    parts = []
    for d in DOMAINS:
        inner = [value_selection(d.fields), "updatedAt"]
        for t in d.record_tables:
            inner.append(camel(t.none_flag))
            inner.append(f"{camel(t.name)} {{ {value_selection(t.fields)} }}")
        parts.append(f"{camel(d.key)} {{ {' '.join(inner)} }}")
    return "\n      ".join(parts)


QUERY = f"""
query($code: String!, $year: Int!) {{
  fiscalYears {{ yearBe recordDeadline isOpen }}
  lao(code: $code) {{
    code nameTh nameEn type size addressNumber addressVillageNumber addressRoad postcode
    latitude longitude phone hasWebsite websiteUrl
    province {{ nameTh }} district {{ nameTh }} subdistrict {{ nameTh }}
    recorders {{ slot name position phone }}
    year(fiscalYear: $year) {{
      fiscalYear state version dataReceivedAt allDomainsComplete
      completeness {{ domain complete missingFields }}
      certificationHistory {{ at fromState toState actorRole actorName reason }}
      {_section_selection()}
    }}
  }}
}}
"""

# Fields the person may be refused while the rest of the report stands (personal data).
PERSONAL_PATHS = frozenset({"recorders", "actorName"})


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    unit: str = ""
    note: str = ""  # a pulled value's source and fetch time


@dataclass(frozen=True)
class DomainPart:
    number: int
    title: str
    complete: bool
    started: bool
    missing: list[str]
    rows: list[Row]
    updated: str


@dataclass(frozen=True)
class RecordPart:
    title: str
    none_in_area: bool
    records: list[list[Row]]


@dataclass(frozen=True)
class Event:
    at: str
    from_state: str
    to_state: str
    to_code: str
    who: str
    role: str
    reason: str


@dataclass
class Report:
    lang: str
    title: str
    lao_name: str
    code: str
    year: int
    state: str
    state_code: str
    generated: str
    profile: list[Row]
    recorders: list[Row] | None  # None: personal data the person may not read
    domains: list[DomainPart]
    records: list[RecordPart]
    history: list[Event]
    names_hidden: bool  # who certified is personal data the person may not read
    received: str
    deadline: str

    def tr(self, th: str, en: str) -> str:
        return en if self.lang == "en" else th


def _refused_personal(error: Mapping[str, Any]) -> str | None:
    """The personal field an error refused (FORBIDDEN), or None for any other error."""
    if (error.get("extensions") or {}).get("code") != "FORBIDDEN":
        return None
    refused = set(map(str, error.get("path") or ())) & PERSONAL_PATHS
    return refused.pop() if refused else None


async def read(console: Console, code: str, year: int) -> tuple[Mapping[str, Any], frozenset[str]]:
    """The report's data, and the personal fields the person may not read (left null)."""
    return await read_with_personal(console, QUERY, {"code": code, "year": year})


async def read_with_personal(
    console: Console, query: str, variables: Mapping[str, Any]
) -> tuple[Mapping[str, Any], frozenset[str]]:
    """A query's data when its only errors refuse personal data (`PERSONAL_PATHS`: the API
    leaves those null), and the names of the refused fields; any other error raises."""
    result = await console.execute(query, variables)
    refused: set[str] = set()
    if result.errors:
        mask = console.request.app.state.settings.production
        errors = [
            e.formatted for e in present_errors(result.errors, context=console.context(), mask=mask)
        ]
        for error in errors:
            name = _refused_personal(error)
            if name is None:
                raise GraphQLFailed(errors)
            refused.add(name)
    assert result.data is not None
    return result.data, frozenset(refused)


def _label(labelled: Any, lang: str) -> str:
    return str(labelled.label_en if lang == "en" else labelled.label_th)


def _moment(value: str | None, lang: str) -> str:
    if not value:
        return "–"
    return thai_dates.format_moment(dt.datetime.fromisoformat(value), lang)


def _rows(fields: Sequence[Field], values: Mapping[str, Any], lang: str) -> list[Row]:
    rows = []
    for f in fields:
        key = camel(f.name)
        note = ""
        if f.source:
            fetched = values.get(camel(f.fetched_at_column or ""))
            note = (
                f"from {f.source}, fetched {_moment(fetched, lang)}"
                if lang == "en"
                else f"ดึงจาก {f.source} เมื่อ {_moment(fetched, lang)}"
            )
        unit = (f.unit if lang == "en" else (f.unit_th or f.unit)) or ""
        value = values.get(key)
        rows.append(
            Row(
                _label_of(f, lang),
                format_value(f, value, lang),
                unit if value is not None else "",
                note,
            )
        )
    return rows


def _label_of(f: Field, lang: str) -> str:
    return f.label_en if lang == "en" else f.label_th


def build(
    data: Mapping[str, Any], lang: str, now: dt.datetime, refused: frozenset[str] = frozenset()
) -> Report | None:
    """The report of the query's answer, in `lang`; None when the LAO-year is not there."""
    lao = data.get("lao")
    ly = lao.get("year") if lao else None
    if lao is None or ly is None:
        return None
    en = lang == "en"

    def tr(th: str, en_text: str) -> str:
        return en_text if en else th

    address = " ".join(
        part
        for part in (
            f"{tr('เลขที่', 'No.')} {lao['addressNumber']}" if lao["addressNumber"] else "",
            f"{tr('หมู่ที่', 'Village')} {lao['addressVillageNumber']}"
            if lao["addressVillageNumber"]
            else "",
            f"{tr('ถนน', 'Road')} {lao['addressRoad']}" if lao["addressRoad"] else "",
            f"{tr('ตำบล', 'Subdistrict')} {lao['subdistrict']['nameTh']}",
            f"{tr('อำเภอ', 'District')} {lao['district']['nameTh']}",
            f"{tr('จังหวัด', 'Province')} {lao['province']['nameTh']}",
            lao["postcode"],
        )
        if part
    )
    coordinates = (
        f"{lao['latitude']:.6f}, {lao['longitude']:.6f}"
        if lao["latitude"] is not None and lao["longitude"] is not None
        else "–"
    )
    website = (lao["websiteUrl"] or tr("มี", "Yes")) if lao["hasWebsite"] else tr("ไม่มี", "None")
    profile = [
        Row(tr("รหัส อปท.", "LAO code"), lao["code"] or "–"),
        Row(
            tr("ชื่อ อปท.", "Name"), lao["nameTh"] + (f" ({lao['nameEn']})" if lao["nameEn"] else "")
        ),
        Row(tr("ประเภท", "Type"), _label(LaoType[lao["type"]], lang)),
        Row(tr("ขนาด", "Size"), _label(LaoSize[lao["size"]], lang)),
        Row(tr("ที่ตั้งสำนักงาน", "Office address"), address),
        Row(tr("พิกัด (ละติจูด, ลองจิจูด)", "Coordinates (latitude, longitude)"), coordinates),
        Row(tr("โทรศัพท์สำนักงาน", "Office phone"), lao["phone"] or "–"),
        Row(tr("เว็บไซต์", "Website"), website),
    ]
    recorders = None
    if "recorders" not in refused:
        recorders = [
            Row(
                f"{tr('ผู้บันทึกข้อมูลคนที่', 'Data recorder')} {r['slot']}",
                ", ".join(p for p in (r["name"], r["position"], r["phone"]) if p),
            )
            for r in lao["recorders"] or ()
        ]

    completeness = {c["domain"]: c for c in ly["completeness"]}
    domains, records = [], []
    for d in domains_for(ly["fiscalYear"]):  # the fields of that year's form
        section = ly.get(camel(d.key))
        c = completeness[d.number]
        domains.append(
            DomainPart(
                number=d.number,
                title=f"{tr('ด้านที่', 'Domain')} {d.number} {d.label_en if en else d.label_th}",
                complete=c["complete"],
                started=section is not None,
                missing=[missing_label(d.number, n).text(lang) for n in c["missingFields"]],
                rows=_rows(d.fields, section or {}, lang),
                updated=_moment((section or {}).get("updatedAt"), lang),
            )
        )
        for t in d.record_tables:
            items = (section or {}).get(camel(t.name)) or []
            records.append(
                RecordPart(
                    title=f"{t.label_en if en else t.label_th} ({tr('ด้านที่', 'domain')} {d.number})",
                    none_in_area=bool((section or {}).get(camel(t.none_flag))),
                    records=[_rows(t.fields, item, lang) for item in items],
                )
            )

    history = []
    for e in ly["certificationHistory"]:
        history.append(
            Event(
                at=_moment(e["at"], lang),
                from_state=_label(CertificationState[e["fromState"]], lang),
                to_state=_label(CertificationState[e["toState"]], lang),
                to_code=e["toState"],
                who=e.get("actorName") or "–",
                role=_label(Role[e["actorRole"]], lang) if e["actorRole"] else "–",
                reason=e.get("reason") or "",
            )
        )
    fy = next((y for y in data.get("fiscalYears") or () if y["yearBe"] == ly["fiscalYear"]), None)
    deadline = (
        thai_dates.format_date(dt.date.fromisoformat(fy["recordDeadline"]), lang, long=True)
        if fy
        else "–"
    )
    state = CertificationState[ly["state"]]
    return Report(
        lang=lang,
        title=tr("รายงานข้อมูล อปท. ประจำปีงบประมาณ", "LAO data report, fiscal year")
        + f" {ly['fiscalYear']}",
        lao_name=lao["nameTh"],
        code=lao["code"] or "",
        year=ly["fiscalYear"],
        state=_label(state, lang),
        state_code=state.name,
        generated=thai_dates.format_moment(now, lang),
        profile=profile,
        recorders=recorders,
        domains=domains,
        records=records,
        history=history,
        names_hidden="actorName" in refused,
        received=_moment(ly["dataReceivedAt"], lang),
        deadline=deadline,
    )


def _missing(console: Console, code: str, year: int) -> Response:
    return console.render("certification_missing.html", status=404, code=code, year=year)


@view
async def report_page(request: Request, console: Console) -> Response:
    code, year = request.path_params["code"], request.path_params["year"]
    data, refused = await read(console, code, year)
    report = build(data, console.lang, console.now, refused)
    if report is None:
        return _missing(console, code, year)
    return console.render("report.html", report=report)


@view
async def report_pdf(request: Request, console: Console) -> Response:
    from hub.web.console.report_pdf import render

    code, year = request.path_params["code"], request.path_params["year"]
    data, refused = await read(console, code, year)
    report = build(data, console.lang, console.now, refused)
    if report is None:
        return _missing(console, code, year)
    body = await run_in_threadpool(render, report)  # CPU-bound: never block the event loop
    filename = f"info-report-{report.code or 'lao'}-{report.year}.pdf"
    headers = {
        **{k: v for k, v in PAGE_HEADERS.items() if k != "Content-Security-Policy"},
        "Content-Disposition": f'attachment; filename="{filename}"',
    }
    return Response(body, media_type="application/pdf", headers=headers)


routes = [
    Route("/console/lao/{code}/{year:int}/report", report_page),
    Route("/console/lao/{code}/{year:int}/report.pdf", report_pdf),
]
