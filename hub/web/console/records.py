"""Record tables (village water-supply systems, tourist sites) of an LAO-year: the list, a
record's form (add, edit, retire), "none in this area", and the bulk upload with its preview.

    /console/lao/{code}/{year}/records/{table}                     the list, a page at a time
    .../records/{table}/new                  GET, POST               add a record
    .../records/{table}/{id}                 GET, POST               see / edit a record
    .../records/{table}/{id}/retire          GET, POST               retire it, with a reason
    .../records/{table}/none                 POST                    "none in this area" on/off
    .../records/{table}/template.{csv|xlsx}, export.{csv|xlsx}       files to fill and correct
    .../records/{table}/upload               POST (multipart)        keep the file, then preview
    .../records/{table}/upload/{upload}      GET preview, POST confirm (the import)
    .../records/{table}/upload/{upload}/discard   POST

`table` is `water-supply-systems` or `tourist-sites`. Forms are generated from the catalogue
(`hub.rules.catalogue`): each field's label, unit, bounds and required marker. A form's text
is read with the rules that read uploaded cells (`hub.rules.record_files.text_value`) and
checked with the catalogue's validation (`hub.rules.validation`) before it is sent, so a
value the API's typed input could not even carry is reported next to its field; everything
else is decided by the API's mutations (`addWaterSupplySystem`, …, `importWaterSupplySystems`),
whose typed refusals are shown in a summary at the top and next to each field, in Thai and
English. Saves carry the LAO-year's and the record's versions: when someone else saved the
same record first, the clerk sees what changed and chooses to keep theirs or take the other's;
a change elsewhere in the LAO-year (another record) is no conflict, and the save is made at
the LAO-year's new version.

Every form works as a plain POST (303 to the next page); with htmx the form's `main` is
swapped in place, and a success navigates (`HX-Redirect`).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hub.rules import record_files
from hub.rules.catalogue import (
    DOMAINS,
    THAILAND_LATITUDE,
    THAILAND_LONGITUDE,
    Field,
    Kind,
    RecordTable,
)
from hub.rules.enums import CertificationState
from hub.rules.problems import InvalidInput
from hub.rules.record_files import FileFormat
from hub.rules.validation import FieldError, api_name, camel, current_be_year, require, validate
from hub.settings import Settings
from hub.web.console import uploads
from hub.web.console.page import Console, view
from hub.web.edge import LargeBody

PAGE_SIZE = 50
EXPORT_PAGE = 1000
UPLOAD_PATH = re.compile(r"/console/lao/[^/]+/[0-9]+/records/[a-z-]+/upload")
# A person on a slow link uploading a large file: this many times the usual body deadline.
UPLOAD_TIME_FACTOR = 10


@dataclass(frozen=True)
class TablePage:
    """A record table as the console shows it."""

    slug: str
    spec: RecordTable
    domain: int
    listed: tuple[str, ...]  # API names of the fields the list shows

    @property
    def connection(self) -> str:
        return camel(self.spec.name)

    @property
    def type_name(self) -> str:
        return self.spec.type_name

    @property
    def section(self) -> str:
        return camel(DOMAINS[self.domain - 1].key)

    @property
    def section_mutation(self) -> str:
        return "save" + DOMAINS[self.domain - 1].type_name.removesuffix("Section")

    @property
    def none_flag(self) -> str:
        return camel(self.spec.none_flag)

    @property
    def import_mutation(self) -> str:
        return "import" + "".join(p.capitalize() for p in self.spec.name.split("_"))

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.spec.fields if not f.read_only)


TABLES = {
    page.slug: page
    for page in (
        TablePage(
            "water-supply-systems",
            next(t for d in DOMAINS for t in d.record_tables if t.name == "water_supply_systems"),
            5,
            (
                "name",
                "villageNumber",
                "status",
                "householdsServed",
                "systemType",
                "yearBuiltBe",
                "lastCheckedOn",
            ),
        ),
        TablePage(
            "tourist-sites",
            next(t for d in DOMAINS for t in d.record_tables if t.name == "tourist_sites"),
            8,
            ("name", "siteType", "visitorsPerYear"),
        ),
    )
}


def large_bodies(settings: Settings) -> tuple[LargeBody, ...]:
    """The upload route takes files up to HUB_CONSOLE_UPLOAD_MAX_BYTES (hub/web/edge.py)."""
    return (
        LargeBody(
            UPLOAD_PATH,
            settings.console_upload_max_bytes,
            settings.body_timeout * UPLOAD_TIME_FACTOR,
        ),
    )


# --- GraphQL ---------------------------------------------------------------------------------


def _node_fields(page: TablePage) -> str:
    names = [
        "village { number nameTh }" if f.kind is Kind.VILLAGE else camel(f.name)
        for f in page.fields
    ]
    return "id version " + " ".join(names)


def _year_query(page: TablePage) -> str:
    return f"""
      fiscalYears {{ yearBe isOpen }}
      lao(code: $code) {{ code nameTh
        subdistrict {{ nameTh villages {{ number nameTh }} }}
        year(fiscalYear: $year) {{ fiscalYear state stateLabelTh version editable
          {page.section} {{ {page.none_flag} }} }} }}"""


def list_query(page: TablePage) -> str:
    status = ", status: $status" if page.spec.name == "water_supply_systems" else ""
    status_var = ", $status: String" if status else ""
    return f"""query($code: String!, $year: Int!, $first: Int!, $after: String{status_var}) {{
      {_year_query(page)}
      records: {page.connection}(filter: {{laoCode: $code, fiscalYear: $year{status}}},
                                 first: $first, after: $after) {{
        totalCount pageInfo {{ hasNextPage endCursor }}
        edges {{ node {{ {_node_fields(page)} }} }} }} }}"""


def record_query(page: TablePage) -> str:
    return f"""query($code: String!, $year: Int!, $id: Int!) {{
      {_year_query(page)}
      records: {page.connection}(filter: {{laoCode: $code, fiscalYear: $year, id: $id}}, first: 1) {{
        edges {{ node {{ {_node_fields(page)} }} }} }} }}"""


def export_query(page: TablePage) -> str:
    return f"""query($code: String!, $year: Int!, $after: String) {{
      records: {page.connection}(filter: {{laoCode: $code, fiscalYear: $year}},
                                 first: {EXPORT_PAGE}, after: $after) {{
        pageInfo {{ hasNextPage endCursor }}
        edges {{ node {{ {_node_fields(page)} }} }} }} }}"""


REFUSALS = """__typename
  ... on MutationError { message messageTh }
  ... on ValidationFailed { errors { path code message messageTh line column } }
  ... on VersionConflict { currentVersion }"""


def save_mutation(page: TablePage, action: str) -> str:
    t = page.type_name
    if action == "add":
        arguments = f"$data: {t}Input!"
        call = f"add{t}(laoCode: $code, fiscalYear: $year, version: $version, data: $data)"
    elif action == "update":
        arguments = f"$id: Int!, $recordVersion: Int!, $data: {t}Input!"
        call = (
            f"update{t}(laoCode: $code, fiscalYear: $year, version: $version, recordId: $id, "
            "recordVersion: $recordVersion, data: $data)"
        )
    else:
        arguments = "$id: Int!, $recordVersion: Int!, $reason: String!"
        call = (
            f"retire{t}(laoCode: $code, fiscalYear: $year, version: $version, recordId: $id, "
            "recordVersion: $recordVersion, reason: $reason)"
        )
    return f"""mutation($code: String!, $year: Int!, $version: Int!, {arguments}) {{
      result: {call} {{ {REFUSALS} ... on RecordSaved {{ recordId version }} }} }}"""


def none_mutation(page: TablePage) -> str:
    section = DOMAINS[page.domain - 1].type_name.removesuffix("Section")
    return f"""mutation($code: String!, $year: Int!, $version: Int!, $data: {section}Input!) {{
      result: {page.section_mutation}(laoCode: $code, fiscalYear: $year, version: $version,
                                      data: $data) {{ {REFUSALS} ... on SectionSaved {{ version }} }} }}"""


def import_mutation(page: TablePage) -> str:
    return f"""mutation($code: String!, $year: Int!, $version: Int!, $file: String!,
                         $format: RecordFileFormat!, $dryRun: Boolean!) {{
      result: {page.import_mutation}(laoCode: $code, fiscalYear: $year, version: $version,
          file: $file, format: $format, dryRun: $dryRun) {{ {REFUSALS}
        ... on RecordsImported {{ dryRun lines added updated unchanged version
          changedLines {{ line action recordId name changes {{ field before after }} }} }} }} }}"""


# --- forms -------------------------------------------------------------------------------------


@dataclass
class FormField:
    """One input of a record's form, as the template draws it."""

    key: str  # the API name: the input's name; its id is "f-" + key
    label: str
    unit: str | None
    hint: str
    required: bool
    kind: str  # text | whole | decimal | select | date
    value: str
    options: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (Thai, English)
    max_length: int | None = None


def inline(
    e: FieldError, label_th: str | None = None, label_en: str | None = None
) -> tuple[str, str]:
    """An error as shown next to its field, whose label is already there: the messages without
    the label they begin with ("ปีที่ก่อสร้าง (พ.ศ.): ต้อง…" → "ต้อง…")."""
    th, en = e.message_th, e.message_en
    if label_th and th.startswith(label_th + ": "):
        th = th[len(label_th) + 2 :]
    if label_th and label_en and en.startswith(f"{label_en} ({label_th}): "):
        en = en[len(f"{label_en} ({label_th}): ") :]
    elif label_en and en.startswith(label_en + ": "):
        en = en[len(label_en) + 2 :]
    return th, en


def labelled(fields: tuple[Field, ...]) -> Any:
    """`inline` for errors whose path names one of `fields`."""
    by_key = {api_name(f): f for f in fields}

    def short(e: FieldError) -> tuple[str, str]:
        f = by_key.get(e.path.rsplit(".", 1)[-1])
        return inline(e, f.label_th, f.label_en) if f else (e.message_th, e.message_en)

    return short


def _hint(console: Console, f: Field) -> str:
    tr = console.tr
    if f.kind is Kind.YEAR_BE:
        return tr(
            f"ปี พ.ศ. {f.minimum:.0f}–{current_be_year()}",
            f"Buddhist-Era year, {f.minimum:.0f}–{current_be_year()}",
        )
    if f.kind is Kind.LATITUDE:
        low, high = THAILAND_LATITUDE
        return tr(f"องศาทศนิยม {low}–{high} เช่น 13.7563", f"Decimal degrees, {low}–{high}")
    if f.kind is Kind.LONGITUDE:
        low, high = THAILAND_LONGITUDE
        return tr(f"องศาทศนิยม {low}–{high} เช่น 100.5018", f"Decimal degrees, {low}–{high}")
    if f.kind in (Kind.INT, Kind.DECIMAL) and f.maximum is not None:
        unit = tr(f.unit_th or "", f.unit or "")
        return f"{f.minimum or 0:,g}–{f.maximum:,g} {unit}".strip()
    if f.kind is Kind.DATE:
        return tr("วัน/เดือน/ปี พ.ศ. เช่น 31/1/2569", "Day/month/year, e.g. 31/1/2026")
    if f.kind is Kind.TEXT and f.max_length:
        return tr(f"ไม่เกิน {f.max_length} ตัวอักษร", f"At most {f.max_length} characters")
    return ""


def _shown(console: Console, f: Field, value: Any) -> str:
    """A stored value as the form's text: what the clerk would type."""
    if value is None:
        return ""
    if f.kind is Kind.VILLAGE and isinstance(value, dict):
        return str(value["number"])
    if f.kind is Kind.DATE:
        day = dt.date.fromisoformat(str(value))
        return f"{day.day}/{day.month}/{day.year + (543 if console.lang == 'th' else 0)}"
    if isinstance(value, float) and value.is_integer() and f.kind is Kind.DECIMAL:
        return f"{value:g}"
    return str(value)


def form_fields(
    console: Console,
    page: TablePage,
    values: dict[str, str],
    errors: list[FieldError],
    villages: list[dict[str, Any]],
) -> list[FormField]:
    out = []
    for f in page.fields:
        key = api_name(f)
        kind = {
            Kind.INT: "whole",
            Kind.YEAR_BE: "whole",
            Kind.DECIMAL: "decimal",
            Kind.LATITUDE: "decimal",
            Kind.LONGITUDE: "decimal",
            Kind.CHOICE: "select",
            Kind.VILLAGE: "select",
            Kind.DATE: "date",
        }.get(f.kind, "text")
        options: list[tuple[str, str]] = []
        if f.kind is Kind.CHOICE:
            options = [(c.code, console.tr(c.label_th, c.label_en)) for c in f.choices]
        elif f.kind is Kind.VILLAGE:
            options = [
                (str(v["number"]), console.tr("หมู่ที่", "Village") + f" {v['number']} {v['nameTh']}")
                for v in villages
            ]
            if values.get(key) and values[key] not in {o[0] for o in options}:
                options.append((values[key], values[key]))
        out.append(
            FormField(
                key=key,
                label=console.tr(f.label_th, f.label_en),
                unit=console.tr(f.unit_th or "", f.unit or "") or None,
                hint=_hint(console, f),
                required=f.required,
                kind=kind,
                value=values.get(key, ""),
                options=options,
                errors=[
                    inline(e, f.label_th, f.label_en)
                    for e in errors
                    if e.path.rsplit(".", 1)[-1] == key
                ],
                max_length=f.max_length,
            )
        )
    return out


def read_form(
    page: TablePage, form: Any
) -> tuple[dict[str, str], dict[str, Any], list[FieldError]]:
    """(the text as typed, the API's input, errors) of a submitted record form. Every field is
    sent (an empty one clears its value); required fields must be filled."""
    prefix = record_files.prefix_of(page.spec)
    typed = {api_name(f): str(form.get(api_name(f)) or "") for f in page.fields}
    raw = {f.name: record_files.text_value(f, typed[api_name(f)]) for f in page.fields}
    cleaned, errors = validate(page.fields, raw, prefix=prefix)
    errors += require(page.fields, {**raw, **cleaned}, prefix=prefix)
    data: dict[str, Any] = {}
    for f in page.fields:
        value = cleaned.get(f.name)
        if f.kind is Kind.DATE and value is not None:
            value = value.isoformat()
        data[api_name(f)] = value
    return typed, data, errors


def display(console: Console, f: Field, node: dict[str, Any]) -> str:
    """A record's value as a list shows it: a choice by its label, a village by its number and
    name, a date in the console's calendar, a number with separators."""
    if f.kind is Kind.VILLAGE:
        village = node.get("village")
        if not village:
            return "–"
        return console.tr("หมู่", "No.") + f" {village['number']} {village['nameTh']}"
    value = node.get(api_name(f))
    if value is None:
        return "–"
    if f.kind is Kind.CHOICE:
        choice = next((c for c in f.choices if c.code == value), None)
        return console.tr(choice.label_th, choice.label_en) if choice else str(value)
    if f.kind is Kind.DATE:
        return console.date(value)
    if f.kind is Kind.INT:
        return f"{value:,}"
    return str(value)


def _problems(result: dict[str, Any]) -> list[FieldError]:
    return [
        FieldError(
            e["path"],
            e["code"],
            e["message"],
            e["messageTh"],
            line=e.get("line"),
            column=e.get("column"),
        )
        for e in result.get("errors") or []
    ]


# --- pages -------------------------------------------------------------------------------------


def render(console: Console, template: str, status: int = 200, **values: Any) -> Response:
    """`console.render` with what every record page names: states and domains in words."""

    def state_label(state: str) -> str:
        member = CertificationState[state]
        return console.tr(member.label_th, member.label_en)

    def domain_label(number: int) -> str:
        d = DOMAINS[number - 1]
        return console.tr(f"ด้านที่ {number} {d.label_th}", f"Domain {number}: {d.label_en}")

    return console.render(
        template, status=status, state_label=state_label, domain_label=domain_label, **values
    )


def _page_of(request: Request) -> TablePage:
    page = TABLES.get(request.path_params["table"])
    if page is None:
        from starlette.exceptions import HTTPException

        raise HTTPException(404)
    return page


def _base(request: Request, page: TablePage) -> str:
    p = request.path_params
    return f"/console/lao/{quote(p['code'])}/{p['year']}/records/{page.slug}"


def _done(request: Request, console: Console, url: str) -> Response:
    """After a successful form: go to `url` (htmx: navigate there)."""
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _status(request: Request) -> int:
    """A form shown again with its errors: 200 for htmx (it swaps only 2xx), 400 otherwise."""
    return 200 if request.headers.get("hx-request") == "true" else 400


def _context(request: Request, page: TablePage) -> dict[str, Any]:
    """What every page of a table names: the table and its address."""
    return {"page": page, "spec": page.spec, "base": _base(request, page), "domain": page.domain}


def _year_or_404(console: Console, data: dict[str, Any]) -> Any:
    """(the LAO, its year with `closed`) of a page's query, or None when there is none."""
    lao = data.get("lao")
    year = lao.get("year") if lao else None
    if year is None:
        return None
    year = dict(year)
    year["closed"] = not any(
        y["isOpen"] for y in data.get("fiscalYears") or [] if y["yearBe"] == year["fiscalYear"]
    )
    return lao, year


@view
async def records_list(request: Request, console: Console) -> Response:
    page = _page_of(request)
    return await _list(request, console, page)


async def _list(
    request: Request,
    console: Console,
    page: TablePage,
    *,
    status: int = 200,
    upload_errors: list[FieldError] | None = None,
    warning: tuple[str, str] | None = None,
) -> Response:
    code = request.path_params["code"]
    year_be = int(request.path_params["year"])
    after = request.query_params.get("after") or None
    start = _positive(request.query_params.get("from"), 1)
    variables: dict[str, Any] = {"code": code, "year": year_be, "first": PAGE_SIZE, "after": after}
    state_filter = request.query_params.get("status") or None
    if page.spec.name == "water_supply_systems":
        variables["status"] = state_filter if state_filter in ("USABLE", "UNUSABLE") else None
    data = await console.graphql(list_query(page), variables)
    found = _year_or_404(console, data)
    if found is None:
        return render(
            console,
            "records_missing.html",
            status=404,
            **_context(request, page),
            code=code,
            year_be=year_be,
        )
    lao, year = found
    records = data["records"] or {"totalCount": 0, "edges": [], "pageInfo": {}}
    section = year.get(page.section) or {}
    rows = [edge["node"] for edge in records["edges"]]
    next_link = None
    if records["pageInfo"].get("hasNextPage"):
        query = {"after": records["pageInfo"]["endCursor"], "from": start + len(rows)}
        if variables.get("status"):
            query["status"] = variables["status"]
        next_link = _base(request, page) + "?" + urlencode(query)
    return render(
        console,
        "records_list.html",
        status=status,
        **_context(request, page),
        lao=lao,
        year=year,
        rows=rows,
        total=records["totalCount"],
        start=start,
        next_link=next_link,
        first_link=_base(request, page) if after else None,
        none_in_area=bool(section.get(page.none_flag)),
        status_filter=variables.get("status"),
        columns=[f for f in page.fields if api_name(f) in page.listed],
        upload_errors=upload_errors or [],
        warning=warning,
        notice=_notice(console, request),
        max_lines=request.app.state.settings.import_max_lines,
        max_bytes=request.app.state.settings.console_upload_max_bytes,
        max_mb=request.app.state.settings.console_upload_max_bytes // (1024 * 1024),
        show=lambda f, node: display(console, f, node),
    )


def _positive(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and int(text) > 0 else default


def _notice(console: Console, request: Request) -> str | None:
    q = request.query_params
    if "added" in q:
        return console.tr("เพิ่มรายการแล้ว", "The record was added.")
    if "saved" in q:
        return console.tr("บันทึกการแก้ไขแล้ว", "Your changes were saved.")
    if "retired" in q:
        return console.tr(
            "ยกเลิกรายการแล้ว (ยังเก็บไว้ในประวัติ)", "The record was retired (it stays in the history)."
        )
    if "none" in q:
        return console.tr("บันทึกแล้ว", "Saved.")
    if "imported" in q:
        added, _, updated = q["imported"].partition("-")
        return console.tr(
            f"นำเข้าข้อมูลเรียบร้อย: เพิ่ม {added} รายการ แก้ไข {updated} รายการ",
            f"Imported: {added} record(s) added, {updated} changed.",
        )
    if "discarded" in q:
        return console.tr(
            "ยกเลิกไฟล์ที่อัปโหลดแล้ว ไม่มีการเปลี่ยนแปลงข้อมูล", "The upload was discarded; nothing changed."
        )
    return None


@view
async def record_new(request: Request, console: Console) -> Response:
    page = _page_of(request)
    code, year_be = request.path_params["code"], int(request.path_params["year"])
    data = await console.graphql(record_query(page), {"code": code, "year": year_be, "id": 0})
    found = _year_or_404(console, data)
    if found is None:
        return render(
            console,
            "records_missing.html",
            status=404,
            **_context(request, page),
            code=code,
            year_be=year_be,
        )
    lao, year = found
    villages = lao["subdistrict"]["villages"]
    if request.method == "GET":
        return _form_page(console, request, page, lao, year, None, {}, [], villages)
    form = await request.form()
    typed, values, errors = read_form(page, form)
    version = _positive(str(form.get("version") or ""), year["version"])
    if errors:
        return _form_page(
            console, request, page, lao, year, None, typed, errors, villages, version=version
        )
    for _ in range(2):
        result = await _mutate(
            console, save_mutation(page, "add"), code, year_be, version, data=values
        )
        if result["__typename"] == "VersionConflict":
            # Someone saved something else meanwhile: adding a record overwrites nothing.
            version = result["currentVersion"]
            continue
        break
    if result["__typename"] == "RecordSaved":
        return _done(request, console, _base(request, page) + "?added=" + str(result["recordId"]))
    return _form_page(
        console,
        request,
        page,
        lao,
        year,
        None,
        typed,
        _problems(result),
        villages,
        version=version,
        refusal=result,
    )


async def _one_record(request: Request, console: Console) -> Any:
    """The record a page is about, with its LAO and year, or the "not found" page (404)."""
    page = _page_of(request)
    code, year_be = request.path_params["code"], int(request.path_params["year"])
    record_id = int(request.path_params["id"])
    data = await console.graphql(
        record_query(page), {"code": code, "year": year_be, "id": record_id}
    )
    found = _year_or_404(console, data)
    edges = (data.get("records") or {}).get("edges") or []
    if found is None or not edges:
        return render(
            console,
            "records_missing.html",
            status=404,
            **_context(request, page),
            code=code,
            year_be=year_be,
        )
    lao, year = found
    return page, code, year_be, record_id, lao, year, edges[0]["node"]


@view
async def record_edit(request: Request, console: Console) -> Response:
    loaded = await _one_record(request, console)
    if isinstance(loaded, Response):
        return loaded
    page, code, year_be, record_id, lao, year, record = loaded
    villages = lao["subdistrict"]["villages"]
    stored = {
        api_name(f): _shown(
            console, f, record.get("village" if f.kind is Kind.VILLAGE else api_name(f))
        )
        for f in page.fields
    }
    if request.method == "GET":
        return _form_page(console, request, page, lao, year, record, stored, [], villages)
    form = await request.form()
    typed, values, errors = read_form(page, form)
    version = _positive(str(form.get("version") or ""), year["version"])
    record_version = _positive(str(form.get("record_version") or ""), record["version"])
    if errors:
        return _form_page(
            console,
            request,
            page,
            lao,
            year,
            record,
            typed,
            errors,
            villages,
            version=version,
            record_version=record_version,
        )
    if record_version != record["version"]:
        # Someone saved this record after the clerk opened it: show what changed.
        return _conflict(console, request, page, lao, year, record, stored, typed, villages)
    result = await _mutate(
        console,
        save_mutation(page, "update"),
        code,
        year_be,
        version,
        id=record_id,
        recordVersion=record_version,
        data=values,
    )
    if result["__typename"] == "VersionConflict":
        # The LAO-year moved on (another record or section); this record did not: save at
        # the LAO-year's current version.
        result = await _mutate(
            console,
            save_mutation(page, "update"),
            code,
            year_be,
            result["currentVersion"],
            id=record_id,
            recordVersion=record_version,
            data=values,
        )
    if result["__typename"] == "RecordSaved":
        return _done(request, console, _base(request, page) + "?saved=" + str(record_id))
    if result["__typename"] == "VersionConflict" or result["__typename"] == "NotFound":
        fresh = await console.graphql(
            record_query(page), {"code": code, "year": year_be, "id": record_id}
        )
        fresh_edges = (fresh.get("records") or {}).get("edges") or []
        if fresh_edges:
            again = fresh_edges[0]["node"]
            now = {
                api_name(f): _shown(
                    console, f, again.get("village" if f.kind is Kind.VILLAGE else api_name(f))
                )
                for f in page.fields
            }
            return _conflict(
                console, request, page, lao, fresh["lao"]["year"], again, now, typed, villages
            )
    return _form_page(
        console,
        request,
        page,
        lao,
        year,
        record,
        typed,
        _problems(result),
        villages,
        version=version,
        record_version=record_version,
        refusal=result,
    )


def _conflict(
    console: Console,
    request: Request,
    page: TablePage,
    lao: dict[str, Any],
    year: dict[str, Any],
    record: dict[str, Any],
    theirs: dict[str, str],
    mine: dict[str, str],
    villages: list[dict[str, Any]],
) -> Response:
    """The record changed under the clerk: both versions side by side, the form holding the
    clerk's values at the record's current version (saving it keeps theirs knowingly)."""
    differences = [
        {
            "label": console.tr(f.label_th, f.label_en),
            "key": api_name(f),
            "theirs": theirs.get(api_name(f), ""),
            "mine": mine.get(api_name(f), ""),
        }
        for f in page.fields
        if record_files.text_value(f, theirs.get(api_name(f)))
        != record_files.text_value(f, mine.get(api_name(f)))
    ]
    return _form_page(
        console,
        request,
        page,
        lao,
        year,
        record,
        mine,
        [],
        villages,
        version=year["version"],
        record_version=record["version"],
        conflict=differences,
        status=409 if request.headers.get("hx-request") != "true" else 200,
    )


def _form_page(
    console: Console,
    request: Request,
    page: TablePage,
    lao: dict[str, Any],
    year: dict[str, Any],
    record: dict[str, Any] | None,
    values: dict[str, str],
    errors: list[FieldError],
    villages: list[dict[str, Any]],
    *,
    version: int | None = None,
    record_version: int | None = None,
    refusal: dict[str, Any] | None = None,
    conflict: list[dict[str, str]] | None = None,
    status: int | None = None,
) -> Response:
    fields = form_fields(console, page, values, errors, villages)
    keys = {f.key for f in fields}
    general = [e for e in errors if e.path.rsplit(".", 1)[-1] not in keys]
    if status is None:
        status = 200 if not errors and refusal is None else _status(request)
    return render(
        console,
        "record_form.html",
        status=status,
        page=page,
        spec=page.spec,
        base=_base(request, page),
        lao=lao,
        year=year,
        record=record,
        fields=fields,
        errors=errors,
        general_errors=general,
        refusal=refusal if refusal and refusal.get("__typename") != "ValidationFailed" else None,
        version=version or year["version"],
        record_version=record_version or (record["version"] if record else None),
        conflict=conflict,
    )


@view
async def record_retire(request: Request, console: Console) -> Response:
    loaded = await _one_record(request, console)
    if isinstance(loaded, Response):
        return loaded
    page, code, year_be, record_id, lao, year, record = loaded
    values = {
        "base": _base(request, page),
        "page": page,
        "spec": page.spec,
        "lao": lao,
        "year": year,
        "record": record,
    }
    if request.method == "GET":
        return render(console, "record_retire.html", reason="", errors=[], refusal=None, **values)
    form = await request.form()
    reason = str(form.get("reason") or "").strip()
    record_version = _positive(str(form.get("record_version") or ""), record["version"])
    errors = []
    if not reason:
        errors.append(
            FieldError(
                "reason",
                "REQUIRED",
                "A reason is required to retire a record.",
                "ต้องระบุเหตุผลที่ยกเลิกรายการ",
            )
        )
    if record_version != record["version"]:
        errors.append(
            FieldError(
                "record_version",
                "VERSION_CONFLICT",
                "Someone changed this record after you opened it: check it again before retiring it.",
                "มีผู้แก้ไขรายการนี้หลังจากที่ท่านเปิดดู กรุณาตรวจสอบอีกครั้งก่อนยกเลิก",
            )
        )
    if errors:
        return render(
            console,
            "record_retire.html",
            status=_status(request),
            reason=reason,
            errors=errors,
            refusal=None,
            **values,
        )
    version = year["version"]
    result: dict[str, Any] = {}
    for _ in range(2):
        result = await _mutate(
            console,
            save_mutation(page, "retire"),
            code,
            year_be,
            version,
            id=record_id,
            recordVersion=record_version,
            reason=reason,
        )
        if result["__typename"] != "VersionConflict" or result.get("currentVersion") == version:
            break
        version = result["currentVersion"]
    if result["__typename"] == "RecordSaved":
        return _done(request, console, _base(request, page) + "?retired=" + str(record_id))
    problems = _problems(result)
    if result["__typename"] == "ReasonRequired":
        problems = [FieldError("reason", "REQUIRED", result["message"], result["messageTh"])]
    return render(
        console,
        "record_retire.html",
        status=_status(request),
        reason=reason,
        errors=problems,
        refusal=result if not problems else None,
        **values,
    )


@view
async def none_in_area(request: Request, console: Console) -> Response:
    page = _page_of(request)
    code, year_be = request.path_params["code"], int(request.path_params["year"])
    form = await request.form()
    version = _positive(str(form.get("version") or ""), 0)
    mark = form.get("none") == "true"
    result = await _mutate(
        console, none_mutation(page), code, year_be, version, data={page.none_flag: mark}
    )
    if result["__typename"] == "SectionSaved":
        return _done(request, console, _base(request, page) + "?none=1")
    if result["__typename"] == "VersionConflict":
        warning = (
            "ข้อมูลถูกแก้ไขโดยผู้อื่นระหว่างที่ท่านเปิดหน้านี้ กรุณาตรวจสอบรายการด้านล่างแล้วลองอีกครั้ง",
            "Someone changed this data while you had the page open: check the list below and try again.",
        )
    else:
        warning = (result.get("messageTh", ""), result.get("message", ""))
    return await _list(request, console, page, status=_status(request), warning=warning)


async def _mutate(
    console: Console, mutation: str, code: str, year: int, version: int, **variables: Any
) -> dict[str, Any]:
    """A mutation's typed result (its errors, if any, are the API's: GraphQLFailed)."""
    result = await console.execute(
        mutation, {"code": code, "year": year, "version": version, **variables}
    )
    if result.errors:
        from hub.web.console.page import GraphQLFailed
        from schema.errors import present_errors

        raise GraphQLFailed(
            [
                e.formatted
                for e in present_errors(
                    result.errors,
                    context=console.context(),
                    mask=console.request.app.state.settings.production,
                )
            ]
        )
    assert result.data is not None
    return dict(result.data["result"])


# --- files -------------------------------------------------------------------------------------


def _file_response(data: bytes, fmt: FileFormat, filename: str) -> Response:
    return Response(
        data,
        media_type=fmt.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _format(request: Request) -> FileFormat:
    try:
        return FileFormat(request.path_params["format"])
    except ValueError:
        from starlette.exceptions import HTTPException

        raise HTTPException(404) from None


@view
async def template(request: Request, console: Console) -> Response:
    page = _page_of(request)
    fmt = _format(request)
    return _file_response(
        record_files.write(page.spec, [], fmt), fmt, f"{page.slug}-template.{fmt.value}"
    )


@view
async def export(request: Request, console: Console) -> Response:
    """The LAO-year's records as a file to correct and upload again (id and version kept)."""
    page = _page_of(request)
    fmt = _format(request)
    code, year_be = request.path_params["code"], int(request.path_params["year"])
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        data = await console.graphql(
            export_query(page), {"code": code, "year": year_be, "after": after}
        )
        connection = data["records"]
        if connection is None:
            break
        for edge in connection["edges"]:
            node = dict(edge["node"])
            village = node.pop("village", None)
            if any(f.kind is Kind.VILLAGE for f in page.fields):
                node["villageNumber"] = village["number"] if village else None
            rows.append(node)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    safe_code = re.sub(r"[^0-9A-Za-z]", "", code)
    return _file_response(
        record_files.write(page.spec, rows, fmt),
        fmt,
        f"{page.slug}-{safe_code}-{year_be}.{fmt.value}",
    )


def _upload_format(upload: UploadFile, content: bytes) -> FileFormat | None:
    name = (upload.filename or "").lower()
    if content[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        return FileFormat.XLSX
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".xls"):
        return None  # Excel 97-2003: not readable; the clerk saves it as .xlsx
    return FileFormat.CSV


@view
async def upload(request: Request, console: Console) -> Response:
    page = _page_of(request)
    code, year_be = request.path_params["code"], int(request.path_params["year"])
    form = await request.form()
    chosen = form.get("file")
    problems: list[FieldError] = []
    if not isinstance(chosen, UploadFile) or not chosen.filename:
        problems.append(
            FieldError(
                "file",
                "REQUIRED",
                "Choose a CSV or XLSX file to upload.",
                "กรุณาเลือกไฟล์ CSV หรือ XLSX ที่จะอัปโหลด",
            )
        )
    else:
        content = await chosen.read()
        fmt = _upload_format(chosen, content)
        if not content:
            problems.append(FieldError("file", "EMPTY", "The file is empty.", "ไฟล์ว่างเปล่า"))
        elif fmt is None:
            problems.append(
                FieldError(
                    "file",
                    "WRONG_TYPE",
                    "Excel 97-2003 files (.xls) cannot be read: in Excel choose Save As, Excel Workbook (.xlsx), or CSV UTF-8.",
                    "อ่านไฟล์ Excel รุ่นเก่า (.xls) ไม่ได้ กรุณาเลือก บันทึกเป็น (Save As) แบบ Excel Workbook (.xlsx) หรือ CSV UTF-8",
                )
            )
        else:
            upload_id = await uploads.stage(
                request,
                console.signed,
                lao_code=code,
                fiscal_year=year_be,
                table_name=page.spec.name,
                filename=chosen.filename,
                file_format=fmt,
                content=content,
            )
            replaced = form.get("replaces")
            if isinstance(replaced, str) and replaced:
                await uploads.discard(request, console.signed, replaced)  # the corrected file's
            return RedirectResponse(_base(request, page) + "/upload/" + upload_id, status_code=303)
    return await _list(request, console, page, status=400, upload_errors=problems)


async def _staged_or_gone(
    request: Request, console: Console, page: TablePage
) -> uploads.Staged | Response:
    staged = await uploads.staged(request, console.signed, request.path_params["upload"])
    p = request.path_params
    if staged is None or (staged.lao_code, staged.fiscal_year, staged.table_name) != (
        p["code"],
        int(p["year"]),
        page.spec.name,
    ):
        return render(
            console,
            "upload_gone.html",
            status=404,
            base=_base(request, page),
            page=page,
            spec=page.spec,
        )
    return staged


async def _dry_run(
    console: Console, page: TablePage, staged: uploads.Staged, version: int, dry_run: bool
) -> dict[str, Any]:
    if staged.file_format is FileFormat.CSV:
        try:
            file = record_files.decode_csv(staged.content)
        except InvalidInput as problem:
            return {
                "__typename": "ValidationFailed",
                "message": problem.message_en,
                "messageTh": problem.message_th,
                "errors": [
                    {
                        "path": e.path,
                        "code": e.code,
                        "message": e.message_en,
                        "messageTh": e.message_th,
                        "line": e.line,
                        "column": e.column,
                    }
                    for e in problem.errors
                ],
            }
    else:
        file = base64.b64encode(staged.content).decode("ascii")
    return await _mutate(
        console,
        import_mutation(page),
        staged.lao_code,
        staged.fiscal_year,
        version,
        file=file,
        format=staged.file_format.name,
        dryRun=dry_run,
    )


@view
async def upload_preview(request: Request, console: Console) -> Response:
    page = _page_of(request)
    staged = await _staged_or_gone(request, console, page)
    if isinstance(staged, Response):
        return staged
    data = await console.graphql(
        record_query(page), {"code": staged.lao_code, "year": staged.fiscal_year, "id": 0}
    )
    found = _year_or_404(console, data)
    if found is None:
        return render(
            console,
            "records_missing.html",
            status=404,
            **_context(request, page),
            code=staged.lao_code,
            year_be=staged.fiscal_year,
        )
    lao, year = found
    result = await _dry_run(console, page, staged, year["version"], True)
    return _preview_page(
        console, request, page, lao, year, staged, result, changed="changed" in request.query_params
    )


def _preview_page(
    console: Console,
    request: Request,
    page: TablePage,
    lao: dict[str, Any],
    year: dict[str, Any],
    staged: uploads.Staged,
    result: dict[str, Any],
    *,
    changed: bool = False,
    status: int | None = None,
) -> Response:
    errors = _problems(result) if result["__typename"] == "ValidationFailed" else []
    labels = {api_name(f): console.tr(f.label_th, f.label_en) for f in page.fields}
    ok = result["__typename"] == "RecordsImported"
    return render(
        console,
        "records_upload.html",
        status=status or (200 if ok else 422 if errors else 409),
        page=page,
        spec=page.spec,
        base=_base(request, page),
        lao=lao,
        year=year,
        staged=staged,
        result=result,
        ok=ok,
        errors=errors,
        labels=labels,
        changed=changed,
        short=labelled(page.fields),
        max_lines=request.app.state.settings.import_max_lines,
        max_bytes=request.app.state.settings.console_upload_max_bytes,
        max_mb=request.app.state.settings.console_upload_max_bytes // (1024 * 1024),
    )


@view
async def upload_confirm(request: Request, console: Console) -> Response:
    page = _page_of(request)
    staged = await _staged_or_gone(request, console, page)
    if isinstance(staged, Response):
        return staged
    form = await request.form()
    version = _positive(str(form.get("version") or ""), 0)
    result = await _dry_run(console, page, staged, version, False)
    here = _base(request, page) + "/upload/" + staged.id
    if result["__typename"] == "RecordsImported":
        await uploads.discard(request, console.signed, staged.id)
        return RedirectResponse(
            _base(request, page) + f"?imported={result['added']}-{result['updated']}",
            status_code=303,
        )
    if result["__typename"] in ("VersionConflict", "ValidationFailed"):
        # The records changed since the preview: preview again, against what is there now.
        return RedirectResponse(here + "?changed=1", status_code=303)
    data = await console.graphql(
        record_query(page), {"code": staged.lao_code, "year": staged.fiscal_year, "id": 0}
    )
    lao, year = _year_or_404(console, data) or (
        {"code": staged.lao_code, "nameTh": staged.lao_code},
        {
            "version": version,
            "editable": False,
            "fiscalYear": staged.fiscal_year,
            "state": "DRAFT",
            "closed": False,
        },
    )
    return _preview_page(console, request, page, lao, year, staged, result, status=409)


@view
async def upload_discard(request: Request, console: Console) -> Response:
    page = _page_of(request)
    await uploads.discard(request, console.signed, request.path_params["upload"])
    return RedirectResponse(_base(request, page) + "?discarded=1", status_code=303)


PREFIX = "/console/lao/{code}/{year:int}/records/{table}"
routes = [
    Route(PREFIX, records_list),
    Route(PREFIX + "/new", record_new, methods=["GET", "POST"]),
    Route(PREFIX + "/none", none_in_area, methods=["POST"]),
    Route(PREFIX + "/template.{format}", template),
    Route(PREFIX + "/export.{format}", export),
    Route(PREFIX + "/upload", upload, methods=["POST"]),
    Route(PREFIX + "/upload/{upload}", upload_preview, methods=["GET"]),
    Route(PREFIX + "/upload/{upload}", upload_confirm, methods=["POST"]),
    Route(PREFIX + "/upload/{upload}/discard", upload_discard, methods=["POST"]),
    Route(PREFIX + "/{id:int}", record_edit, methods=["GET", "POST"]),
    Route(PREFIX + "/{id:int}/retire", record_retire, methods=["GET", "POST"]),
]
