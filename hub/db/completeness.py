"""The completeness rule's database half: reading what `hub.rules.completeness` needs, the
"anything recorded" rule in SQL, and each LAO-year's completeness history.

`load` and `recompute` read the section rows and live record counts of any number of
LAO-years in one statement per chunk of `IN_CHUNK` ids.
Every change of an LAO-year's completeness (its mask, or whether anything is recorded) is
appended to its history (`completeness_history`, by `record_history` and
`record_history_of`), so the LPA score as of a past date uses that date's completeness.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    bindparam,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db import lpa_tallies
from hub.db.models.domain_tables import RECORD_TABLES, SECTION_TABLES
from hub.db.models.fiscal_years import CompletenessChange, LaoYear
from hub.rules import lpa
from hub.rules.catalogue import DOMAINS
from hub.rules.completeness import LaoYearSections

IN_CHUNK = 5000  # largest IN (...) list sent in one statement


def recorded_clause(lao_year_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """SQL for `anything_recorded` of the LAO-year whose id is `lao_year_id` (correlated).

    One primary-key probe per section table and one index probe per record table: cheap
    enough to evaluate for every LAO of the country in one statement.
    """
    clauses: list[ColumnElement[bool]] = []
    for d in DOMAINS:
        table = SECTION_TABLES[d.number]
        filled: list[ColumnElement[bool]] = [
            table.c[f.column].is_not(None) for f in d.fields if f.source is None
        ]
        filled += [table.c[t.none_flag] == true() for t in d.record_tables]
        clauses.append(exists().where(table.c.lao_year_id == lao_year_id, or_(*filled)))
    for records in RECORD_TABLES.values():
        clauses.append(
            exists().where(records.c.lao_year_id == lao_year_id, records.c.retired_on.is_(None))
        )
    return or_(*clauses)


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    unique = sorted(set(ids))
    for start in range(0, len(unique), IN_CHUNK):
        yield unique[start : start + IN_CHUNK]


@dataclass(frozen=True)
class _LoadStatement:
    """`load`'s one statement, built once, and where each part of its rows lies."""

    statement: Select[Any]
    sections: tuple[
        tuple[int, str, tuple[tuple[str, str], ...]], ...
    ]  # domain, marker, (label, key)
    counts: tuple[tuple[str, str], ...]  # (label, record-table name)


@functools.cache
def _load_statement() -> _LoadStatement:
    """`load`'s statement: the LAO-years (the expanding `ids` parameter) joined to each section
    row, with each record table's live count. One statement, built once: per save, a dozen
    statements built afresh cost more Python than their SQL (the expressions, then their
    cache keys)."""
    years = LaoYear.__table__
    columns: list[Any] = [years.c.id, years.c.fiscal_year]
    joined: Any = years
    sections = []
    for d in DOMAINS:
        table = SECTION_TABLES[d.number].alias(f"s{d.number}")
        names = (
            ["lao_year_id"] + [f.column for f in d.fields] + [t.none_flag for t in d.record_tables]
        )
        labels = tuple((f"s{d.number}_{n}", n) for n in names)
        columns += [table.c[n].label(label) for label, n in labels]
        joined = joined.outerjoin(table, table.c.lao_year_id == years.c.id)
        sections.append((d.number, f"s{d.number}_lao_year_id", labels))
    counts = []
    for name, records in RECORD_TABLES.items():
        label = f"n_{name}"
        live = (
            select(func.count())
            .where(records.c.lao_year_id == years.c.id, records.c.retired_on.is_(None))
            .scalar_subquery()
        )
        columns.append(live.label(label))
        counts.append((label, name))
    statement = (
        select(*columns).select_from(joined).where(years.c.id.in_(bindparam("ids", expanding=True)))
    )
    return _LoadStatement(statement, tuple(sections), tuple(counts))


async def load(conn: AsyncConnection, lao_year_ids: Sequence[int]) -> dict[int, LaoYearSections]:
    """Fiscal year, section rows and record counts of the LAO-years, for every id asked for
    (an id with no LAO-year is left out).

    One statement for each chunk of at most `IN_CHUNK` ids, however many ids: no statement
    per LAO-year, nor per table.
    """
    plan = _load_statement()
    result: dict[int, LaoYearSections] = {}
    for chunk in _chunks(lao_year_ids):
        for row in (await conn.execute(plan.statement, {"ids": chunk})).mappings():
            # Each LAO-year is judged by the catalogue of its own fiscal year.
            data = result[row["id"]] = LaoYearSections(row["fiscal_year"])
            for number, marker, labels in plan.sections:
                if row[marker] is not None:  # the LAO-year has this section's row
                    data.sections[number] = {name: row[label] for label, name in labels}
            for label, name in plan.counts:
                if row[label]:
                    data.record_counts[name] = row[label]
    return result


async def recompute(conn: AsyncConnection, lao_year_ids: Sequence[int]) -> dict[int, int]:
    """{lao_year_id: complete_domains mask} computed from the database; writes nothing."""
    loaded = await load(conn, lao_year_ids)
    return {lao_year_id: data.mask for lao_year_id, data in loaded.items()}


async def missing_for(conn: AsyncConnection, lao_year_id: int) -> dict[int, list[str]]:
    """Per incomplete domain of one LAO-year, its missing field and record-table names."""
    return (await load(conn, [lao_year_id]))[lao_year_id].missing_by_domain


# --- history (what the LPA score as of a date reads) ----------------------------------------


async def record_history(
    conn: AsyncConnection, lao_year_id: int, at: dt.datetime, mask: int, recorded: bool
) -> bool:
    """Append (mask, recorded) to the LAO-year's completeness history from `at` on, unless
    its latest entry already says so. True when an entry was appended."""
    history = CompletenessChange.__table__
    latest = (
        await conn.execute(
            select(history.c.complete_domains, history.c.anything_recorded)
            .where(history.c.lao_year_id == lao_year_id)
            .order_by(history.c.at.desc(), history.c.id.desc())
            .limit(1)
        )
    ).first()
    current = (mask, bool(recorded))
    if latest is None and current == (0, False):
        return False  # no entry already means nothing recorded
    if latest is not None and (latest[0], bool(latest[1])) == current:
        return False
    await conn.execute(
        insert(CompletenessChange).values(
            lao_year_id=lao_year_id, at=at, complete_domains=mask, anything_recorded=recorded
        )
    )
    # The LPA rule moves with the completeness; the state stays what it is.
    state = await lpa_tallies.latest_state(conn, lao_year_id)
    before = lpa.NOTHING if latest is None else (int(latest[0]), bool(latest[1]))
    await lpa_tallies.moved(
        conn, lao_year_id, at, lpa.rule_for(state, *before), lpa.rule_for(state, *current)
    )
    return True


async def record_history_of(
    conn: AsyncConnection, where: ColumnElement[bool], at: dt.datetime
) -> None:
    """One history entry, dated `at`, for each LAO-year matching `where` that has something
    recorded (new LAO-years: a year opened from last year's data, a bulk load), in one
    INSERT … SELECT over `lao_years` computing "anything recorded" in SQL."""
    years = LaoYear.__table__
    recorded = recorded_clause(years.c.id)
    await conn.execute(
        insert(CompletenessChange).from_select(
            ["lao_year_id", "at", "complete_domains", "anything_recorded"],
            select(
                years.c.id, literal(at, DateTime(timezone=True)), years.c.complete_domains, recorded
            ).where(where, or_(years.c.complete_domains != 0, recorded)),
        )
    )
