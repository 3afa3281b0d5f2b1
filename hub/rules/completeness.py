"""The completeness rule of the 8 domains, derived from `hub.rules.catalogue` (DOMAIN.md "The 8 domains").

A domain is **complete** for an LAO-year when

* every `required` field of the domain is filled (non-null; a value pulled from another DLA
  system counts as filled like any other once it is there), and
* every record table of the domain (water-supply systems, tourist sites) has at least one
  non-retired row (`retired_on IS NULL`) for that LAO-year, or the section's `<table>_none`
  flag ("none in this area") is true.

A missing section row means every required field and record table of the domain is missing.
`lao_years.complete_domains` stores the result as a bit mask: bit n-1 is set when domain n
is complete, so 255 means all eight (the precondition of LAO certification).

The rule is pure (`missing_fields`, `is_complete`, `missing_by_domain`); `load` and
`recompute` read what it needs from the database in a fixed number of statements.

Every change of an LAO-year's completeness (its mask, or whether anything is recorded) is
also appended to its history (`completeness_history`, by `record_history` and
`record_history_of`), so the LPA score as of a past date uses that date's completeness.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    and_,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.models.domain_tables import RECORD_TABLES, SECTION_TABLES
from hub.db.models.fiscal_years import CompletenessChange, LaoYear
from hub.rules.catalogue import DOMAINS, Domain
from hub.rules.catalogue import domain as domain_by_number

ALL_DOMAINS_MASK = (1 << len(DOMAINS)) - 1  # 255: all eight domains complete
IN_CHUNK = 5000  # largest IN (...) list sent in one statement

Section = Mapping[str, Any]


def _domain(d: Domain | int) -> Domain:
    return d if isinstance(d, Domain) else domain_by_number(d)


# --- the rule -------------------------------------------------------------------------------


def missing_fields(
    domain: Domain | int, section: Section | None, record_counts: Mapping[str, int]
) -> list[str]:
    """Names of the required fields and record tables of `domain` that are not filled.

    `section` is the domain's section row (column name → value) or None when the LAO-year
    has no row; `record_counts` maps record-table name → number of non-retired rows (absent
    means none). The order is the catalogue's: fields first, then record tables.
    """
    d = _domain(domain)
    row: Section = section or {}
    missing = [f.name for f in d.fields if f.required and row.get(f.column) is None]
    missing += [
        t.name
        for t in d.record_tables
        if record_counts.get(t.name, 0) < 1 and not row.get(t.none_flag, False)
    ]
    return missing


def is_complete(
    domain: Domain | int, section: Section | None, record_counts: Mapping[str, int]
) -> bool:
    return not missing_fields(domain, section, record_counts)


def missing_by_domain(
    sections: Mapping[int, Section | None], record_counts: Mapping[str, int]
) -> dict[int, list[str]]:
    """Per incomplete domain number, its missing field and record-table names.

    `sections` maps domain number → section row (absent or None: no row). An empty result
    means all 8 domains are complete. This is what LAO certification reports when refused.
    """
    result: dict[int, list[str]] = {}
    for d in DOMAINS:
        missing = missing_fields(d, sections.get(d.number), record_counts)
        if missing:
            result[d.number] = missing
    return result


def complete_mask(sections: Mapping[int, Section | None], record_counts: Mapping[str, int]) -> int:
    """The `complete_domains` bit mask of one LAO-year."""
    return mask(d.number for d in DOMAINS if is_complete(d, sections.get(d.number), record_counts))


def mask(complete_domain_numbers: Iterable[int]) -> int:
    """Bit mask of complete domains: bit n-1 set for domain n (all eight → 255)."""
    value = 0
    for number in complete_domain_numbers:
        value |= 1 << (_domain(number).number - 1)
    return value


def domains_in(mask: int) -> list[int]:
    """Domain numbers whose bit is set in `mask`, ascending."""
    if not 0 <= mask <= ALL_DOMAINS_MASK:
        raise ValueError(f"{mask} is not a mask of the {len(DOMAINS)} domains")
    return [d.number for d in DOMAINS if mask & (1 << (d.number - 1))]


# --- "anything recorded" (LPA indicator 7, level 0 versus 1) ---------------------------------


def anything_recorded(
    sections: Mapping[int, Section | None], record_counts: Mapping[str, int]
) -> bool:
    """Whether the LAO itself recorded anything for the LAO-year.

    True when any field the LAO enters (required or optional, but not a value pulled from
    another DLA system: those arrive without the LAO doing anything) is non-null, any
    "none in this area" flag is set, or any record table has a non-retired row.
    `recorded_clause` is the same rule in SQL.
    """
    for d in DOMAINS:
        row = sections.get(d.number)
        if row is None:
            continue
        if any(row.get(f.column) is not None for f in d.fields if f.source is None):
            return True
        if any(row.get(t.none_flag, False) for t in d.record_tables):
            return True
    return any(count > 0 for count in record_counts.values())


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


# --- reading from the database --------------------------------------------------------------


@dataclass
class LaoYearSections:
    """What the rule needs of one LAO-year: its section rows and live record counts."""

    sections: dict[int, dict[str, Any]] = field(default_factory=dict)
    record_counts: dict[str, int] = field(default_factory=dict)

    @property
    def mask(self) -> int:
        return complete_mask(self.sections, self.record_counts)

    @property
    def missing_by_domain(self) -> dict[int, list[str]]:
        return missing_by_domain(self.sections, self.record_counts)

    @property
    def anything_recorded(self) -> bool:
        return anything_recorded(self.sections, self.record_counts)


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    unique = sorted(set(ids))
    for start in range(0, len(unique), IN_CHUNK):
        yield unique[start : start + IN_CHUNK]


async def load(conn: AsyncConnection, lao_year_ids: Sequence[int]) -> dict[int, LaoYearSections]:
    """Section rows and record counts of the LAO-years, for every id asked for.

    One statement per section table and one per record table for each chunk of at most
    `IN_CHUNK` ids, however many ids: no statement per LAO-year.
    """
    result = {i: LaoYearSections() for i in lao_year_ids}
    for chunk in _chunks(lao_year_ids):
        for d in DOMAINS:
            table = SECTION_TABLES[d.number]
            columns = [table.c.lao_year_id]
            columns += [table.c[f.column] for f in d.fields]
            columns += [table.c[t.none_flag] for t in d.record_tables]
            rows = await conn.execute(select(*columns).where(table.c.lao_year_id.in_(chunk)))
            for row in rows.mappings():
                result[row["lao_year_id"]].sections[d.number] = dict(row)
        for name, records in RECORD_TABLES.items():
            counted = (
                select(records.c.lao_year_id, func.count().label("n"))
                .where(and_(records.c.lao_year_id.in_(chunk), records.c.retired_on.is_(None)))
                .group_by(records.c.lao_year_id)
            )
            for lao_year_id, n in await conn.execute(counted):
                result[lao_year_id].record_counts[name] = n
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
