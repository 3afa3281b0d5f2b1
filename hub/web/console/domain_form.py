"""A domain's form, `/console/lao/{code}/{year}/domain/{n}`: generated from the catalogue of
that fiscal year (`hub.rules.catalogue_years.domain_for`: a field the year's form does not
ask is not offered), saved through the API's `save<Section>` mutation with the version of
the section the clerk loaded (`sectionVersion`: the form conflicts only with a change of this
domain, never with another recorder's save of another domain of the same LAO-year).

GET shows the section's values (`hub.web.console.fields`): editable inputs when the API says
the caller may edit the LAO-year now (`LaoYear.allowedActions` holds EDIT), values to read
otherwise. A value pulled from another DLA system is shown read-only with its source and the
time it was fetched.

POST saves the whole form at the version it was loaded with (a hidden input), with the values
it was loaded with beside it (`was.<field>`), and answers with what the API answered:

- `SectionSaved`: 303 back to the form (`?saved=1`): the notice and the new completeness;
- `ValidationFailed`: 400, the form as typed, each error in a summary at the top linking to
  its field and next to the field, in Thai and English; nothing was saved;
- `VersionConflict` (the other recorder saved this section since the form was loaded): the
  section is read again. When the other save did not touch this section, or set the same
  values as the clerk, nothing of theirs can be lost: the form is saved again at the new
  version. Otherwise 409: each field both changed, their value beside the clerk's, and two
  ways on — "keep mine" saves the clerk's values at the new version, "take theirs" saves
  theirs for those fields (and the clerk's other changes). Never a silent overwrite: a
  value the other recorder saved is replaced only after the clerk saw it and chose so.
- any other refusal (`Forbidden`, `InvalidState`, `FiscalYearClosed`, `NotFound`): the form
  with the API's message.

Without JavaScript this is a plain form post; with htmx the form's region is swapped in
place (`hx-select`), the 400/409 answers included (hub/web/static/console/console.js).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hub.rules.catalogue import DOMAIN_BY_NUMBER, Domain, Field
from hub.rules.catalogue_years import domain_for
from hub.rules.validation import api_name, camel
from hub.web.console import fields as F
from hub.web.console.page import Console, GraphQLFailed, view
from hub.web.console.paths import not_found, state_label, year_of_path

RETRIES = 3  # saves again after a conflict that touched nothing of this section

# What each domain asks, for the page's help (the fields themselves come from the catalogue).
ASKS = {
    1: (
        "ด้านนี้ถามถึงบริการสาธารณสุขในพื้นที่ อาสาสมัครสาธารณสุข การเก็บและกำจัดขยะ และการบำบัดน้ำเสีย",
        "This domain asks about health services in the area, health volunteers, waste "
        "collection and disposal, and wastewater treatment.",
    ),
    2: (
        "ด้านนี้ถามถึงศูนย์พัฒนาเด็กเล็ก โรงเรียน ครู นักเรียน ห้องสมุด และบริการอิเล็กทรอนิกส์ของ อปท.",
        "This domain asks about the LAO's child development centres, schools, teachers, "
        "students, libraries and e-services.",
    ),
    3: (
        "ด้านนี้ถามถึงยานพาหนะและอาสาสมัครป้องกันภัย หมู่บ้านเสี่ยงภัย สาธารณภัยในปีที่ผ่านมา และแผนป้องกันภัย",
        "This domain asks about fire, water and rescue vehicles, civil-defence volunteers, "
        "villages at risk, last year's incidents and the disaster plan.",
    ),
    4: (
        "ด้านนี้ถามถึงถนนแต่ละประเภท (กิโลเมตร) สะพาน ไฟฟ้าส่องสว่าง และครัวเรือนที่มีไฟฟ้าใช้",
        "This domain asks about roads by surface (km), bridges, street lights and households "
        "with electricity.",
    ),
    5: (
        "ด้านนี้ถามถึงแหล่งน้ำ พื้นที่ชลประทาน ครัวเรือนที่มีน้ำประปา และระบบประปาหมู่บ้านแต่ละแห่ง (ตัวชี้วัดที่ 16)",
        "This domain asks about water sources, irrigated area, households with tap water and "
        "each village water-supply system (KPI 16).",
    ),
    6: (
        "ด้านนี้ถามถึงสมาชิกสภาท้องถิ่น บุคลากร และเรื่องร้องเรียนที่ได้รับและดำเนินการแล้วเสร็จ",
        "This domain asks about council members, staff, and complaints received and resolved.",
    ),
    7: (
        "ด้านนี้ถามถึงประชากร ครัวเรือน ผู้ได้รับเบี้ยยังชีพ ศาสนสถาน และงานประเพณีวัฒนธรรม",
        "This domain asks about population, households, allowance recipients, places of "
        "worship and cultural events.",
    ),
    8: (
        "ด้านนี้ถามถึงตลาด ผลิตภัณฑ์ OTOP วิสาหกิจชุมชน นักท่องเที่ยว และแหล่งท่องเที่ยวแต่ละแห่ง",
        "This domain asks about markets, OTOP products, community enterprises, tourists and "
        "each tourist site.",
    ),
}

MUTATION_RESULT = """__typename
  ... on SectionSaved { version sectionVersion completeDomains }
  ... on MutationError { message messageTh }
  ... on ValidationFailed { errors { path code message messageTh } }
  ... on VersionConflict { currentVersion }"""


def _query(d: Domain) -> str:
    return f"""query DomainForm($code: String!, $year: Int!) {{
  lao(code: $code) {{ code nameTh type
    year(fiscalYear: $year) {{ fiscalYear state version allowedActions
      completeness {{ domain labelTh labelEn complete missingFields }}
      {F.section_key(d)} {{ {F.section_selection(d)} version }} }} }}
  fiscalYears {{ yearBe recordDeadline isOpen }} }}"""


def _mutation(d: Domain) -> str:
    return f"""mutation SaveDomain($code: String!, $year: Int!, $version: Int!,
  $data: {F.input_type(d)}!) {{
  result: {F.mutation_name(d)}(laoCode: $code, fiscalYear: $year, sectionVersion: $version,
    data: $data) {{ {MUTATION_RESULT} }} }}"""


WHO_SAVED = """query WhoSaved($code: String!) {
  lao(code: $code) { changeLog(first: 20) { edges { node { at entity action actorName changes } } } } }"""


def _domain(request: Request, year: int | None) -> Domain | None:
    """The domain as the fiscal year's form has it."""
    number = int(request.path_params["n"])
    if number not in DOMAIN_BY_NUMBER or year is None:
        return None
    return domain_for(number, year)


def _section_version(d: Domain, data: dict[str, Any]) -> int:
    """The version of the section as loaded (0: nobody has saved it yet)."""
    section = data["lao"]["year"][F.section_key(d)]
    return int(section["version"]) if section else 0


async def _load(console: Console, d: Domain, code: str, year: int) -> dict[str, Any] | None:
    data = await console.graphql(_query(d), {"code": code, "year": year})
    lao = data["lao"]
    if lao is None or lao["year"] is None:
        return None
    return dict(data)


def _values(d: Domain, section: dict[str, Any] | None) -> dict[str, Any]:
    section = section or {}
    return {api_name(f): section.get(api_name(f)) for f in F.fields_of(d)}


@view
async def domain_page(request: Request, console: Console) -> Response:
    code = request.path_params["code"]
    year = year_of_path(request)
    d = _domain(request, year)
    if d is None or year is None:
        return not_found(console)
    data = await _load(console, d, code, year)
    if data is None:
        return not_found(console)
    if request.method == "POST":
        return await _save(request, console, d, data)
    values = _values(d, data["lao"]["year"][F.section_key(d)])
    return _render(
        console,
        d,
        data,
        version=_section_version(d, data),
        shown={k: F.shown(_field(d, k), v) for k, v in values.items()},
        was=values,
        saved=request.query_params.get("saved") == "1",
    )


async def _save(request: Request, console: Console, d: Domain, data: dict[str, Any]) -> Response:
    form = await request.form()
    code, year = data["lao"]["code"], data["lao"]["year"]["fiscalYear"]
    fields = F.fields_of(d)
    typed = {api_name(f): str(form.get(api_name(f)) or "") for f in fields if not f.read_only}
    mine, unreadable = F.parse_form(fields, _strings(form))
    was, _ = F.parse_form(fields, _strings(form), prefix="was.")
    try:
        loaded = int(str(form.get("version")))
    except ValueError:
        loaded = -1  # the API answers VersionConflict with the current version
    version = loaded
    problems = [
        {"name": u.name, "code": u.code, "th": u.message_th, "en": u.message_en} for u in unreadable
    ]
    if problems:
        return _render(
            console, d, data, version=loaded, shown=typed, was=was, problems=problems, status=400
        )
    conflicting = [str(n) for n in form.getlist("conflict")]
    if form.get("resolve") == "theirs":
        for name in conflicting:  # `was` holds what they saved: the form was re-based on it
            if name in was:
                mine[name] = was[name]
    for _ in range(RETRIES):
        result = await _send(console, d, code, year, version, mine)
        kind = result["__typename"]
        if kind == "SectionSaved":
            target = request.url.path + "?saved=1"
            return RedirectResponse(target, status_code=303)
        if kind == "ValidationFailed":
            problems = [_api_problem(d, e) for e in result["errors"]]
            return _render(
                console,
                d,
                data,
                version=version,
                shown=typed,
                was=was,
                problems=problems,
                status=400,
            )
        if kind != "VersionConflict":
            refusal = {"th": result.get("messageTh", ""), "en": result.get("message", "")}
            status = 403 if kind == "Forbidden" else 409
            return _render(
                console,
                d,
                data,
                version=version,
                shown=typed,
                was=was,
                refusal=refusal,
                status=status,
            )
        # Someone saved this section meanwhile: what is in it now?
        fresh = await _load(console, d, code, year)
        if fresh is None:
            return not_found(console)
        theirs = _values(d, fresh["lao"]["year"][F.section_key(d)])
        conflicts = [
            name
            for name, value in theirs.items()
            if name in mine and not F.same(value, was.get(name)) and not F.same(value, mine[name])
        ]
        version = _section_version(d, fresh)
        if not conflicts:
            was = theirs
            continue  # nothing of theirs in this section differs from the clerk's: save again
        who = await _who_saved(console, d, code, conflicts)
        return _render(
            console,
            d,
            fresh,
            version=version,
            shown=typed,
            was=theirs,
            conflicts={n: theirs[n] for n in conflicts},
            mine=mine,
            who=who,
            status=409,
        )
    refusal = {
        "th": "มีการบันทึกข้อมูลพร้อมกันหลายครั้ง กรุณาบันทึกอีกครั้ง",
        "en": "The data kept changing while saving: please save again.",
    }
    return _render(
        console, d, data, version=version, shown=typed, was=was, refusal=refusal, status=409
    )


def _strings(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _send(
    console: Console, d: Domain, code: str, year: int, version: int, values: dict[str, Any]
) -> dict[str, Any]:
    result = await console.execute(
        _mutation(d), {"code": code, "year": year, "version": version, "data": values}
    )
    if result.errors:
        raise GraphQLFailed([{"message": str(e.message)} for e in result.errors])
    assert result.data is not None
    return dict(result.data["result"])


def _api_problem(d: Domain, error: dict[str, Any]) -> dict[str, str]:
    path = str(error["path"])
    prefix = F.section_key(d) + "."
    name = path[len(prefix) :] if path.startswith(prefix) else ""
    return {"name": name, "code": error["code"], "th": error["messageTh"], "en": error["message"]}


async def _who_saved(
    console: Console, d: Domain, code: str, conflicts: list[str]
) -> dict[str, Any] | None:
    """The newest save of this section touching a conflicting field, if the log is readable."""
    columns = {_field(d, n).column for n in conflicts}
    result = await console.execute(WHO_SAVED, {"code": code})
    lao = (result.data or {}).get("lao") or {}
    for edge in (lao.get("changeLog") or {}).get("edges", []):
        node = edge["node"]
        if node["entity"] == d.table_name and columns & set(node.get("changes") or {}):
            return {"name": node.get("actorName"), "at": node["at"]}
    return None


def _field(d: Domain, name: str) -> Field:
    for f in F.fields_of(d):
        if api_name(f) == name:
            return f
    raise KeyError(name)


def _render(
    console: Console,
    d: Domain,
    data: dict[str, Any],
    *,
    version: int,
    shown: dict[str, str],
    was: dict[str, Any],
    problems: list[dict[str, str]] | None = None,
    refusal: dict[str, str] | None = None,
    conflicts: dict[str, Any] | None = None,
    mine: dict[str, Any] | None = None,
    who: dict[str, Any] | None = None,
    saved: bool = False,
    status: int = 200,
) -> Response:
    lao = data["lao"]
    year = lao["year"]
    code, fiscal_year = lao["code"], year["fiscalYear"]
    lang = console.lang
    section = year[F.section_key(d)] or {}
    complete = next(c for c in year["completeness"] if c["domain"] == d.number)
    missing = set(complete["missingFields"])
    problems = problems or []
    conflicts = conflicts or {}
    by_field: dict[str, list[dict[str, str]]] = {}
    for p in problems:
        by_field.setdefault(p["name"], []).append(p)
    base = f"/console/lao/{quote(code)}/{fiscal_year}"
    rows = []
    for f in F.fields_of(d):
        name = api_name(f)
        table = F.none_flag_table(f)
        fetched = section.get(camel(f.fetched_at_column)) if f.fetched_at_column else None
        rows.append(
            {
                "name": name,
                "id": "f-" + name,
                "label": F.label(f, lang),
                "label_other": f.label_en if lang != "en" else f.label_th,
                "kind": "flag" if table else f.kind.value,
                "unit": F.unit(f, lang),
                "bounds": F.bounds(f, lang),
                "required": f.required and not table,
                "missing": name in missing,
                "value": shown.get(name, F.shown(f, section.get(name))),
                "readable": F.readable(f, section.get(name), lang),
                "was": F.shown(f, was.get(name)),
                "choices": [
                    (c.code, c.label_en if lang == "en" else c.label_th) for c in f.choices
                ],
                "errors": by_field.get(name, []),
                "read_only": f.read_only,
                "source": f.source,
                "fetched_at": console.moment(fetched) if fetched else None,
                "conflict": name in conflicts,
                "theirs": F.readable(f, conflicts.get(name), lang) if name in conflicts else None,
                "mine": F.readable(f, (mine or {}).get(name), lang) if name in conflicts else None,
                "table": (
                    {
                        "missing": camel(table) in missing,
                        "href": f"{base}/records/{table.replace('_', '-')}",
                    }
                    if table
                    else None
                ),
            }
        )
    record_tables = [
        {
            "label": t.label_en if lang == "en" else t.label_th,
            "href": f"{base}/records/{t.name.replace('_', '-')}",
            "missing": camel(t.name) in missing,
        }
        for t in d.record_tables
    ]
    fiscal = next((y for y in data["fiscalYears"] if y["yearBe"] == fiscal_year), None)
    editable = "EDIT" in year["allowedActions"]
    return console.render(
        "domain_form.html",
        status=status,
        d=d,
        domain_label=d.label_en if lang == "en" else d.label_th,
        lao=lao,
        year=year,
        fiscal=fiscal,
        base=base,
        action=f"{base}/domain/{d.number}",
        rows=rows,
        record_tables=record_tables,
        complete=complete["complete"],
        missing_labels=F.missing_labels(complete["missingFields"], lang),
        domains=year["completeness"],
        editable=editable,
        read_only_reason="" if editable else _why_read_only(console, year, fiscal),
        asks=ASKS[d.number],
        state_label=state_label(year["state"], lang),
        version=version,
        problems=problems,
        unplaced=[p for p in problems if p["name"] not in {r["name"] for r in rows}],
        refusal=refusal,
        conflicts=[r for r in rows if r["conflict"]],
        who=who,
        saved=saved,
    )


def _why_read_only(console: Console, year: dict[str, Any], fiscal: dict[str, Any] | None) -> str:
    """Why the form is not offered (the API decided it is not editable; this only explains)."""
    if fiscal is not None and not fiscal["isOpen"]:
        return console.tr(
            "ปีงบประมาณนี้ปิดแล้ว ข้อมูลเป็นแบบอ่านอย่างเดียว",
            "This fiscal year is closed: its data is read-only.",
        )
    if year["state"] != "DRAFT" and console.identity.staff_lao_ids():
        return console.tr(
            "ข้อมูลปีนี้รับรองแล้ว จะแก้ไขได้เมื่อผู้ตรวจสอบข้อมูลยกเลิกการรับรองระดับ อปท.",
            "This year's data is certified: it can be edited once the LAO's verifier cancels "
            "the LAO certification.",
        )
    return console.tr(
        "ท่านดูข้อมูลนี้ได้ การบันทึกและแก้ไขทำได้เฉพาะผู้บันทึกและผู้ตรวจสอบข้อมูลของ อปท.",
        "You can view this data; only the LAO's recorders and verifiers record and edit it.",
    )


routes = [
    Route(
        "/console/lao/{code}/{year:int}/domain/{n:int}",
        domain_page,
        methods=["GET", "POST"],
    ),
]
