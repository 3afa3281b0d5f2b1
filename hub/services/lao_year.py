"""Data entry and certification as transactions: check the rules, write, log — or change nothing.

Every public function here runs one transaction on the writer engine and returns a result or
raises a `hub.rules.problems.Problem`, which the transaction turns into a rollback: a refused or failed action leaves
no partial write. The rules themselves live in `hub.rules.certification` and `hub.rules.validation`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db import completeness
from hub.db.models import (
    RECORD_TABLES,
    SECTION_TABLES,
    CertificationEvent,
    FiscalYear,
    Lao,
    LaoYear,
    Village,
)
from hub.rules.catalogue import RECORD_TABLE_BY_NAME, Field, Kind, domain
from hub.rules.certification import TRANSITIONS, Action, YearStatus, decide, refused_outright
from hub.rules.enums import CertificationState
from hub.rules.identity import Identity
from hub.rules.permissions import LaoPlace
from hub.rules.problems import InvalidInput, NotFound, ReasonRequired, VersionConflict
from hub.rules.problems import Problem as Problem  # re-exported: refusals are problems
from hub.rules.validation import FieldError, api_name, camel, require, validate
from hub.services import audit


def not_found(what_en: str, what_th: str) -> NotFound:
    return NotFound(f"{what_en} was not found.", f"ไม่พบ{what_th}")


def validation_failed(errors: Sequence[FieldError]) -> InvalidInput:
    return InvalidInput(
        f"{len(errors)} field(s) are invalid: " + "; ".join(e.message_en for e in errors),
        f"ข้อมูลไม่ถูกต้อง {len(errors)} รายการ: " + "; ".join(e.message_th for e in errors),
        errors=errors,
    )


@dataclass(frozen=True)
class Target:
    """The LAO-year an action is about, read under the row lock."""

    lao_id: int
    place: LaoPlace
    subdistrict_id: int
    lao_year_id: int
    state: CertificationState
    version: int
    complete_mask: int
    year: YearStatus


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


async def _year_status(conn: AsyncConnection, fiscal_year: int) -> YearStatus:
    row = (
        await conn.execute(select(FiscalYear.closed_at).where(FiscalYear.year_be == fiscal_year))
    ).first()
    if row is None:
        raise not_found(f"Fiscal year {fiscal_year}", f"ปีงบประมาณ {fiscal_year}")
    return YearStatus(fiscal_year, closed=row.closed_at is not None)


async def target(conn: AsyncConnection, lao_code: str, fiscal_year: int) -> Target:
    lao = (
        await conn.execute(
            select(Lao.id, Lao.type, Lao.district_id, Lao.province_id, Lao.subdistrict_id).where(
                Lao.code == lao_code
            )
        )
    ).first()
    if lao is None:
        raise not_found(f"LAO {lao_code}", f" อปท. รหัส {lao_code}")
    year = await _year_status(conn, fiscal_year)
    statement = select(LaoYear.id, LaoYear.state, LaoYear.version, LaoYear.complete_domains).where(
        LaoYear.lao_id == lao.id, LaoYear.fiscal_year == fiscal_year
    )
    if conn.dialect.name == "postgresql":
        statement = statement.with_for_update()
    row = (await conn.execute(statement)).first()
    if row is None:
        raise not_found(
            f"Fiscal year {fiscal_year} of LAO {lao_code}",
            f"ข้อมูลปีงบประมาณ {fiscal_year} ของ อปท. รหัส {lao_code}",
        )
    return Target(
        lao_id=lao.id,
        place=LaoPlace(lao.id, lao.type, lao.district_id, lao.province_id),
        subdistrict_id=lao.subdistrict_id,
        lao_year_id=row.id,
        state=row.state,
        version=row.version,
        complete_mask=row.complete_domains,
        year=year,
    )


def _refuse_outright(action: Action, identity: Identity) -> None:
    """Refuse before any transaction when the caller could not do `action` to any LAO-year."""
    if refusal := refused_outright(action, identity):
        raise Problem.from_refusal(refusal)


def _check_version(t: Target, expected: int | None) -> None:
    if expected is not None and expected != t.version:
        raise VersionConflict(
            f"This data changed since you loaded it (you had version {expected}, it is now {t.version}): "
            "reload, re-apply your change and save again.",
            f"ข้อมูลถูกแก้ไขไปแล้วหลังจากที่ท่านเปิดดู (ฉบับที่ {expected} ปัจจุบันคือฉบับที่ {t.version}) "
            "กรุณาโหลดข้อมูลใหม่แล้วบันทึกอีกครั้ง",
            current_state=t.state,
            current_version=t.version,
        )


async def _bump(conn: AsyncConnection, t: Target, **values: Any) -> int:
    """Advance the LAO-year's version (and set `values`) if nobody else did first."""
    result = await conn.execute(
        update(LaoYear)
        .where(LaoYear.id == t.lao_year_id, LaoYear.version == t.version)
        .values(version=t.version + 1, updated_at=now(), **values)
    )
    if result.rowcount != 1:
        current = (
            await conn.execute(select(LaoYear.version).where(LaoYear.id == t.lao_year_id))
        ).scalar_one()
        raise VersionConflict(
            f"Someone else saved this LAO-year at the same moment (now version {current}): reload and retry.",
            f"มีผู้อื่นบันทึกข้อมูลนี้ในเวลาเดียวกัน (ฉบับที่ {current}) กรุณาโหลดใหม่แล้วลองอีกครั้ง",
            current_version=current,
        )
    return t.version + 1


async def _recompute(conn: AsyncConnection, lao_year_id: int) -> tuple[int, bool]:
    """The LAO-year's complete-domain mask and whether anything is recorded, from its rows."""
    data = (await completeness.load(conn, [lao_year_id]))[lao_year_id]
    return data.mask, data.anything_recorded


async def _completeness_changed(conn: AsyncConnection, t: Target, mask: int, recorded: bool) -> int:
    """Store the new completeness on the LAO-year (advancing its version) and in its history."""
    version = await _bump(conn, t, complete_domains=mask)
    await completeness.record_history(conn, t.lao_year_id, now(), mask, recorded)
    return version


async def _village_ids(
    conn: AsyncConnection,
    subdistrict_id: int,
    fields: Sequence[Field],
    values: dict[str, Any],
    prefix: str,
) -> list[FieldError]:
    """Village fields arrive as village numbers of the LAO's subdistrict; store their ids."""
    errors = []
    for f in fields:
        if f.kind is not Kind.VILLAGE or values.get(f.name) is None:
            continue
        number = values[f.name]
        village_id = (
            await conn.execute(
                select(Village.id).where(
                    Village.subdistrict_id == subdistrict_id, Village.number == number
                )
            )
        ).scalar_one_or_none()
        if village_id is None:
            errors.append(
                FieldError(
                    f"{prefix}.{api_name(f)}",
                    "NOT_A_CHOICE",
                    f"{f.label_en} ({f.label_th}): there is no village number {number} in the LAO's subdistrict",
                    f"{f.label_th}: ไม่มีหมู่ที่ {number} ในตำบลที่ตั้งของ อปท.",
                )
            )
        else:
            values[f.name] = village_id
    return errors


def _columns(fields: Sequence[Field], values: Mapping[str, Any]) -> dict[str, Any]:
    by_name = {f.name: f for f in fields}
    return {
        by_name[name].column if name in by_name else name: value for name, value in values.items()
    }


# --- domain sections -------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    lao_year_id: int
    version: int
    complete_mask: int


def _section_fields(d: Any) -> tuple[Field, ...]:
    flags = tuple(
        Field(
            t.none_flag, Kind.BOOL, f"ไม่มี{t.label_th}ในพื้นที่", f"No {t.label_en.lower()} in this area"
        )
        for t in d.record_tables
    )
    return tuple(d.fields) + flags


async def save_section(
    writer: AsyncEngine,
    identity: Identity,
    actor: audit.Actor,
    *,
    lao_code: str,
    fiscal_year: int,
    domain_number: int,
    values: Mapping[str, Any],
    expected_version: int,
) -> Saved:
    """Save some fields of one domain section (fields not given keep their values)."""
    d = domain(domain_number)
    fields = _section_fields(d)
    _refuse_outright(Action.EDIT, identity)
    cleaned, errors = validate(fields, values, prefix=camel(d.key))
    for records in d.record_tables:
        # A "none in this area" flag is a yes/no: null clears it (false), as for any field.
        if records.none_flag in cleaned and cleaned[records.none_flag] is None:
            cleaned[records.none_flag] = False
    async with writer.begin() as conn:
        t = await target(conn, lao_code, fiscal_year)
        if refusal := decide(Action.EDIT, identity, t.place, t.state, t.year):
            raise Problem.from_refusal(refusal, current_version=t.version)
        _check_version(t, expected_version)
        if errors:
            raise validation_failed(errors)
        table = SECTION_TABLES[d.number]
        row = (
            (await conn.execute(select(table).where(table.c.lao_year_id == t.lao_year_id)))
            .mappings()
            .first()
        )
        columns = _columns(fields, cleaned)
        before = {c: (row[c] if row else None) for c in columns}
        changes = {c: (before[c], v) for c, v in columns.items() if before[c] != v}
        stamp = {"updated_at": now(), "updated_by_user_id": actor.user_id}
        if row is None:
            await conn.execute(insert(table).values(lao_year_id=t.lao_year_id, **columns, **stamp))
        elif changes:
            await conn.execute(
                update(table).where(table.c.lao_year_id == t.lao_year_id).values(**columns, **stamp)
            )
        mask, recorded = await _recompute(conn, t.lao_year_id)
        version = await _completeness_changed(conn, t, mask, recorded)
        await audit.append(
            conn,
            actor,
            entity=table.name,
            entity_id=t.lao_year_id,
            action="save",
            changes=changes,
            lao_id=t.lao_id,
        )
        return Saved(t.lao_year_id, version, mask)


# --- record tables (water-supply systems, tourist sites) ------------------------------------


@dataclass(frozen=True)
class RecordSaved:
    record_id: int
    record_key: str
    record_version: int
    lao_year_version: int
    complete_mask: int


async def save_record(
    writer: AsyncEngine,
    identity: Identity,
    actor: audit.Actor,
    *,
    table_name: str,
    lao_code: str,
    fiscal_year: int,
    values: Mapping[str, Any],
    expected_lao_year_version: int,
    record_id: int | None = None,
    expected_record_version: int | None = None,
    retire_reason: str | None = None,
) -> RecordSaved:
    """Add a record (record_id None), update one, or retire one (retire_reason given)."""
    _refuse_outright(Action.EDIT, identity)
    spec = RECORD_TABLE_BY_NAME[table_name]
    prefix = camel(spec.type_name[0].lower() + spec.type_name[1:])
    cleaned, errors = validate(spec.fields, values, prefix=prefix)
    if record_id is None and retire_reason is None:
        errors += require(
            spec.fields,
            {**cleaned, **{k: v for k, v in values.items() if k not in cleaned}},
            prefix=prefix,
        )
    table = RECORD_TABLES[table_name]
    async with writer.begin() as conn:
        t = await target(conn, lao_code, fiscal_year)
        if refusal := decide(Action.EDIT, identity, t.place, t.state, t.year):
            raise Problem.from_refusal(refusal, current_version=t.version)
        _check_version(t, expected_lao_year_version)
        errors += await _village_ids(conn, t.subdistrict_id, spec.fields, cleaned, prefix)
        if errors:
            raise validation_failed(errors)
        columns = _columns(spec.fields, cleaned)
        stamp = {"updated_at": now(), "updated_by_user_id": actor.user_id}
        if record_id is None:
            key = str(uuid.uuid4())
            result = await conn.execute(
                insert(table).values(
                    lao_year_id=t.lao_year_id, record_key=key, version=1, **columns, **stamp
                )
            )
            new_id = result.inserted_primary_key[0]  # type: ignore[index]
            changes = {c: (None, v) for c, v in columns.items()}
            action, new_version = "add", 1
        else:
            row = (
                (
                    await conn.execute(
                        select(table).where(
                            table.c.id == record_id, table.c.lao_year_id == t.lao_year_id
                        )
                    )
                )
                .mappings()
                .first()
            )
            if row is None or row["retired_on"] is not None:
                raise not_found(
                    f"{spec.label_en} record {record_id}", f"{spec.label_th} รายการที่ {record_id}"
                )
            if expected_record_version is not None and expected_record_version != row["version"]:
                raise VersionConflict(
                    f"This record changed since you loaded it (version {expected_record_version}, now {row['version']}).",
                    f"รายการนี้ถูกแก้ไขไปแล้ว (ฉบับที่ {expected_record_version} ปัจจุบันคือ {row['version']})",
                    current_version=row["version"],
                )
            if retire_reason is not None:
                if not retire_reason.strip():
                    raise ReasonRequired("A reason is required to retire a record.", "ต้องระบุเหตุผล")
                columns = {"retired_on": now().date(), "retired_reason": retire_reason.strip()}
                action = "retire"
            else:
                action = "update"
            changes = {c: (row[c], v) for c, v in columns.items() if row[c] != v}
            result = await conn.execute(
                update(table)
                .where(table.c.id == record_id, table.c.version == row["version"])
                .values(version=row["version"] + 1, **columns, **stamp)
            )
            if result.rowcount != 1:
                raise VersionConflict(
                    "The record changed at the same moment.",
                    "รายการถูกแก้ไขพร้อมกัน",
                )
            new_id, key, new_version = record_id, row["record_key"], row["version"] + 1
        mask, recorded = await _recompute(conn, t.lao_year_id)
        version = await _completeness_changed(conn, t, mask, recorded)
        await audit.append(
            conn,
            actor,
            entity=table_name,
            entity_id=new_id,
            action=action,
            changes=changes,
            lao_id=t.lao_id,
            reason=retire_reason,
        )
        return RecordSaved(new_id, key, new_version, version, mask)


# --- certification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Transitioned:
    lao_year_id: int
    from_state: CertificationState
    state: CertificationState
    version: int
    at: dt.datetime


async def transition(
    writer: AsyncEngine,
    identity: Identity,
    actor: audit.Actor,
    action: Action,
    *,
    lao_code: str,
    fiscal_year: int,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Transitioned:
    """Certify or cancel, per the state table. Concurrent calls: exactly one transition wins."""
    _refuse_outright(action, identity)
    spec = TRANSITIONS[action]
    async with writer.begin() as conn:
        t = await target(conn, lao_code, fiscal_year)
        refusal = decide(action, identity, t.place, t.state, t.year, t.complete_mask, reason)
        if refusal is not None:
            missing = {}
            if refusal.kind == "INCOMPLETE":
                missing = await completeness.missing_for(conn, t.lao_year_id)
            raise Problem.from_refusal(refusal, current_version=t.version, missing=missing)
        _check_version(t, expected_version)
        at = now()
        extra: dict[str, Any] = {"state": spec.to_state}
        if action is Action.CERTIFY_LAO:
            received = (
                await conn.execute(
                    select(LaoYear.data_received_at).where(LaoYear.id == t.lao_year_id)
                )
            ).scalar_one()
            if received is None:
                extra["data_received_at"] = at
        version = await _bump(conn, t, **extra)
        await conn.execute(
            insert(CertificationEvent).values(
                lao_year_id=t.lao_year_id,
                at=at,
                from_state=t.state,
                to_state=spec.to_state,
                actor_user_id=actor.user_id,
                actor_role=actor.role,
                reason=reason.strip() if reason else None,
            )
        )
        await audit.append(
            conn,
            actor,
            entity="lao_years",
            entity_id=t.lao_year_id,
            action=action.value,
            changes={"state": (t.state.name, spec.to_state.name)},
            lao_id=t.lao_id,
            reason=reason,
            at=at,
        )
        return Transitioned(t.lao_year_id, t.state, spec.to_state, version, at)


@dataclass(frozen=True)
class BatchItem:
    lao_code: str
    fiscal_year: int
    expected_version: int | None = None


@dataclass
class BatchOutcome:
    item: BatchItem
    result: Transitioned | None = None
    problem: Problem | None = None


async def transition_batch(
    writer: AsyncEngine,
    identity: Identity,
    actor: audit.Actor,
    action: Action,
    items: Sequence[BatchItem],
    reason: str | None = None,
) -> list[BatchOutcome]:
    """One independent transaction per item: one refusal never undoes another item."""
    outcomes = []
    for item in items:
        try:
            result = await transition(
                writer,
                identity,
                actor,
                action,
                lao_code=item.lao_code,
                fiscal_year=item.fiscal_year,
                reason=reason,
                expected_version=item.expected_version,
            )
            outcomes.append(BatchOutcome(item, result=result))
        except Problem as problem:
            outcomes.append(BatchOutcome(item, problem=problem))
    return outcomes
