"""KPI-16 coverage kept current: each reference's match stored on it, and each round's
references counted per (province, district) in `kpi16_counts`, both moved in the same
transaction as the change that moves them. The coverage of the nation, a province or a
district is then a sum over a few rows (`coverage`), where matching the whole round took
165–190 ms nationally.

Nothing here decides a match: the rule is `hub.db.kpi16.live_record` (its grouped form,
`hub.db.kpi16.matched_codes`, is what `verify` recomputes the counts with). What moves a
match, and what each writer calls:

- a water-supply record added, changed or retired (`hub.services.records`): `refresh_codes`
  with the codes it carried before and after (`codes_moved`), for its fiscal year's rounds;
- a province's reference list imported, a round's opening date moved, a year's records
  copied in bulk (opening a year, the demo): `rebuild` of the round (or its province).

A writer that moves records another way must call one of the two; `verify` (run by `hub
rollups verify` and by the tests after each path) finds any it missed, and `rebuild` mends it.

Concurrency on PostgreSQL (READ COMMITTED): `refresh_codes` takes its year's round rows FOR
SHARE, then its references FOR UPDATE in id order, and only then evaluates the rule, in a
statement of its own, so with a snapshot taken after the locks. Of two transactions touching
the same code, the second to lock sees the first's records; the first may not have seen the
second's, but the second evaluates again after it. A count row is locked, then recounted
from the references' stored matches (not moved by a delta): the last writer of a key counts
what every committed writer left, so counts cannot drift. `rebuild` takes the round rows FOR
UPDATE, so a save's refresh waits for it and then evaluates over the rebuilt list. SQLite
has one writer at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.kpi16 import coverage_from_records, coverages, live_record
from hub.db.models import RECORD_TABLES, Kpi16Count, Kpi16Reference, Kpi16Round, Lao
from hub.rules.enums import Breakdown
from hub.rules.kpi16 import Coverage

_rounds = Kpi16Round.__table__
_refs = cast(Table, Kpi16Reference.__table__)
_counts = cast(Table, Kpi16Count.__table__)
_laos = Lao.__table__

WATER_TABLE = "water_supply_systems"
CODE_COLUMN = "dla_reference_code"
# The columns of a water-supply record the match reads (`hub.db.kpi16.live_record`): a write
# that changes none of them moves no match.
MATCHED_COLUMNS = frozenset({CODE_COLUMN, "last_checked_on", "retired_on"})
assert set(RECORD_TABLES[WATER_TABLE].c.keys()) >= MATCHED_COLUMNS

# Codes and keys per statement: far below every driver's bind-parameter limit.
_CHUNK = 1000

# A reference's district, 0 for a reference without an LAO (`Kpi16Count`).
_district = func.coalesce(_laos.c.district_id, 0)


def codes_moved(
    table_name: str, before: Mapping[Any, Any] | None, after: Mapping[Any, Any] | None
) -> set[str]:
    """The reference codes whose match a write of one record may have moved: the codes it
    carried before and after, when it is a water-supply record and a matched column changed
    (`before` None: added; `after` holds the record's columns after the write)."""
    if table_name != WATER_TABLE:
        return set()
    if (
        before is not None
        and after is not None
        and all(before.get(c) == after.get(c) for c in MATCHED_COLUMNS)
    ):
        return set()
    return {str(row[CODE_COLUMN]) for row in (before, after) if row and row.get(CODE_COLUMN)}


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


async def refresh_codes(conn: AsyncConnection, fiscal_year: int, codes: Iterable[str]) -> None:
    """Re-evaluate the match of every reference carrying one of `codes` in the year's rounds,
    and recount the areas whose references changed. Call it after the records are written,
    in their transaction."""
    wanted = sorted(set(codes))
    if not wanted:
        return
    round_ids = list(
        (
            await conn.execute(
                select(_rounds.c.id)
                .where(_rounds.c.fiscal_year == fiscal_year)
                .order_by(_rounds.c.id)
                .with_for_update(read=True)
            )
        ).scalars()
    )
    if not round_ids:
        return
    keys: set[tuple[int, int, int]] = set()
    for chunk in _chunks(wanted):
        locked = list(
            (
                await conn.execute(
                    select(_refs.c.id)
                    .where(_refs.c.round_id.in_(round_ids), _refs.c.reference_code.in_(chunk))
                    .order_by(_refs.c.id)
                    .with_for_update()
                )
            ).scalars()
        )
        if locked:
            keys |= await _store_matches(conn, _refs.c.id.in_(locked))
    await _recount(conn, sorted(keys))


async def _store_matches(
    conn: AsyncConnection, which: ColumnElement[bool]
) -> set[tuple[int, int, int]]:
    """Evaluate the rule for the references `which` selects, store the matches that moved;
    returns the (round, province, district) keys of those."""
    recorded = live_record(_refs.c.round_id, _refs.c.reference_code, checked=False)
    checked = live_record(_refs.c.round_id, _refs.c.reference_code, checked=True)
    rows = (
        await conn.execute(
            select(
                _refs.c.id,
                _refs.c.round_id,
                _refs.c.province_id,
                _district.label("district_id"),
                _refs.c.recorded,
                _refs.c.checked,
                recorded.label("now_recorded"),
                checked.label("now_checked"),
            )
            .select_from(_refs.outerjoin(_laos, _laos.c.id == _refs.c.lao_id))
            .where(which)
        )
    ).all()
    moved: dict[tuple[bool, bool], list[int]] = {}
    keys: set[tuple[int, int, int]] = set()
    for row in rows:
        now = (bool(row.now_recorded), bool(row.now_checked))
        if now != (bool(row.recorded), bool(row.checked)):
            moved.setdefault(now, []).append(row.id)
            keys.add((row.round_id, row.province_id, row.district_id))
    for (now_recorded, now_checked), ids in sorted(moved.items()):
        for chunk in _chunks(sorted(ids)):
            await conn.execute(
                update(_refs)
                .where(_refs.c.id.in_(chunk))
                .values(recorded=now_recorded, checked=now_checked)
            )
    return keys


def _key_clause(round_id: int, province_id: int, district_id: int) -> ColumnElement[bool]:
    return and_(
        _counts.c.round_id == round_id,
        _counts.c.province_id == province_id,
        _counts.c.district_id == district_id,
    )


def _tally(*where: ColumnElement[bool]) -> Any:
    """The references `where` selects counted per (round, province, district)."""
    return (
        select(
            _refs.c.round_id,
            _refs.c.province_id,
            _district.label("district_id"),
            func.count().label("reference_systems"),
            func.count(case((_refs.c.recorded, 1))).label("recorded"),
            func.count(case((_refs.c.checked, 1))).label("checked"),
        )
        .select_from(_refs.outerjoin(_laos, _laos.c.id == _refs.c.lao_id))
        .where(*where)
        .group_by(_refs.c.round_id, _refs.c.province_id, _district)
    )


async def _recount(conn: AsyncConnection, keys: Sequence[tuple[int, int, int]]) -> None:
    """Lock each key's count row (in key order), then count its references afresh."""
    for round_id, province_id, district_id in keys:
        present = (
            await conn.execute(
                select(_counts.c.id)
                .where(_key_clause(round_id, province_id, district_id))
                .with_for_update()
            )
        ).first()
        in_district = (
            _refs.c.lao_id.is_(None)
            if district_id == 0
            else _refs.c.lao_id.in_(select(_laos.c.id).where(_laos.c.district_id == district_id))
        )
        tally = (
            await conn.execute(
                _tally(
                    _refs.c.round_id == round_id, _refs.c.province_id == province_id, in_district
                )
            )
        ).first()
        figures = {
            "reference_systems": tally.reference_systems if tally else 0,
            "recorded": tally.recorded if tally else 0,
            "checked": tally.checked if tally else 0,
        }
        if present is not None:
            await conn.execute(update(_counts).where(_counts.c.id == present.id).values(figures))
        else:
            await conn.execute(
                insert(_counts).values(
                    round_id=round_id, province_id=province_id, district_id=district_id, **figures
                )
            )


async def rebuild(
    conn: AsyncConnection, round_ids: Iterable[int], province_id: int | None = None
) -> None:
    """Evaluate every reference of the rounds (of the province) afresh and count them again:
    after a bulk change of their records or of their list."""
    ids = sorted(set(round_ids))
    if not ids:
        return
    await conn.execute(
        select(_rounds.c.id).where(_rounds.c.id.in_(ids)).order_by(_rounds.c.id).with_for_update()
    )
    scope: list[ColumnElement[bool]] = [_refs.c.round_id.in_(ids)]
    counted: list[ColumnElement[bool]] = [_counts.c.round_id.in_(ids)]
    if province_id is not None:
        scope.append(_refs.c.province_id == province_id)
        counted.append(_counts.c.province_id == province_id)
    await conn.execute(
        update(_refs)
        .where(*scope)
        .values(
            recorded=live_record(_refs.c.round_id, _refs.c.reference_code, checked=False),
            checked=live_record(_refs.c.round_id, _refs.c.reference_code, checked=True),
        )
    )
    await conn.execute(delete(_counts).where(*counted))
    tally = _tally(*scope).subquery()
    await conn.execute(
        insert(_counts).from_select(
            ["round_id", "province_id", "district_id", "reference_systems", "recorded", "checked"],
            select(*tally.c),
        )
    )


async def rebuild_year(conn: AsyncConnection, fiscal_year: int) -> None:
    """`rebuild` every round of the fiscal year (after its records were written in bulk)."""
    ids = (
        await conn.execute(select(_rounds.c.id).where(_rounds.c.fiscal_year == fiscal_year))
    ).scalars()
    await rebuild(conn, list(ids))


async def coverage(
    conn: AsyncConnection,
    round_id: int,
    by: Breakdown = "nation",
    province_id: int | None = None,
) -> dict[int | None, Coverage]:
    """KPI-16 coverage of a round from its counts, keyed by None (nation), province id or
    district id: `hub.db.kpi16.coverage_from_records`' answer, from a few rows.

    `province_id` restricts any breakdown to one province. Keys are those with reference
    systems; the nation key is present whenever the round exists (with zeros when its list
    is empty). An unknown round gives {}. One SQL statement.
    """
    on_count = _counts.c.round_id == _rounds.c.id
    if province_id is not None:
        on_count = and_(on_count, _counts.c.province_id == province_id)
    keys: list[ColumnElement[Any]]
    if by == "nation":  # outer join: an empty list still gives the nation row
        keys, source = [], _rounds.outerjoin(_counts, on_count)
    elif by == "province":
        keys, source = [_counts.c.province_id], _rounds.join(_counts, on_count)
    elif by == "district":
        on_count = and_(on_count, _counts.c.district_id != 0)
        keys, source = [_counts.c.district_id], _rounds.join(_counts, on_count)
    else:
        raise ValueError(f"coverage by {by!r}: expected nation, province or district")
    statement = (
        select(
            *(k.label("key") for k in keys),
            func.coalesce(func.sum(_counts.c.reference_systems), 0).label("reference_systems"),
            func.coalesce(func.sum(_counts.c.recorded), 0).label("recorded"),
            func.coalesce(func.sum(_counts.c.checked), 0).label("checked"),
            func.max(_rounds.c.target_percent).label("target_percent"),
        )
        .select_from(source)
        .where(_rounds.c.id == round_id)
        .group_by(*keys)
    )
    if keys:  # an area whose references were all withdrawn keeps a row of zeros: not an area
        statement = statement.having(func.sum(_counts.c.reference_systems) > 0)
    return coverages(await conn.execute(statement), keyed=bool(keys))


@dataclass(frozen=True)
class Difference:
    """A maintained figure that is not what the records give now."""

    round_id: int
    where: str  # "nation", "province 12", "district 140", "reference 5531"
    kept: str
    computed: str

    def __str__(self) -> str:
        return f"round {self.round_id}, {self.where}: kept {self.kept}, the records give {self.computed}"


def _figures(c: Coverage | None) -> str:
    return "nothing" if c is None else f"{c.reference_systems}/{c.recorded}/{c.checked}"


async def verify(conn: AsyncConnection) -> list[Difference]:
    """Every round's counts against the records, by nation, province and district, and each
    reference's stored match against the rule: the differences (none when all is current)."""
    found: list[Difference] = []
    round_ids = list((await conn.execute(select(_rounds.c.id).order_by(_rounds.c.id))).scalars())
    breakdowns: tuple[Breakdown, ...] = ("nation", "province", "district")
    for round_id in round_ids:
        for by in breakdowns:
            kept = await coverage(conn, round_id, by)
            computed = await coverage_from_records(conn, round_id, by)
            for key in sorted(set(kept) | set(computed), key=lambda k: -1 if k is None else k):
                if kept.get(key) != computed.get(key):
                    where = by if key is None else f"{by} {key}"
                    found.append(
                        Difference(
                            round_id, where, _figures(kept.get(key)), _figures(computed.get(key))
                        )
                    )
    recorded = live_record(_refs.c.round_id, _refs.c.reference_code, checked=False)
    checked = live_record(_refs.c.round_id, _refs.c.reference_code, checked=True)
    stale = await conn.execute(
        select(_refs.c.round_id, _refs.c.id, _refs.c.recorded, _refs.c.checked, recorded, checked)
        .where(or_(_refs.c.recorded != recorded, _refs.c.checked != checked))
        .order_by(_refs.c.id)
    )
    for r in stale:
        found.append(
            Difference(
                r.round_id,
                f"reference {r.id}",
                f"recorded={bool(r[2])} checked={bool(r[3])}",
                f"recorded={bool(r[4])} checked={bool(r[5])}",
            )
        )
    return found
