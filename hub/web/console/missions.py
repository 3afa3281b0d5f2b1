"""Transferred missions (INFO phase 2, seed 004): what each LAO received from which agency.

    /console/missions                          officers: their area's records, with filters;
                                               LAO staff: sent to their LAO's page
    /console/lao/{code}/missions               one LAO's records (its staff: record a mission)
    /console/lao/{code}/missions/new           GET, POST  record a mission from DLA's catalogue
    /console/lao/{code}/missions/{id}          GET, POST  a record: its data, history, update
    /console/lao/{code}/missions/{id}/cancel   POST       cancel it with a date and a reason

Everything is read and written through the API (`transferredMissions`, `Lao.transferredMissions`,
`missionCatalogue`, `recordTransferredMission`, `updateTransferredMission`,
`cancelTransferredMission`); who may change an LAO's records is the API's rule
(`Lao.missionsEditable`). Missions are not under certification: the LAO's staff keep them
all year. A record is never deleted: a cancelled one stays, with its date, reason and history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hub.rules import enums
from hub.rules.catalogue import Field, Kind
from hub.rules.record_files import text_value
from hub.rules.validation import FieldError, validate
from hub.web.console.page import Console, GraphQLFailed, view
from hub.web.console.records import _done, _positive, _problems, _status, inline

PAGE_SIZE = 50
STAFF_ROLES = {"LAO_RECORDER", "LAO_VERIFIER", "LAO_ADMIN"}

# What a mission record holds, as the form reads it (the API checks the rest).
FIELDS = (
    Field("received_on", Kind.DATE, "วันที่รับถ่ายโอน", "Received on"),
    Field(
        "budget_baht",
        Kind.DECIMAL,
        "งบประมาณที่ได้รับ",
        "Budget received",
        unit="baht",
        unit_th="บาท",
        required=False,
    ),
    Field(
        "staff_transferred",
        Kind.INT,
        "บุคลากรที่ถ่ายโอน",
        "Staff transferred",
        unit="people",
        unit_th="คน",
        required=False,
    ),
    Field(
        "assets", Kind.TEXT, "ทรัพย์สินที่ถ่ายโอน", "Assets transferred", required=False, max_length=2000
    ),
    Field("note", Kind.TEXT, "หมายเหตุ", "Note", required=False, max_length=2000),
)
API = {
    "received_on": "receivedOn",
    "budget_baht": "budgetBaht",
    "staff_transferred": "staffTransferred",
    "assets": "assets",
    "note": "note",
}

RECORD_FIELDS = """id receivedOn status budgetBaht staffTransferred assets note cancelledOn
  cancelReason version mission { code nameTh nameEn area } agency { code nameTh nameEn }"""

VIEWER_QUERY = """query { viewer { grants { role lao { code nameTh }
    district { code nameTh province { code nameTh } }
    province { code nameTh } } }
  agencies { code nameTh nameEn } }"""

AREA_QUERY = f"""query($filter: TransferredMissionFilter!, $first: Int!, $after: String,
                     $province: String!, $dla: Boolean!) {{
  provinces @include(if: $dla) {{ code nameTh }}
  province(code: $province) {{ districts {{ code nameTh }} }}
  missions: transferredMissions(filter: $filter, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{ {RECORD_FIELDS} lao {{ code nameTh district {{ nameTh }} }} }} }} }} }}"""

LAO_QUERY = f"""query($code: String!) {{
  lao(code: $code) {{ code nameTh missionsEditable district {{ nameTh }} province {{ nameTh }}
    transferredMissions {{ {RECORD_FIELDS} history {{ at status detail actorRole }} }} }} }}"""

CATALOGUE_QUERY = """query { missionCatalogue(first: 1000) { edges { node { code nameTh nameEn area retiredOn
  agency { nameTh nameEn } } } } }"""

RESULT = """__typename
  ... on MutationError { message messageTh }
  ... on ValidationFailed { errors { path code message messageTh } }
  ... on VersionConflict { currentVersion }
  ... on MissionRecordSaved { id version status }"""

RECORD = f"""mutation($code: String!, $mission: String!, $data: MissionRecordInput!) {{
  result: recordTransferredMission(laoCode: $code, missionCode: $mission, data: $data) {{ {RESULT} }} }}"""
UPDATE = f"""mutation($id: Int!, $version: Int!, $data: MissionRecordInput!) {{
  result: updateTransferredMission(id: $id, version: $version, data: $data) {{ {RESULT} }} }}"""
CANCEL = f"""mutation($id: Int!, $version: Int!, $reason: String!, $on: Date) {{
  result: cancelTransferredMission(id: $id, version: $version, reason: $reason, cancelledOn: $on) {{ {RESULT} }} }}"""


def _labelled(enum_type: type[enums.Labelled], name: str | None, console: Console) -> str:
    if not name:
        return "–"
    member = enum_type[name]
    return console.tr(member.label_th, member.label_en)


def _helpers(console: Console) -> dict[str, Any]:
    return {
        "area_label": lambda name: _labelled(enums.MissionArea, name, console),
        "status_label": lambda name: _labelled(enums.MissionStatus, name, console),
        "role_label": lambda name: _labelled(enums.Role, name, console),
        "areas": [(a.name, console.tr(a.label_th, a.label_en)) for a in enums.MissionArea],
        "statuses": [(s.name, console.tr(s.label_th, s.label_en)) for s in enums.MissionStatus],
    }


async def _mission_mutate(console: Console, mutation: str, **variables: Any) -> dict[str, Any]:
    result = await console.execute(mutation, variables)
    if result.errors:
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


# --- the area list -----------------------------------------------------------------------------


@view
async def missions_home(request: Request, console: Console) -> Response:
    """Officers: the records of their area (a province officer's province, a district
    officer's district, DLA: any), filtered; LAO staff: their own LAO's page."""
    q = request.query_params
    roles = {r.name for r in console.identity.roles()}
    viewer = await console.graphql(VIEWER_QUERY)
    grants = viewer["viewer"]["grants"]
    if not roles & {"DISTRICT_OFFICER", "PROVINCE_OFFICER", "DLA_ADMIN"}:
        lao = next((g["lao"] for g in grants if g["role"] in STAFF_ROLES and g["lao"]), None)
        if lao is not None:
            return RedirectResponse(f"/console/lao/{quote(lao['code'])}/missions", status_code=303)
        return _missing(console, "")
    is_dla = "DLA_ADMIN" in roles
    province_fixed = district_fixed = None
    for g in grants:
        if g["role"] == "PROVINCE_OFFICER" and g["province"] and province_fixed is None:
            province_fixed = g["province"]
        elif g["role"] == "DISTRICT_OFFICER" and g["district"] and district_fixed is None:
            district_fixed = g["district"]
    if is_dla:
        province_fixed = district_fixed = None
        province = (q.get("province") or "").strip() or None
    elif province_fixed is not None:
        province = province_fixed["code"]
        district_fixed = None
    else:
        assert district_fixed is not None
        province_fixed = district_fixed["province"]
        province = province_fixed["code"]
    district = (
        district_fixed["code"] if district_fixed else (q.get("district") or "").strip() or None
    )
    area_filter: dict[str, Any] = {}
    if province:
        area_filter["provinceCode"] = province
    if district:
        area_filter["districtCode"] = district
    for key, name in (("lao", "laoCode"), ("agency", "agencyCode")):
        if (q.get(key) or "").strip():
            area_filter[name] = q[key].strip()
    if q.get("status") in enums.MissionStatus.__members__:
        area_filter["status"] = q["status"]
    if q.get("area") in enums.MissionArea.__members__:
        area_filter["area"] = q["area"]
    after = q.get("after") or None
    start = _positive(q.get("from"), 1)
    data = await console.graphql(
        AREA_QUERY,
        {
            "filter": area_filter,
            "first": PAGE_SIZE,
            "after": after,
            "province": province or "",
            "dla": is_dla,
        },
    )
    districts = list((data.get("province") or {}).get("districts") or [])
    if district_fixed:
        districts = [district_fixed]
    missions = data["missions"] or {"totalCount": 0, "edges": [], "pageInfo": {}}
    rows = [e["node"] for e in missions["edges"]]
    kept = {k: v for k, v in q.items() if k not in ("after", "from") and v}
    next_link = None
    if missions["pageInfo"].get("hasNextPage"):
        next_link = "/console/missions?" + urlencode(
            {**kept, "after": missions["pageInfo"]["endCursor"], "from": start + len(rows)}
        )
    return console.render(
        "missions_area.html",
        rows=rows,
        total=missions["totalCount"],
        start=start,
        next_link=next_link,
        first_link=("/console/missions?" + urlencode(kept)) if after else None,
        chosen={
            "province": province or "",
            "district": district or "",
            "lao": q.get("lao", ""),
            "agency": q.get("agency", ""),
            "status": q.get("status", ""),
            "area": q.get("area", ""),
        },
        province_fixed=province_fixed,
        district_fixed=district_fixed,
        provinces=data.get("provinces") or [],
        districts=districts,
        agencies=viewer["agencies"],
        **_helpers(console),
    )


# --- one LAO -----------------------------------------------------------------------------------


async def _lao(console: Console, code: str) -> dict[str, Any] | None:
    data = await console.graphql(LAO_QUERY, {"code": code})
    lao = data.get("lao")
    return dict(lao) if lao else None


def _missing(console: Console, code: str) -> Response:
    return console.render("missions_missing.html", status=404, code=code)


@view
async def lao_missions(request: Request, console: Console) -> Response:
    code = request.path_params["code"]
    lao = await _lao(console, code)
    if lao is None:
        return _missing(console, code)
    records = lao["transferredMissions"] or []
    status = request.query_params.get("status")
    if status in enums.MissionStatus.__members__:
        records = [r for r in records if r["status"] == status]
    records.sort(key=lambda r: (r["status"] == "CANCELLED", r["mission"]["code"]))
    q = request.query_params
    notice = None
    if "recorded" in q:
        notice = console.tr("บันทึกภารกิจแล้ว", "The mission was recorded.")
    elif "cancelled" in q:
        notice = console.tr(
            "ยกเลิกภารกิจแล้ว (รายการยังเก็บไว้พร้อมประวัติ)",
            "The mission was cancelled (the record stays, with its history).",
        )
    return console.render(
        "missions_lao.html",
        lao=lao,
        records=records,
        status_filter=status if status in enums.MissionStatus.__members__ else "",
        notice=notice,
        **_helpers(console),
    )


def _read(form: Any) -> tuple[dict[str, str], dict[str, Any], list[FieldError]]:
    """(the text as typed, the API's input, errors) of a mission form."""
    typed = {API[f.name]: str(form.get(API[f.name]) or "") for f in FIELDS}
    raw = {f.name: text_value(f, typed[API[f.name]]) for f in FIELDS}
    cleaned, errors = validate(FIELDS, raw, prefix="mission")
    data = {}
    for f in FIELDS:
        value = cleaned.get(f.name)
        data[API[f.name]] = value.isoformat() if isinstance(value, dt.date) else value
    return typed, data, errors


def _date_text(console: Console, value: str | None) -> str:
    if not value:
        return ""
    day = dt.date.fromisoformat(value)
    return f"{day.day}/{day.month}/{day.year + (543 if console.lang == 'th' else 0)}"


def _typed_of(console: Console, record: dict[str, Any]) -> dict[str, str]:
    typed = {}
    for f in FIELDS:
        value = record.get(API[f.name])
        if f.kind is Kind.DATE:
            typed[API[f.name]] = _date_text(console, value)
        elif value is None:
            typed[API[f.name]] = ""
        elif isinstance(value, float) and value.is_integer():
            typed[API[f.name]] = f"{value:.0f}"
        else:
            typed[API[f.name]] = str(value)
    return typed


def _form(
    console: Console, typed: dict[str, str], errors: list[FieldError]
) -> list[dict[str, Any]]:
    out = []
    for f in FIELDS:
        key = API[f.name]
        out.append(
            {
                "key": key,
                "label": console.tr(f.label_th, f.label_en),
                "unit": console.tr(f.unit_th or "", f.unit or "") or None,
                "required": f.required,
                "kind": {Kind.DATE: "date", Kind.INT: "whole", Kind.DECIMAL: "decimal"}.get(
                    f.kind, "text"
                ),
                "multiline": f.kind is Kind.TEXT,
                "hint": console.tr("วัน/เดือน/ปี พ.ศ. เช่น 1/10/2562", "Day/month/year, e.g. 1/10/2019")
                if f.kind is Kind.DATE
                else "",
                "value": typed.get(key, ""),
                "errors": [
                    inline(e, f.label_th, f.label_en)
                    for e in errors
                    if e.path.rsplit(".", 1)[-1] == key
                ],
            }
        )
    return out


@view
async def mission_new(request: Request, console: Console) -> Response:
    code = request.path_params["code"]
    lao = await _lao(console, code)
    if lao is None:
        return _missing(console, code)
    catalogue = await console.graphql(CATALOGUE_QUERY)
    held = {r["mission"]["code"] for r in lao["transferredMissions"] or []}
    choices = [
        e["node"]
        for e in catalogue["missionCatalogue"]["edges"]
        if not e["node"]["retiredOn"] and e["node"]["code"] not in held
    ]
    values = {"lao": lao, **_helpers(console)}
    if request.method == "GET":
        return console.render(
            "mission_new.html",
            fields=_form(console, {}, []),
            errors=[],
            refusal=None,
            chosen="",
            choices=choices,
            **values,
        )
    form = await request.form()
    typed, data, errors = _read(form)
    chosen = str(form.get("mission") or "")
    if not chosen:
        errors.insert(
            0,
            FieldError(
                "mission.mission",
                "REQUIRED",
                "Mission: choose one from DLA's catalogue",
                "ภารกิจ: กรุณาเลือกภารกิจจากบัญชีของ สถ.",
            ),
        )
    if not data.get("receivedOn") and not any(e.path.endswith("receivedOn") for e in errors):
        errors.append(
            FieldError(
                "mission.receivedOn", "REQUIRED", "Received on: required", "วันที่รับถ่ายโอน: ต้องระบุ"
            )
        )
    refusal = None
    if not errors:
        result = await _mission_mutate(console, RECORD, code=code, mission=chosen, data=data)
        if result["__typename"] == "MissionRecordSaved":
            return _done(
                request, console, f"/console/lao/{quote(code)}/missions/{result['id']}?recorded=1"
            )
        errors = _problems(result)
        refusal = None if errors else result
    return console.render(
        "mission_new.html",
        status=_status(request),
        fields=_form(console, typed, errors),
        errors=errors,
        refusal=refusal,
        chosen=chosen,
        choices=choices,
        **values,
    )


@view
async def mission_record(request: Request, console: Console) -> Response:
    code = request.path_params["code"]
    record_id = int(request.path_params["id"])
    lao = await _lao(console, code)
    record = next(
        (r for r in (lao or {}).get("transferredMissions") or [] if r["id"] == record_id), None
    )
    if lao is None or record is None:
        return _missing(console, code)
    typed = _typed_of(console, record)
    errors: list[FieldError] = []
    refusal = conflict = None
    status = 200
    if request.method == "POST":
        form = await request.form()
        typed, data, errors = _read(form)
        version = _positive(str(form.get("version") or ""), record["version"])
        if not errors:
            if version != record["version"]:
                conflict = _differences(console, _typed_of(console, record), typed)
            else:
                result = await _mission_mutate(
                    console, UPDATE, id=record_id, version=version, data=data
                )
                if result["__typename"] == "MissionRecordSaved":
                    return _done(
                        request, console, f"/console/lao/{quote(code)}/missions/{record_id}?saved=1"
                    )
                if result["__typename"] == "VersionConflict":
                    fresh = await _lao(console, code)
                    record = (
                        next(r for r in fresh["transferredMissions"] if r["id"] == record_id)
                        if fresh
                        else record
                    )
                    conflict = _differences(console, _typed_of(console, record), typed)
                else:
                    errors = _problems(result)
                    refusal = None if errors else result
        status = 409 if conflict is not None else _status(request)
        if conflict is not None and request.headers.get("hx-request") == "true":
            status = 200
    saved = "saved" in request.query_params
    recorded = "recorded" in request.query_params
    return console.render(
        "mission.html",
        status=status,
        lao=lao,
        record=record,
        fields=_form(console, typed, errors),
        errors=errors,
        cancel_errors=[],
        refusal=refusal,
        conflict=conflict,
        cancel_reason="",
        cancel_on=_date_text(console, console.now.date().isoformat()),
        notice=console.tr("บันทึกการแก้ไขแล้ว", "Your changes were saved.")
        if saved
        else console.tr("บันทึกภารกิจแล้ว", "The mission was recorded.")
        if recorded
        else None,
        date_text=lambda v: console.date(v) if v else "–",
        **_helpers(console),
    )


def _differences(
    console: Console, theirs: dict[str, str], mine: dict[str, str]
) -> list[dict[str, str]]:
    return [
        {
            "label": console.tr(f.label_th, f.label_en),
            "theirs": theirs.get(API[f.name], ""),
            "mine": mine.get(API[f.name], ""),
        }
        for f in FIELDS
        if text_value(f, theirs.get(API[f.name])) != text_value(f, mine.get(API[f.name]))
    ]


@view
async def mission_cancel(request: Request, console: Console) -> Response:
    code = request.path_params["code"]
    record_id = int(request.path_params["id"])
    lao = await _lao(console, code)
    record = next(
        (r for r in (lao or {}).get("transferredMissions") or [] if r["id"] == record_id), None
    )
    if lao is None or record is None:
        return _missing(console, code)
    form = await request.form()
    reason = str(form.get("reason") or "").strip()
    on_text = str(form.get("cancelledOn") or "")
    version = _positive(str(form.get("version") or ""), record["version"])
    errors: list[FieldError] = []
    on_field = Field("cancelled_on", Kind.DATE, "วันที่ยกเลิก", "Cancelled on")
    on_value = text_value(on_field, on_text)
    cleaned, found = validate((on_field,), {"cancelled_on": on_value}, prefix="mission")
    errors += [FieldError("mission.cancelledOn", e.code, e.message_en, e.message_th) for e in found]
    if not reason:
        errors.append(
            FieldError(
                "mission.reason",
                "REQUIRED",
                "Reason: required to cancel a mission",
                "เหตุผล: ต้องระบุเหตุผลการยกเลิก",
            )
        )
    if version != record["version"]:
        errors.append(
            FieldError(
                "mission.version",
                "VERSION_CONFLICT",
                "Someone changed this record after you opened it: check it again before cancelling it.",
                "มีผู้แก้ไขรายการนี้หลังจากที่ท่านเปิดดู กรุณาตรวจสอบอีกครั้งก่อนยกเลิก",
            )
        )
    refusal = None
    if not errors:
        on = cleaned.get("cancelled_on")
        result = await _mission_mutate(
            console,
            CANCEL,
            id=record_id,
            version=version,
            reason=reason,
            on=on.isoformat() if on else None,
        )
        if result["__typename"] == "MissionRecordSaved":
            return _done(
                request, console, f"/console/lao/{quote(code)}/missions?cancelled={record_id}"
            )
        if result["__typename"] == "ReasonRequired":
            errors = [
                FieldError("mission.reason", "REQUIRED", result["message"], result["messageTh"])
            ]
        else:
            errors = _problems(result)
            refusal = None if errors else result
    return console.render(
        "mission.html",
        status=_status(request),
        lao=lao,
        record=record,
        fields=_form(console, _typed_of(console, record), []),
        errors=[],
        cancel_errors=errors,
        refusal=refusal,
        conflict=None,
        cancel_reason=reason,
        cancel_on=on_text,
        notice=None,
        date_text=lambda v: console.date(v) if v else "–",
        **_helpers(console),
    )


routes = [
    Route("/console/missions", missions_home),
    Route("/console/lao/{code}/missions", lao_missions),
    Route("/console/lao/{code}/missions/new", mission_new, methods=["GET", "POST"]),
    Route("/console/lao/{code}/missions/{id:int}", mission_record, methods=["GET", "POST"]),
    Route("/console/lao/{code}/missions/{id:int}/cancel", mission_cancel, methods=["POST"]),
]
