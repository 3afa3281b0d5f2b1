"""The read audit in GraphQL: reads of personal data noted, recorded, and listed per LAO.

* `note_personal_read(info, place)`: a field guarded as personal data (`schema.permissions`)
  calls it when it lets the caller read: the field (`Lao.recorders`) and, for an object, the
  fields selected in it (`Lao.recorders.phone`) are noted against the LAO in the request's
  `HubContext.personal_reads`.
* `ReadAuditExtension` records what the request noted (`hub.services.read_audit.record`: one
  row per LAO, one INSERT) once the operation has run, with what the caller declared in the
  `X-Purpose` and `X-Calling-Officer` headers. It is part of the schema, so every way the
  resolvers run records: `/graphql`, the console's in-process operations, anything built on
  `schema.execute`. The planned read path (`schema.planner`) answers no personal field: it
  declines any selection holding one and the resolvers answer it, so it records here too
  (`tests/test_read_audit.py` checks the planner declines every such field of the schema).
  If the log cannot be written, the answer is withdrawn: its data become null and the
  database's error is the operation's (503 with `Retry-After` when it is worth retrying).
* `Query.personalDataReads(laoCode:)`: the LAO's audit, newest first, for DLA and the LAO's INFO
  administrators (`hub.rules.permissions.can_read_personal_reads`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import strawberry
from graphql import GraphQLError
from sqlalchemy import func, select
from strawberry.extensions import SchemaExtension

from hub.db.models import PersonalDataRead as ReadRow
from hub.rules.permissions import LaoPlace
from hub.rules.read_audit import Declared, declared
from hub.services import read_audit
from schema.context import Info
from schema.enums import Role
from schema.errors import request_id_of
from schema.loaders import fetch_all
from schema.pagination import Connection, build_connection, decode_cursor, page_size


def _selected(selections: Any, prefix: str, into: list[str]) -> None:
    for selection in selections:
        name = getattr(selection, "name", None)
        if name is None or not hasattr(selection, "arguments"):  # a fragment: its fields
            _selected(getattr(selection, "selections", ()), prefix, into)
        elif not name.startswith("__"):
            into.append(f"{prefix}.{name}")


def note_personal_read(info: Info, place: LaoPlace) -> None:
    """Note that this field, guarded as personal data, is read for the LAO at `place`."""
    field_name = f"{info._raw_info.parent_type.name}.{info.field_name}"
    fields: list[str] = []
    for selected in info.selected_fields:
        _selected(selected.selections, field_name, fields)
    info.context.personal_reads.note(place.lao_id, fields or [field_name])


def _header_text(raw: bytes) -> str:
    """A header's value as text: HTTP carries bytes, and a Thai purpose comes as UTF-8."""
    return raw.decode("utf-8", "replace")


def declared_by(request: Any) -> Declared:
    """What the request's headers declare (`hub.rules.read_audit`); nothing outside HTTP."""
    scope = getattr(request, "scope", None)
    if not isinstance(scope, dict):
        return Declared()
    headers = {
        name.decode("latin-1").lower(): _header_text(value)
        for name, value in scope.get("headers", ())
    }
    return declared(headers)


class ReadAuditExtension(SchemaExtension):
    """Records the operation's reads of personal data when it has run (module docstring)."""

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        execution = self.execution_context
        context = execution.context
        reads = getattr(context, "personal_reads", None)
        if not reads:
            return
        taken = reads.take()
        try:
            await read_audit.record(
                context.write_engine,
                context.identity,
                taken,
                declared=declared_by(context.request),
                operation=execution.operation_name,
                request_id=request_id_of(context),
            )
        except Exception as exc:  # no entry, no answer: the database's error is the answer's
            result = execution.result
            if result is not None:
                result.data = None
                result.errors = [
                    GraphQLError("The read could not be recorded.", original_error=exc)
                ]


@strawberry.type(
    description="การเข้าถึงข้อมูลส่วนบุคคล — one request's read of an LAO's personal data "
    "(PDPA read audit; hash-chained, `hub audit verify --reads` checks the chain)."
)
class PersonalDataRead:
    at: dt.datetime = strawberry.field(description="วันเวลา — when.")
    reader: str | None = strawberry.field(
        description="ผู้เข้าถึง — who read: the username of a person or the id of an API client "
        "(an external provider's caller: its subject)."
    )
    reader_kind: str = strawberry.field(
        description="USER (a person) or CLIENT (an API client, e.g. a ministry's system)."
    )
    role: Role | None = strawberry.field(  # type: ignore[valid-type]
        description="บทบาท — the role the person held (null for a client)."
    )
    fields: list[str] = strawberry.field(
        description="ข้อมูลที่เข้าถึง — the fields read, as Type.field.subfield "
        "(e.g. `Lao.recorders.phone`)."
    )
    purpose: str | None = strawberry.field(
        description="วัตถุประสงค์ — the purpose the caller declared (header `X-Purpose`)."
    )
    calling_officer: str | None = strawberry.field(
        description="เจ้าหน้าที่ผู้ขอ — the officer the call was made for, as the caller declared "
        "it (header `X-Calling-Officer`)."
    )
    operation: str | None = strawberry.field(description="The GraphQL operation's name.")
    request_id: str | None = strawberry.field(description="The request's `X-Request-Id`.")
    hash: str = strawberry.field(description="SHA-256 of this entry, chained to the previous one.")

    @classmethod
    def from_row(cls, row: Any) -> PersonalDataRead:
        reader = row.reader
        if row.actor_subject is not None:
            reader = f"{row.actor_subject} ({row.actor_issuer})"
        return cls(
            at=row.at,
            reader=reader,
            reader_kind=row.reader_kind.upper(),
            role=row.actor_role.name if row.actor_role else None,
            fields=json.loads(row.fields),
            purpose=row.purpose,
            calling_officer=row.calling_officer,
            operation=row.operation,
            request_id=row.request_id,
            hash=row.hash,
        )


async def reads_of_lao(
    info: Info, lao_id: int, first: int | None, after: str | None
) -> Connection[PersonalDataRead]:
    """An LAO's reads, newest first, a page at a time (one COUNT, one page)."""
    size = page_size(first)
    after_key = decode_cursor(after)
    total = (
        await fetch_all(info.context.engine, select(func.count()).where(ReadRow.lao_id == lao_id))
    )[0][0]
    statement = select(*ReadRow.__table__.c).where(ReadRow.lao_id == lao_id)
    if after_key is not None:
        statement = statement.where(ReadRow.id < after_key)
    rows = await fetch_all(
        info.context.engine, statement.order_by(ReadRow.id.desc()).limit(size + 1)
    )
    return build_connection(
        [(PersonalDataRead.from_row(r), r.id) for r in rows], size, total, after_key
    )
