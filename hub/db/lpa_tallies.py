"""The provisional LPA indicator-7 rules counted per area, kept current and dated, so the
distribution of a province, a district or the nation as of any moment is one index probe per
(area, rule) — where matching every LAO's history to the moment took 50–80 ms nationally.

What is kept: for each fiscal year, area (province and district) and rule, `lpa_tallies`
holds how many LAO-years stood under the rule from each moment the count moved
(`hub.models.LpaTally`); `lpa_tallies_now` holds the latest row of each, which a move locks.
NOTHING_RECORDED is not counted: it is the area's other LAOs (an LAO without a LAO-year
included, as `hub.db.rollups` has always counted).

Nothing here decides a rule: `hub.rules.lpa.rule_for` does, over the history
(`certification_events`, `completeness_history`). Each writer of that history calls `moved`
in its transaction with the rule before and after its entry: the certification service for
an event, `hub.db.completeness.record_history` for an entry. Writers that fill the history in
bulk (the demo, opening a year from the last) call `rebuild`, which replays every LAO-year's
`hub.rules.lpa.rule_timeline`; `verify` compares the kept tallies with that replay and
`hub rollups verify` runs it.

Concurrency (PostgreSQL, READ COMMITTED): a move locks the `lpa_tallies_now` rows it moves, in
key order, then appends the next row of each; so two LAOs of one area moving at once count
one after the other and neither is lost. A row is dated by its entry, or by the area's
previous row if that is later (two moves a few microseconds apart, committed in the other
order): the tallies stay in time order per area. SQLite has one writer at a time.

Areas are the LAO's province and district when it moved; should an LAO ever change district,
`rebuild` counts it where it is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, delete, func, insert, literal, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import insert_ignoring_duplicates
from hub.db.models import (
    CertificationEvent,
    CompletenessChange,
    Lao,
    LaoYear,
    LpaTally,
    LpaTallyNow,
)
from hub.rules import lpa
from hub.rules.enums import Breakdown, CertificationState

_tallies = cast(Table, LpaTally.__table__)
_now = cast(Table, LpaTallyNow.__table__)
_events = CertificationEvent.__table__
_history = CompletenessChange.__table__
_laos = Lao.__table__
_lao_years = LaoYear.__table__

LEVELS = ("province", "district")
COUNTED = tuple(r for r in lpa.RULES if r != lpa.NOTHING_RECORDED)

# (fiscal year, level, area, rule): one tally.
Key = tuple[int, str, int, str]


@dataclass(frozen=True)
class Place:
    """Where a LAO-year counts: its fiscal year, province and district."""

    fiscal_year: int
    province_id: int
    district_id: int

    def keys(self, rule: str) -> list[tuple[Key, int]]:
        """The tallies of `rule` it counts in, each with its province."""
        return [
            ((self.fiscal_year, "province", self.province_id, rule), self.province_id),
            ((self.fiscal_year, "district", self.district_id, rule), self.province_id),
        ]


async def place_of(conn: AsyncConnection, lao_year_id: int) -> Place:
    row = (
        await conn.execute(
            select(_lao_years.c.fiscal_year, _laos.c.province_id, _laos.c.district_id)
            .join(_laos, _laos.c.id == _lao_years.c.lao_id)
            .where(_lao_years.c.id == lao_year_id)
        )
    ).one()
    return Place(row.fiscal_year, row.province_id, row.district_id)


async def latest_state(conn: AsyncConnection, lao_year_id: int) -> CertificationState:
    """The to_state of the LAO-year's latest certification event (DRAFT: none)."""
    state = (
        await conn.execute(
            select(_events.c.to_state)
            .where(_events.c.lao_year_id == lao_year_id)
            .order_by(_events.c.at.desc(), _events.c.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return CertificationState.DRAFT if state is None else CertificationState(state)


async def latest_completeness(conn: AsyncConnection, lao_year_id: int) -> tuple[int, bool]:
    """(mask, anything recorded) of the LAO-year's latest completeness entry."""
    row = (
        await conn.execute(
            select(_history.c.complete_domains, _history.c.anything_recorded)
            .where(_history.c.lao_year_id == lao_year_id)
            .order_by(_history.c.at.desc(), _history.c.id.desc())
            .limit(1)
        )
    ).first()
    return lpa.NOTHING if row is None else (int(row[0]), bool(row[1]))


async def moved(
    conn: AsyncConnection, lao_year_id: int, at: dt.datetime, before: str, after: str
) -> None:
    """The LAO-year's rule moved from `before` to `after` at `at` (its history entry's
    moment): count it out of one and into the other, in its province and district."""
    if before == after:
        return
    place = await place_of(conn, lao_year_id)
    steps = {key: (province, -1) for key, province in place.keys(before)}
    steps |= {key: (province, +1) for key, province in place.keys(after)}
    await _apply(conn, lpa.utc(at), steps)


def _key_clause(key: Key) -> Any:
    year, level, area, rule = key
    return and_(
        _now.c.fiscal_year == year,
        _now.c.level == level,
        _now.c.area_id == area,
        _now.c.rule == rule,
    )


async def _apply(conn: AsyncConnection, at: dt.datetime, steps: dict[Key, tuple[int, int]]) -> None:
    """Move each tally by its step: lock its latest row (made at zero when it has none), in
    key order, and append the next one."""
    counted = sorted((k, v) for k, v in steps.items() if k[3] != lpa.NOTHING_RECORDED)
    if not counted:
        return
    await conn.execute(
        insert_ignoring_duplicates(conn, _now),
        [
            {
                "fiscal_year": key[0],
                "level": key[1],
                "area_id": key[2],
                "rule": key[3],
                "province_id": province,
                "at": at,
                "laos": 0,
            }
            for key, (province, _) in counted
        ],
    )
    for key, (province, step) in counted:
        latest = (
            await conn.execute(
                select(_now.c.id, _now.c.at, _now.c.laos).where(_key_clause(key)).with_for_update()
            )
        ).one()
        when = max(at, lpa.utc(latest.at))
        laos = int(latest.laos) + step
        await conn.execute(update(_now).where(_now.c.id == latest.id).values(at=when, laos=laos))
        year, level, area, rule = key
        await conn.execute(
            insert(_tallies).values(
                fiscal_year=year,
                level=level,
                area_id=area,
                province_id=province,
                rule=rule,
                at=when,
                laos=laos,
            )
        )


# --- replaying the history ---------------------------------------------------------------------


async def _timelines(
    conn: AsyncConnection, fiscal_year: int
) -> list[tuple[Place, list[tuple[dt.datetime, str]]]]:
    """Each LAO-year of the year with its rule timeline (`hub.rules.lpa.rule_timeline`)."""
    places = {
        row.id: Place(fiscal_year, row.province_id, row.district_id)
        for row in await conn.execute(
            select(_lao_years.c.id, _laos.c.province_id, _laos.c.district_id)
            .join(_laos, _laos.c.id == _lao_years.c.lao_id)
            .where(_lao_years.c.fiscal_year == fiscal_year)
        )
    }
    of_year = select(_lao_years.c.id).where(_lao_years.c.fiscal_year == fiscal_year)
    events: dict[int, list[lpa.EventLike]] = defaultdict(list)
    for event in await conn.execute(
        select(_events.c.lao_year_id, _events.c.at, _events.c.to_state)
        .where(_events.c.lao_year_id.in_(of_year))
        .order_by(_events.c.lao_year_id, _events.c.at, _events.c.id)
    ):
        events[event.lao_year_id].append((event.at, CertificationState(event.to_state)))
    completeness: dict[int, list[lpa.CompletenessLike]] = defaultdict(list)
    for row in await conn.execute(
        select(
            _history.c.lao_year_id,
            _history.c.at,
            _history.c.complete_domains,
            _history.c.anything_recorded,
        )
        .where(_history.c.lao_year_id.in_(of_year))
        .order_by(_history.c.lao_year_id, _history.c.at, _history.c.id)
    ):
        completeness[row.lao_year_id].append((row.at, int(row[2]), bool(row[3])))
    return [
        (place, lpa.rule_timeline(events.get(i, []), completeness.get(i, [])))
        for i, place in places.items()
        if i in events or i in completeness
    ]


def replay(
    timelines: Iterable[tuple[Place, Sequence[tuple[dt.datetime, str]]]],
) -> tuple[list[dict[str, Any]], dict[Key, tuple[int, dt.datetime, int]]]:
    """The tally rows the timelines give, in time order, and each tally's latest (province,
    moment, count)."""
    moves: list[tuple[dt.datetime, int, Place, str, str]] = []
    for n, (place, timeline) in enumerate(timelines):
        before = lpa.NOTHING_RECORDED
        for at, rule in timeline:
            moves.append((at, n, place, before, rule))
            before = rule
    moves.sort(key=lambda m: (m[0], m[1]))
    counts: dict[Key, int] = defaultdict(int)
    latest: dict[Key, tuple[int, dt.datetime, int]] = {}
    rows: list[dict[str, Any]] = []
    for at, _, place, before, after in moves:
        for rule, step in ((before, -1), (after, +1)):
            if rule == lpa.NOTHING_RECORDED:
                continue
            for key, province in place.keys(rule):
                counts[key] += step
                latest[key] = (province, at, counts[key])
                rows.append(
                    {
                        "fiscal_year": key[0],
                        "level": key[1],
                        "area_id": key[2],
                        "province_id": province,
                        "rule": key[3],
                        "at": at,
                        "laos": counts[key],
                    }
                )
    return rows, latest


async def rebuild(conn: AsyncConnection, fiscal_years: Iterable[int]) -> None:
    """Count the years' tallies afresh from their history (after it was written in bulk)."""
    for year in sorted(set(fiscal_years)):
        await conn.execute(delete(_now).where(_now.c.fiscal_year == year))
        await conn.execute(delete(_tallies).where(_tallies.c.fiscal_year == year))
        rows, latest = replay(await _timelines(conn, year))
        for start in range(0, len(rows), 5000):
            await conn.execute(insert(_tallies), rows[start : start + 5000])
        if latest:
            await conn.execute(insert(_now), now_rows(latest))


def now_rows(latest: dict[Key, tuple[int, dt.datetime, int]]) -> list[dict[str, Any]]:
    """`replay`'s latest tallies as rows of `lpa_tallies_now`."""
    return [
        {
            "fiscal_year": key[0],
            "level": key[1],
            "area_id": key[2],
            "rule": key[3],
            "province_id": province,
            "at": at,
            "laos": laos,
        }
        for key, (province, at, laos) in sorted(latest.items())
    ]


async def verify(conn: AsyncConnection) -> list[str]:
    """Each year's latest tallies against a replay of its history: the differences."""
    found: list[str] = []
    years = (await conn.execute(select(_lao_years.c.fiscal_year).distinct())).scalars()
    for year in sorted(years):
        _, replayed = replay(await _timelines(conn, year))
        kept = {
            (r.fiscal_year, r.level, r.area_id, r.rule): int(r.laos)
            for r in await conn.execute(select(_now).where(_now.c.fiscal_year == year))
        }
        for key in sorted(set(kept) | set(replayed)):
            want = replayed[key][2] if key in replayed else 0
            if kept.get(key, 0) != want:
                found.append(
                    f"LPA tally {key[0]} {key[1]} {key[2]} {key[3]}: kept {kept.get(key, 0)}, "
                    f"the history gives {want}"
                )
    return found


# --- reading -----------------------------------------------------------------------------------


async def distribution(
    conn: AsyncConnection,
    fiscal_year: int,
    as_of: dt.datetime,
    by: Breakdown = "province",
    province_id: int | None = None,
) -> dict[int | None, dict[str, int]]:
    """How many LAOs stood under each rule as of `as_of`, per key (None: the nation; a
    province or district id), every rule present: the tally of each (area, rule) as of the
    moment, NOTHING_RECORDED the rest of the area's LAOs. Every key with LAOs is present."""
    if by not in ("nation", "province", "district"):
        raise ValueError(f"roll-up by {by!r}: expected nation, province or district")
    level = "district" if by == "district" else "province"
    area_column = _laos.c.district_id if by == "district" else _laos.c.province_id
    as_of_tally = (
        select(_tallies.c.laos)
        .where(
            _tallies.c.fiscal_year == _now.c.fiscal_year,
            _tallies.c.level == _now.c.level,
            _tallies.c.area_id == _now.c.area_id,
            _tallies.c.rule == _now.c.rule,
            _tallies.c.at <= lpa.utc(as_of),
        )
        .order_by(_tallies.c.at.desc(), _tallies.c.id.desc())
        .limit(1)
        .correlate(_now)
        .scalar_subquery()
    )
    tallied = select(_now.c.area_id, _now.c.rule, as_of_tally).where(
        _now.c.fiscal_year == fiscal_year, _now.c.level == level
    )
    # Each area's LAOs, in the same statement (one round trip), under the rule name "".
    laos = select(area_column, literal(""), func.count()).group_by(area_column)
    if province_id is not None:
        tallied = tallied.where(_now.c.province_id == province_id)
        laos = laos.where(_laos.c.province_id == province_id)
    rows = (await conn.execute(union_all(laos, tallied))).all()
    per_area: dict[int, dict[str, int]] = {
        int(area): dict.fromkeys(lpa.RULES, 0) | {lpa.NOTHING_RECORDED: int(n)}
        for area, rule, n in rows
        if rule == ""
    }
    for area, rule, n in rows:
        if rule != "" and n and area in per_area:
            per_area[area][rule] += int(n)
            per_area[area][lpa.NOTHING_RECORDED] -= int(n)
    if by != "nation":
        return {area: counts for area, counts in per_area.items()}
    if not per_area:
        return {}
    nation = dict.fromkeys(lpa.RULES, 0)
    for counts in per_area.values():
        for rule, n in counts.items():
            nation[rule] += n
    return {None: nation}
