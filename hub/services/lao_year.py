"""The LAO-year a data-entry or certification action is about, read and changed under its lock.

Sections (`hub.services.sections`), records (`hub.services.records`) and certification
(`hub.services.certification`) all act on one LAO-year of one fiscal year. `acting_on`
reads it under a row lock (PostgreSQL; SQLite's writer holds the database lock from BEGIN),
asks the certification rules (`hub.rules.certification.decide`) whether the caller may act
on it now, and checks the version the caller saw. Every change advances the LAO-year's
version (`bump`: a stale or concurrent save is refused with the current version); a change
of its data also recomputes its completeness and appends it to the completeness history
(`data_changed`).

Two versions guard data entry (issue 14 §5):

* the **section's version** (`sectionVersion`, one per domain of the LAO-year, 0 before the
  section has a row): advanced by every change of that domain — its fields, its "none in
  this area" flags, its records. A save checked against it conflicts only with a change of
  the same section, so two recorders saving different domains of one LAO-year at once both
  succeed (the LAO-year's row lock orders them; neither is refused), while two saving the
  same section still conflict and the second is told the section's current version.
* the **LAO-year's version** (`version`): advanced by every change of anything in the
  LAO-year (any section, any record, its certification state). A save checked against it
  conflicts with any change made since — the stricter rule callers had before sections had
  versions, kept for them; certification is always checked against it.

A data-entry save gives either or both (`require_a_version`).

Every service function built on these runs one transaction on the writer engine and returns
a result or raises a `hub.rules.problems.Problem`, which the transaction turns into a
rollback: a refused or failed action leaves no partial write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db import completeness
from hub.db.models import SECTION_TABLES, FiscalYear, Lao, LaoYear
from hub.rules.catalogue import Field
from hub.rules.certification import Action, YearStatus, decide, refused_outright
from hub.rules.enums import CertificationState, Role
from hub.rules.identity import Identity
from hub.rules.permissions import LaoPlace
from hub.rules.problems import Incomplete, VersionConflict, invalid, not_found
from hub.services.audit import Actor, actor_of, now

# The roles that edit an LAO's data, in the order the change log prefers to name them.
EDITORS = (Role.LAO_RECORDER, Role.LAO_VERIFIER)


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


def refuse_outright(action: Action, identity: Identity) -> None:
    """Refuse before any transaction when the caller could not do `action` to any LAO-year."""
    if refusal := refused_outright(action, identity):
        raise refusal


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


async def acting_on(
    conn: AsyncConnection,
    identity: Identity,
    action: Action,
    *,
    lao_code: str,
    fiscal_year: int,
    expected_version: int | None,
    reason: str | None = None,
) -> Target:
    """The LAO-year, locked, once the rules allow `action` on it now and the caller saw its
    current version; otherwise the refusal, with the current version (and, for an
    incomplete LAO-year, what each domain lacks)."""
    t = await target(conn, lao_code, fiscal_year)
    refusal = decide(action, identity, t.place, t.state, t.year, t.complete_mask, reason)
    if refusal is not None:
        refusal.detailed(current_version=t.version)
        if isinstance(refusal, Incomplete):
            refusal.detailed(missing=await completeness.missing_for(conn, t.lao_year_id))
        raise refusal
    _check_version(t, expected_version)
    return t


def require_a_version(version: int | None, section_version: int | None) -> None:
    """A data-entry save names the version it was loaded at: the section's or the LAO-year's."""
    if version is None and section_version is None:
        raise invalid(
            "sectionVersion",
            "REQUIRED",
            "give the section's version you loaded (sectionVersion) or the LAO-year's (version)",
            "ต้องระบุฉบับของข้อมูลด้านที่โหลดมา (sectionVersion) หรือฉบับของข้อมูลรายปี (version)",
        )


async def editing(
    conn: AsyncConnection,
    identity: Identity,
    lao_code: str,
    fiscal_year: int,
    version: int | None,
) -> tuple[Target, Actor]:
    """The LAO-year whose data the caller may edit now (`acting_on`), and the caller as the
    change log names an editor; `version` is the LAO-year's version the caller saw (None:
    the caller checks the section's version instead, `check_section_version`)."""
    t = await acting_on(
        conn,
        identity,
        Action.EDIT,
        lao_code=lao_code,
        fiscal_year=fiscal_year,
        expected_version=version,
    )
    return t, actor_of(identity, EDITORS, t.place)


async def bump(conn: AsyncConnection, t: Target, **values: Any) -> int:
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


async def data_changed(conn: AsyncConnection, t: Target) -> tuple[int, int]:
    """After a change of the LAO-year's data: its completeness recomputed from its rows and
    stored on it (advancing its version) and in its history. Returns (version, mask)."""
    data = (await completeness.load(conn, [t.lao_year_id]))[t.lao_year_id]
    version = await bump(conn, t, complete_domains=data.mask)
    await completeness.record_history(conn, t.lao_year_id, now(), data.mask, data.anything_recorded)
    return version, data.mask


async def section_version(conn: AsyncConnection, lao_year_id: int, domain_number: int) -> int:
    """The section's current version (0: the section has no row yet). Read under the
    LAO-year's lock (`target`), so it stays current until the transaction ends."""
    table = SECTION_TABLES[domain_number]
    current = (
        await conn.execute(select(table.c.version).where(table.c.lao_year_id == lao_year_id))
    ).scalar_one_or_none()
    return 0 if current is None else int(current)


def check_section_version(
    t: Target, domain_number: int, current: int, expected: int | None
) -> None:
    """Refuse a save loaded at another version of this section than its current one."""
    if expected is not None and expected != current:
        raise VersionConflict(
            f"Domain {domain_number} of this LAO-year changed since you loaded it (you had "
            f"section version {expected}, it is now {current}): reload, re-apply your change "
            "and save again.",
            f"ข้อมูลด้านที่ {domain_number} ถูกแก้ไขไปแล้วหลังจากที่ท่านเปิดดู (ฉบับที่ {expected} "
            f"ปัจจุบันคือฉบับที่ {current}) กรุณาโหลดข้อมูลใหม่แล้วบันทึกอีกครั้ง",
            current_state=t.state,
            current_version=current,
        )


async def bump_section(
    conn: AsyncConnection, t: Target, domain_number: int, current: int, actor: Actor
) -> int:
    """Advance the section's version from `current` (creating its row, all values empty,
    when it has none: a record was the section's first change). Returns the new version."""
    table = SECTION_TABLES[domain_number]
    if current == 0:
        await conn.execute(
            insert(table).values(lao_year_id=t.lao_year_id, version=1, **stamp(actor))
        )
        return 1
    result = await conn.execute(
        update(table)
        .where(table.c.lao_year_id == t.lao_year_id, table.c.version == current)
        .values(version=current + 1)
    )
    if result.rowcount != 1:  # not under our lock: a writer that skipped `target`
        raise VersionConflict(current_state=t.state, current_version=current)
    return current + 1


def columns_of(fields: Sequence[Field], values: Mapping[str, Any]) -> dict[str, Any]:
    """Cleaned values by field name → by column (the rest keep their names: flags)."""
    by_name = {f.name: f for f in fields}
    return {
        by_name[name].column if name in by_name else name: value for name, value in values.items()
    }


def stamp(actor: Actor) -> dict[str, Any]:
    """Who changed a section or record row, and when."""
    return {"updated_at": now(), "updated_by_user_id": actor.user_id}
