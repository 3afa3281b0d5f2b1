"""The read audit in GraphQL: reads of personal data noted, recorded, and listed per LAO.

* `note_personal_read(info, place)`: a field guarded as personal data (`schema.permissions`)
  calls it when it lets the caller read: the field (`Lao.recorders`) and, for an object, the
  fields selected in it (`Lao.recorders.phone`) are noted against the LAO in the request's
  `HubContext.personal_reads`.
* `ReadAuditExtension` records what the request noted (`hub.services.read_audit.record`: one
  row per LAO, one INSERT) once the operation has run, with what the caller declared in the
  `X-Purpose` and `X-Calling-Officer` headers. It is part of the schema, so every way the
  resolvers run records: `/graphql`, the console's in-process operations, anything built on
  `schema.execute`. The planned read path (`schema.planner`) notes the same reads of the
  personal fields it answers (the guard's `schema.permissions.PlaceGuard`, the fields named
  by `audited_fields`) and records them with `record_noted_reads` once its plan has run;
  a personal field it does not compile goes to the resolvers, which record here. When one
  operation is answered by both (the planner's roots and the resolvers' part of the same
  document, `schema.plan_mixed`), the planner holds the resolvers' recording
  (`held_reads`) and records the whole request's reads once: one row per LAO, its fields
  those both parts read.
  If the log cannot be written, the answer is withdrawn: its data become null and the
  database's error is the operation's (503 with `Retry-After` when it is worth retrying).
* `Query.personalDataReads(laoCode:)`: the LAO's audit, newest first, for DLA and the LAO's INFO
  administrators (`hub.rules.permissions.can_read_personal_reads`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator
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
from schema.loaders import fetch_all, find_lao
from schema.pagination import Connection, build_connection, decode_cursor, page_size


def _skipped(directives: Any) -> bool:
    """`@skip(if: true)` or `@include(if: false)` (their arguments as strawberry converted
    them): the selection is not executed, so nothing in it is read."""
    directives = directives or {}
    skip, include = directives.get("skip"), directives.get("include")
    return bool(skip and skip.get("if")) or (include is not None and not include.get("if"))


def _selected(selections: Any, into: list[str]) -> None:
    for selection in selections:
        if _skipped(getattr(selection, "directives", None)):
            continue
        name = getattr(selection, "name", None)
        if name is None or not hasattr(selection, "arguments"):  # a fragment: its fields
            _selected(getattr(selection, "selections", ()), into)
        else:
            into.append(name)


def audited_fields(parent_type: str, field_name: str, selected: list[str]) -> list[str]:
    """What a read of the personal field `parent_type.field_name` records: the fields
    selected in it (`Lao.recorders.phone`), or the field itself for a leaf
    (`CertificationEvent.actorName`). `selected`: the names of the fields executed under it
    (fragments collected, `@skip`/`@include` applied), which the planner reads off its
    collected selection and the resolvers off strawberry's `selected_fields`."""
    prefix = f"{parent_type}.{field_name}"
    fields = [f"{prefix}.{name}" for name in selected if not name.startswith("__")]
    return fields or [prefix]


def note_personal_read(info: Info, place: LaoPlace) -> None:
    """Note that this field, guarded as personal data, is read for the LAO at `place`."""
    names: list[str] = []
    for selected in info.selected_fields:
        _selected(selected.selections, names)
    fields = audited_fields(info._raw_info.parent_type.name, info.field_name, names)
    info.context.personal_reads.note(place.lao_id, fields)


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


UNRECORDED = "The read could not be recorded."


async def record_noted_reads(context: Any, operation: str | None) -> None:
    """Record the reads of personal data the request has noted so far (once: they are
    taken), with what its headers declare; raises the database's error when the log cannot
    be written, and the caller must then withdraw the answer."""
    reads = getattr(context, "personal_reads", None)
    if not reads:
        return
    await read_audit.record(
        context.write_engine,
        context.identity,
        reads.take(),
        declared=declared_by(context.request),
        operation=operation,
        request_id=request_id_of(context),
    )


@contextlib.contextmanager
def held_reads(context: Any) -> Iterator[None]:
    """While inside, the resolvers' execution notes its reads but does not record them: the
    caller (the planner, answering the rest of the operation) records them with its own."""
    context.read_audit_held = True
    try:
        yield
    finally:
        context.read_audit_held = False


class ReadAuditExtension(SchemaExtension):
    """Records the operation's reads of personal data when it has run (module docstring)."""

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        execution = self.execution_context
        if getattr(execution.context, "read_audit_held", False):
            return  # recorded by whoever holds it, with the rest of the request's reads
        try:
            await record_noted_reads(execution.context, execution.operation_name)
        except Exception as exc:  # no entry, no answer: the database's error is the answer's
            result = execution.result
            if result is not None:
                result.data = None
                result.errors = [GraphQLError(UNRECORDED, original_error=exc)]


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


async def personal_data_reads_of(
    engine: Any, lao_code: str, first: int | None = None, after: str | None = None
) -> Connection[PersonalDataRead] | None:
    """`Query.personalDataReads`: the reads of the LAO of `lao_code` (None: no such LAO),
    once its guard (`schema.permissions.PersonalReadsAudit`) has let the caller through; the
    resolver and the planned path call it."""
    row = await find_lao(engine, lao_code)
    return await reads_of_lao(engine, row.id, first, after) if row is not None else None


async def reads_of_lao(
    engine: Any, lao_id: int, first: int | None, after: str | None
) -> Connection[PersonalDataRead]:
    """An LAO's reads, newest first, a page at a time (one COUNT, one page)."""
    size = page_size(first)
    after_key = decode_cursor(after)
    total = (await fetch_all(engine, select(func.count()).where(ReadRow.lao_id == lao_id)))[0][0]
    statement = select(*ReadRow.__table__.c).where(ReadRow.lao_id == lao_id)
    if after_key is not None:
        statement = statement.where(ReadRow.id < after_key)
    rows = await fetch_all(engine, statement.order_by(ReadRow.id.desc()).limit(size + 1))
    return build_connection(
        [(PersonalDataRead.from_row(r), r.id) for r in rows], size, total, after_key
    )
