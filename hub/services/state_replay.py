"""`hub audit verify --state`: replay the change log and find values it does not explain.

The hash chain (`audit.verify`) proves the log was not edited; this proves the data agrees
with the log. Every write of a domain value is logged in one shape (see
`hub.services.provenance`): entries on a section's table, keyed by LAO-year, with
`{column: [before, after]}`, and a year opened from the previous year's data (`fiscal_years`
`open` with `copied_from`), which copies that year's sections as they stood. Replaying them
in order gives what every value should be now; each current value of a section's value
columns (`provenance.value_columns`: fields, "none in this area" flags, fetch times) that
differs, and each logged value whose row is gone, is reported with its LAO (code), fiscal
year and field. A value written behind the hub's back (SQL run by hand, a restore of one
table) is exactly such a value.

The replay holds one dictionary of values per LAO-year section in memory (a national
database: ~190,000 sections), reads the log in pages by id and each section table once.
Numbers compare by value (a logged 5 explains a stored 5.0); a "none in this area" flag
never set explains a stored false.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db.models import SECTION_TABLES, ChangeLogEntry, Lao, LaoYear
from hub.rules.catalogue import DOMAINS, Domain
from hub.rules.validation import camel
from hub.services import audit
from hub.services.provenance import value_columns

PAGE = 5000


@dataclass(frozen=True)
class Unexplained:
    lao_code: str | None  # Bangkok, which has no code: its name
    fiscal_year: int
    domain: int
    field: str  # the API's name: `healthEnvironment.villageHealthVolunteers`
    current: Any
    expected: Any  # what the log says it should be (None: nothing logged)

    def describe(self) -> str:
        lao = self.lao_code or "(unnamed)"
        return (
            f"LAO {lao}, fiscal year {self.fiscal_year}, {self.field}: the value is "
            f"{json.dumps(self.current, ensure_ascii=False)}, the log explains "
            f"{json.dumps(self.expected, ensure_ascii=False)}"
        )


@dataclass
class StateReport:
    entries: int = 0  # value entries replayed
    values: int = 0  # current values checked
    count: int = 0  # values the log does not explain
    unexplained: list[Unexplained] = field(default_factory=list)  # the first `limit` of them

    @property
    def ok(self) -> bool:
        return self.count == 0


def _same(current: Any, expected: Any, is_flag: bool) -> bool:
    if is_flag:
        return bool(current) == bool(expected)
    if isinstance(current, bool) or isinstance(expected, bool):
        return current is expected
    if isinstance(current, int | float) and isinstance(expected, int | float):
        return float(current) == float(expected)
    return bool(current == expected)


async def _log_pages(conn: AsyncConnection, entities: list[str]) -> AsyncIterator[Sequence[Any]]:
    """The log's entries on `entities`, in order, a page at a time."""
    log = ChangeLogEntry.__table__.c
    last = 0
    while True:
        rows = (
            await conn.execute(
                select(log.id, log.entity, log.entity_id, log.action, log.changes_json)
                .where(log.id > last, log.entity.in_(entities))
                .order_by(log.id)
                .limit(PAGE)
            )
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


async def verify_state(engine: AsyncEngine, *, limit: int = 1000) -> StateReport:
    """Replay the log; report at most `limit` unexplained values (the count stays exact)."""
    report = StateReport()
    by_table: dict[str, Domain] = {SECTION_TABLES[d.number].name: d for d in DOMAINS}
    columns = {name: value_columns(d) for name, d in by_table.items()}
    flags = {name: {t.none_flag for t in d.record_tables} for name, d in by_table.items()}
    state: dict[tuple[str, int], dict[str, Any]] = {}
    async with engine.connect() as conn:
        years = (await conn.execute(select(LaoYear.id, LaoYear.lao_id, LaoYear.fiscal_year))).all()
        place = {r.id: (r.lao_id, r.fiscal_year) for r in years}
        lao_year_of = {(r.lao_id, r.fiscal_year): r.id for r in years}
        # An LAO is named by its code; Bangkok, which has none, by its name.
        codes = {
            r.id: r.code or r.name_th
            for r in await conn.execute(select(Lao.id, Lao.code, Lao.name_th))
        }
        async for rows in _log_pages(conn, [*by_table, "fiscal_years"]):
            for r in rows:
                changes = json.loads(r.changes_json)
                if r.entity == "fiscal_years":
                    copied = changes.get("copied_from", [None, None])[1]
                    if r.action == "open" and copied is not None:
                        _copy(state, place, lao_year_of, int(copied), int(r.entity_id))
                    continue
                report.entries += 1
                known = columns[r.entity]
                values = state.setdefault((r.entity, int(r.entity_id)), {})
                for column, (_, after) in changes.items():
                    if column in known:
                        values[column] = after
        seen: set[tuple[str, int]] = set()
        for name, d in by_table.items():
            table = SECTION_TABLES[d.number]
            wanted = columns[name]
            rows = (
                await conn.execute(select(table.c.lao_year_id, *[table.c[c] for c in wanted]))
            ).all()
            for row in rows:
                key = (name, row.lao_year_id)
                seen.add(key)
                expected = state.get(key, {})
                for column in wanted:
                    report.values += 1
                    current = audit.logged_form(row._mapping[column])
                    logged = expected.get(column)
                    if not _same(current, logged, column in flags[name]):
                        _report(
                            report, limit, codes, place, d, column, row.lao_year_id, current, logged
                        )
        for (name, lao_year_id), values in state.items():
            if (name, lao_year_id) in seen or lao_year_id not in place:
                continue
            for column, logged in values.items():
                if logged not in (None, False):
                    d = by_table[name]
                    _report(report, limit, codes, place, d, column, lao_year_id, None, logged)
    return report


def _copy(
    state: dict[tuple[str, int], dict[str, Any]],
    place: dict[int, tuple[int, int]],
    lao_year_of: dict[tuple[int, int], int],
    previous: int,
    year: int,
) -> None:
    """A year opened from `previous`: each LAO's sections start as that year's stood."""
    for (name, lao_year_id), values in list(state.items()):
        lao_id, fiscal_year = place.get(lao_year_id, (None, None))
        if fiscal_year != previous:
            continue
        new = lao_year_of.get((lao_id, year))  # type: ignore[arg-type]
        if new is not None:
            state[(name, new)] = dict(values)


def _report(
    report: StateReport,
    limit: int,
    codes: dict[int, str | None],
    place: dict[int, tuple[int, int]],
    d: Domain,
    column: str,
    lao_year_id: int,
    current: Any,
    logged: Any,
) -> None:
    lao_id, fiscal_year = place[lao_year_id]
    section = camel(d.key)
    name = column.removesuffix("_id") if column.endswith("_id") else column
    found = Unexplained(
        codes.get(lao_id), fiscal_year, d.number, f"{section}.{camel(name)}", current, logged
    )
    report.count += 1
    if len(report.unexplained) < limit:
        report.unexplained.append(found)
