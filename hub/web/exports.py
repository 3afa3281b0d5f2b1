"""Downloads: `GET /exports/reminders.csv` — a round's reminder list as a spreadsheet.

    /exports/reminders.csv?round=7&province=63[&district=6301][&stage=NOT_CERTIFIED&stage=…]

A thin face over `hub.services.rounds.reminders`, the service GraphQL's `Round.reminders`
reads: the caller is identified as for GraphQL (a bearer token, by the app's identity
resolver), the same permission and row filter apply (provincial and district offices and
DLA, for the LAOs they cover), and a refusal answers with the hub's JSON error body and its
mapped status (the request guard, `schema.errors`): 400 naming the parameter, 401 for a
rejected token, 403, 404. The file is UTF-8 with a byte-order mark (spreadsheets then read
Thai), one row per LAO ordered by province, district and LAO code, with its office phone and
its people's contacts (personal data: only officers covering the LAO get the file at all).
Those contacts are read as GraphQL's `Lao.recorders` and `Lao.infoAdministrators` are, so the
file is recorded in the read audit (`hub.services.read_audit`) under those fields, one row per
LAO whose people it holds, before it is sent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.db.rounds import Contact, ReminderRow
from hub.rules.enums import ContactKind, ReminderStage
from hub.rules.identity import Identity
from hub.rules.problems import invalid
from hub.services import read_audit, rounds
from schema.errors import request_id_of
from schema.read_audit import declared_by

IdentityResolver = Callable[[Request], Awaitable[Identity]]

COLUMNS = (
    "province_code",
    "province",
    "district_code",
    "district",
    "lao_code",
    "lao",
    "lao_type",
    "stage",
    "stage_th",
    "complete_domains",
    "deadline",
    "days_overdue",
    "office_phone",
    "recorder_1",
    "recorder_1_phone",
    "recorder_1_email",
    "recorder_2",
    "recorder_2_phone",
    "recorder_2_email",
    "info_administrators",
    "info_administrators_phone",
    "info_administrators_email",
)
_DIGITS = {"province": 2, "district": 4}  # DOPA codes
# The personal data the file holds, named as the GraphQL fields that hold it (the read audit).
_CONTACT_FIELDS = {
    f"Lao.{field}.{part}"
    for field in ("recorders", "infoAdministrators")
    for part in ("name", "phone", "email")
}


def _code(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    digits = _DIGITS[name]
    if not (value.isascii() and value.isdigit() and len(value) == digits):
        raise invalid(
            name,
            "NOT_A_CODE",
            f"a {name} code of {digits} digits, got {value[:20]!r}",
            f"ต้องเป็นรหัส {digits} หลัก",
        )
    return value


def _round_id(request: Request) -> int:
    value = request.query_params.get("round", "")
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise invalid(
            "round",
            "REQUIRED" if not value else "NOT_A_NUMBER",
            "the round's id (a number) is required, e.g. ?round=7",
            "ต้องระบุเลขที่รอบ เช่น ?round=7",
        )
    return int(value)


def _stages(request: Request) -> list[ReminderStage] | None:
    names = request.query_params.getlist("stage")
    if not names:
        return None
    unknown = [n for n in names if n not in ReminderStage.__members__]
    if unknown:
        raise invalid(
            "stage",
            "NOT_A_CHOICE",
            f"{unknown[0][:40]!r} is not one of {', '.join(ReminderStage.__members__)}",
            "ขั้นตอนที่ระบุไม่ถูกต้อง",
        )
    return [ReminderStage[n] for n in names]


def _people(contacts: list[Contact], kind: ContactKind) -> list[Contact]:
    return [c for c in contacts if c.kind is kind]


def _row(r: ReminderRow, contacts: list[Contact]) -> list[Any]:
    recorders = {c.slot: c for c in _people(contacts, ContactKind.RECORDER)}
    admins = _people(contacts, ContactKind.INFO_ADMINISTRATOR)
    row: list[Any] = [
        r.province_code,
        r.province_name_th,
        r.district_code,
        r.district_name_th,
        r.lao_code or "",
        r.lao_name_th,
        r.lao_type.label_th,
        r.stage.name,
        r.stage.label_th,
        r.complete_domains,
        r.done.deadline.isoformat(),
        "" if r.done.done or r.done.days_late is None else r.done.days_late,
        r.office_phone or "",
    ]
    for slot in (1, 2):
        person = recorders.get(slot)
        row += [person.name, person.phone or "", person.email or ""] if person else ["", "", ""]
    row += [
        "; ".join(c.name for c in admins),
        "; ".join(c.phone or "" for c in admins),
        "; ".join(c.email or "" for c in admins),
    ]
    return row


def reminders_csv(found: rounds.Reminders) -> bytes:
    """The reminder list as CSV text (UTF-8 with a byte-order mark)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    ordered = sorted(
        found.rows, key=lambda r: (r.province_code, r.district_code, r.lao_code or "", r.lao_id)
    )
    for r in ordered:
        writer.writerow(_row(r, found.contacts.get(r.lao_id, [])))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def routes(identify: IdentityResolver) -> list[Route]:
    async def reminders(request: Request) -> Response:
        try:
            identity = await identify(request)
        except HTTPException as exc:  # a rejected token: 401, as on /graphql
            body = {"errors": [{"message": exc.detail, "extensions": {"code": "UNAUTHENTICATED"}}]}
            return Response(
                orjson.dumps(body),
                status_code=exc.status_code,
                headers=exc.headers,
                media_type="application/json",
            )
        round_id = _round_id(request)
        province, district = _code(request, "province"), _code(request, "district")
        found = await rounds.reminders(
            request.app.state.engine,
            identity,
            round_id=round_id,
            province_code=province,
            district_code=district,
            stages=_stages(request),
            with_contacts=True,
        )
        await read_audit.record(
            request.app.state.writer,
            identity,
            {lao_id: _CONTACT_FIELDS for lao_id, people in found.contacts.items() if people},
            declared=declared_by(request),
            operation="GET /exports/reminders.csv",
            request_id=request_id_of({"request": request}),
        )
        name = "-".join(["reminders", f"round{round_id}", *filter(None, [province, district])])
        return Response(
            reminders_csv(found),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )

    return [Route("/exports/reminders.csv", reminders, methods=["GET"])]
