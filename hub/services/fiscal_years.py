"""Opening and closing fiscal years (DLA administrators only).

Opening a year creates a DRAFT LAO-year for every LAO; with `copy_previous`, each starts from
its previous year's data (sections and current records), so clerks update rather than retype
(the letters ask LAOs to "บันทึกปรับปรุง" each year). Opening leaves every other year as it
was: a round still running in an earlier open year goes on (LAOs record and certify in every
open year; `hub.rules.certification`). Closing makes the year read-only for all, for good: a year
is opened once and closed once (`hub.rules.fiscal_years`), and a closed year is never
reopened, so what was certified in it stays as certified. The year's INFO round
(`hub.services.rounds`) is opened with it, holding its deadlines, and closed with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, cast, insert, literal, null, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db import completeness, kpi16_counts, lpa_tallies
from hub.db.engine import analyze
from hub.db.models import (
    RECORD_TABLES,
    SECTION_TABLES,
    CompletenessChange,
    FiscalYear,
    Lao,
    LaoYear,
)
from hub.rules.catalogue import domain
from hub.rules.enums import CertificationState, Role
from hub.rules.fiscal_years import (
    closing_refusal,
    opening_input_problem,
    opening_refusal,
    year_bounds,
)
from hub.rules.identity import Identity
from hub.rules.problems import Forbidden
from hub.services import audit, rounds
from hub.services.audit import now

ADMINISTRATORS = (Role.DLA_ADMIN,)


def _forbidden() -> Forbidden:
    return Forbidden(
        "Only DLA administrators open and close fiscal years.",
        "เฉพาะผู้ดูแลระบบของกรมส่งเสริมการปกครองท้องถิ่นเท่านั้นที่เปิดหรือปิดปีงบประมาณได้",
    )


def _empty(column: Column[Any], name: str) -> Any:
    """What a copied section row starts with in place of `column`: version 1, else null."""
    if name == "version":
        return literal(1).label(name)
    return cast(null(), column.type).label(name)


async def _logged(
    conn: AsyncConnection,
    identity: Identity,
    year_be: int,
    action: str,
    changes: dict[str, tuple[Any, Any]],
    reason: str | None = None,
) -> None:
    """The change log's entry for opening or closing the year, by the DLA administrator."""
    await audit.append(
        conn,
        audit.actor_of(identity, ADMINISTRATORS),
        entity="fiscal_years",
        entity_id=year_be,
        action=action,
        changes=changes,
        reason=reason,
    )


@dataclass(frozen=True)
class Opened:
    year_be: int
    lao_years: int
    copied_from: int | None


async def open_year(
    writer: AsyncEngine,
    identity: Identity,
    *,
    year_be: int,
    record_deadline: dt.date,
    province_deadline: dt.date | None = None,
    copy_previous: bool = False,
) -> Opened:
    if not identity.is_dla_admin:
        raise _forbidden()
    if problem := opening_input_problem(year_be, record_deadline, province_deadline):
        raise problem
    starts_on, ends_on = year_bounds(year_be)
    async with writer.begin() as conn:
        known = (
            await conn.execute(select(FiscalYear.closed_at).where(FiscalYear.year_be == year_be))
        ).first()
        if refusal := opening_refusal(year_be, known[0] if known else None, known is not None):
            raise refusal
        previous = (
            await conn.execute(
                select(FiscalYear.year_be)
                .where(FiscalYear.year_be < year_be)
                .order_by(FiscalYear.year_be.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        stamp = now()
        await conn.execute(
            insert(FiscalYear).values(
                year_be=year_be,
                starts_on=starts_on,
                ends_on=ends_on,
                record_deadline=record_deadline,
                province_deadline=province_deadline,
                opened_at=stamp,
            )
        )
        await rounds.add_info_round(conn, year_be, stamp, record_deadline, province_deadline)
        # One DRAFT per LAO, in one INSERT … SELECT.
        await conn.execute(
            insert(LaoYear).from_select(
                [
                    "lao_id",
                    "fiscal_year",
                    "state",
                    "version",
                    "complete_domains",
                    "created_at",
                    "updated_at",
                ],
                select(
                    Lao.id,
                    literal(year_be),
                    literal(CertificationState.DRAFT.name),
                    literal(1),
                    literal(0),
                    literal(stamp),
                    literal(stamp),
                ),
            )
        )
        copied_from = None
        if copy_previous and previous is not None:
            copied_from = previous
            new, old = LaoYear.__table__.alias("new"), LaoYear.__table__.alias("old")
            pairs = (
                select(new.c.id.label("new_id"), old.c.id.label("old_id"))
                .join(old, (old.c.lao_id == new.c.lao_id) & (old.c.fiscal_year == previous))
                .where(new.c.fiscal_year == year_be)
                .subquery()
            )
            for number, table in SECTION_TABLES.items():
                # Only what the new year's form asks is carried over (a field it retired
                # starts empty, not with a value the year does not ask); each section starts
                # the year at version 1.
                dropped = {f.column for f in domain(number).fields if not f.in_year(year_be)} | {
                    "version"
                }
                columns = [c.name for c in table.c if c.name != "lao_year_id"]
                await conn.execute(
                    insert(table).from_select(
                        ["lao_year_id", *columns],
                        select(
                            pairs.c.new_id,
                            *[
                                table.c[c] if c not in dropped else _empty(table.c[c], c)
                                for c in columns
                            ],
                        ).join(table, table.c.lao_year_id == pairs.c.old_id),
                    )
                )
            for table in RECORD_TABLES.values():
                columns = [c.name for c in table.c if c.name not in ("id", "lao_year_id")]
                await conn.execute(
                    insert(table).from_select(
                        ["lao_year_id", *columns],
                        select(pairs.c.new_id, *[table.c[c] for c in columns])
                        .join(table, table.c.lao_year_id == pairs.c.old_id)
                        .where(table.c.retired_on.is_(None)),
                    )
                )
        ids = list(
            (await conn.execute(select(LaoYear.id).where(LaoYear.fiscal_year == year_be))).scalars()
        )
        if copied_from is not None:
            masks = await completeness.recompute(conn, ids)
            for mask in set(masks.values()):
                chosen = [i for i, m in masks.items() if m == mask]
                for start in range(0, len(chosen), 5000):
                    await conn.execute(
                        update(LaoYear)
                        .where(LaoYear.id.in_(chosen[start : start + 5000]))
                        .values(complete_domains=mask)
                    )
            await completeness.record_history_of(conn, LaoYear.fiscal_year == year_be, stamp)
            # Copied in bulk: the year's records are matched to its KPI-16 rounds, and its
            # completeness counted in the LPA tallies, at once.
            await kpi16_counts.rebuild_year(conn, year_be)
            await lpa_tallies.rebuild(conn, [year_be])
        filled: list[Table | str] = [LaoYear.__tablename__]
        if copied_from is not None:
            tables = [*SECTION_TABLES.values(), *RECORD_TABLES.values()]
            filled += [*tables, CompletenessChange.__tablename__]
        await analyze(conn, filled)
        changes = {
            "record_deadline": (None, record_deadline),
            "province_deadline": (None, province_deadline),
            "copied_from": (None, copied_from),
        }
        await _logged(conn, identity, year_be, "open", changes)
        return Opened(year_be, len(ids), copied_from)


async def close_year(
    writer: AsyncEngine,
    identity: Identity,
    *,
    year_be: int,
    reason: str | None = None,
) -> dt.datetime:
    if not identity.is_dla_admin:
        raise _forbidden()
    async with writer.begin() as conn:
        row = (
            await conn.execute(select(FiscalYear.closed_at).where(FiscalYear.year_be == year_be))
        ).first()
        if refusal := closing_refusal(year_be, row.closed_at if row else None, row is not None):
            raise refusal
        stamp = now()
        await conn.execute(
            update(FiscalYear).where(FiscalYear.year_be == year_be).values(closed_at=stamp)
        )
        await rounds.close_info_round(conn, year_be, stamp)
        await _logged(conn, identity, year_be, "close", {"closed_at": (None, stamp)}, reason)
        return stamp
