"""How many LAO-years stand in each certification state, per province and district, kept
current in the transaction that moves a state: an area's certification progress is a few
rows where it grouped every LAO of the country joined to its LAO-year.

DRAFT is not counted: it is the area's other LAOs, with a LAO-year in DRAFT or without one
for the year, as `hub.db.rollups` has always counted them. The truth stays
`lao_years.state`; these counts are derived from it. Writers: the certification service
moves a state (`moved`); writers of LAO-years in bulk (the demo, a historical year's import)
call `rebuild`. A new LAO-year starts in DRAFT and moves nothing. `verify` compares the counts
with `lao_years` and `hub rollups verify` runs it.

Concurrency: a move locks its count rows in key order (made at zero when missing), as
`hub.db.lpa_tallies` does, and moves them by one; SQLite has one writer at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, and_, delete, func, insert, literal, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import insert_ignoring_duplicates
from hub.db.models import CertificationCount, Lao, LaoYear
from hub.rules.enums import Breakdown, CertificationState

_counts = cast(Table, CertificationCount.__table__)
_laos = Lao.__table__
_lao_years = LaoYear.__table__

COUNTED = tuple(s for s in CertificationState if s is not CertificationState.DRAFT)

# (fiscal year, level, area, state name)
Key = tuple[int, str, int, str]


async def moved(
    conn: AsyncConnection,
    lao_year_id: int,
    before: CertificationState,
    after: CertificationState,
) -> None:
    """The LAO-year's state moved from `before` to `after`: count it out and in, in its
    province and its district."""
    if before is after:
        return
    place = (
        await conn.execute(
            select(_lao_years.c.fiscal_year, _laos.c.province_id, _laos.c.district_id)
            .join(_laos, _laos.c.id == _lao_years.c.lao_id)
            .where(_lao_years.c.id == lao_year_id)
        )
    ).one()
    steps: dict[Key, tuple[int, int]] = {}
    for state, step in ((before, -1), (after, +1)):
        if state is CertificationState.DRAFT:
            continue
        for level, area in (("province", place.province_id), ("district", place.district_id)):
            steps[(place.fiscal_year, level, area, state.name)] = (place.province_id, step)
    counted = sorted(steps.items())
    await conn.execute(
        insert_ignoring_duplicates(conn, _counts),
        [
            {
                "fiscal_year": year,
                "level": level,
                "area_id": area,
                "state": name,
                "province_id": province,
                "laos": 0,
            }
            for (year, level, area, name), (province, _) in counted
        ],
    )
    for (year, level, area, name), (_, step) in counted:
        where = and_(
            _counts.c.fiscal_year == year,
            _counts.c.level == level,
            _counts.c.area_id == area,
            _counts.c.state == name,
        )
        row_id = (
            await conn.execute(select(_counts.c.id).where(where).with_for_update())
        ).scalar_one()
        await conn.execute(
            update(_counts).where(_counts.c.id == row_id).values(laos=_counts.c.laos + step)
        )


def _grouped(fiscal_year: int, level: str) -> Any:
    """The LAO-years of the year per (area, province, state), from `lao_years` itself."""
    area = _laos.c.district_id if level == "district" else _laos.c.province_id
    return (
        select(
            literal(fiscal_year).label("fiscal_year"),
            literal(level).label("level"),
            area.label("area_id"),
            _laos.c.province_id,
            _lao_years.c.state,
            func.count().label("laos"),
        )
        .select_from(_lao_years.join(_laos, _laos.c.id == _lao_years.c.lao_id))
        .where(
            _lao_years.c.fiscal_year == fiscal_year,
            _lao_years.c.state != CertificationState.DRAFT,
        )
        .group_by(area, _laos.c.province_id, _lao_years.c.state)
    )


async def rebuild(conn: AsyncConnection, fiscal_years: Iterable[int]) -> None:
    """Count the years' LAO-years per state afresh (after they were written in bulk)."""
    for year in sorted(set(fiscal_years)):
        await conn.execute(delete(_counts).where(_counts.c.fiscal_year == year))
        for level in ("province", "district"):
            rows = (await conn.execute(_grouped(year, level))).all()
            if rows:
                await conn.execute(
                    insert(_counts),
                    [
                        {
                            "fiscal_year": year,
                            "level": level,
                            "area_id": r.area_id,
                            "province_id": r.province_id,
                            "state": CertificationState(r.state).name,
                            "laos": r.laos,
                        }
                        for r in rows
                    ],
                )


async def verify(conn: AsyncConnection) -> list[str]:
    """The counts against `lao_years`: the differences (none when all is current)."""
    found: list[str] = []
    years = (await conn.execute(select(_lao_years.c.fiscal_year).distinct())).scalars()
    for year in sorted(years):
        for level in ("province", "district"):
            actual = {
                (r.area_id, CertificationState(r.state).name): int(r.laos)
                for r in await conn.execute(_grouped(year, level))
            }
            kept = {
                (r.area_id, r.state): int(r.laos)
                for r in await conn.execute(
                    select(_counts).where(_counts.c.fiscal_year == year, _counts.c.level == level)
                )
            }
            for key in sorted(set(actual) | set(kept)):
                if actual.get(key, 0) != kept.get(key, 0):
                    found.append(
                        f"certification count {year} {level} {key[0]} {key[1]}: kept "
                        f"{kept.get(key, 0)}, the LAO-years give {actual.get(key, 0)}"
                    )
    return found


async def progress(
    conn: AsyncConnection,
    fiscal_year: int,
    by: Breakdown = "province",
    province_id: int | None = None,
) -> dict[int | None, dict[CertificationState, int]]:
    """How many LAOs are in each certification state now, per key (None: the nation; a
    province or district id): the counts, DRAFT the rest of the area's LAOs. Every key
    with LAOs is present. One statement."""
    if by not in ("nation", "province", "district"):
        raise ValueError(f"roll-up by {by!r}: expected nation, province or district")
    level = "district" if by == "district" else "province"
    area = _laos.c.district_id if by == "district" else _laos.c.province_id
    counted = select(_counts.c.area_id, _counts.c.state, _counts.c.laos).where(
        _counts.c.fiscal_year == fiscal_year, _counts.c.level == level
    )
    # Each area's LAOs, in the same statement, under the state name "".
    laos = select(area, literal(""), func.count()).group_by(area)
    if province_id is not None:
        counted = counted.where(_counts.c.province_id == province_id)
        laos = laos.where(_laos.c.province_id == province_id)
    rows = (await conn.execute(union_all(laos, counted))).all()
    per_area: dict[int, dict[CertificationState, int]] = {
        int(a): dict.fromkeys(CertificationState, 0) | {CertificationState.DRAFT: int(n)}
        for a, state, n in rows
        if state == ""
    }
    for a, state, n in rows:
        if state != "" and n and a in per_area:
            per_area[a][CertificationState[state]] += int(n)
            per_area[a][CertificationState.DRAFT] -= int(n)
    if by != "nation":
        return {a: counts for a, counts in per_area.items()}
    if not per_area:
        return {}
    nation = dict.fromkeys(CertificationState, 0)
    for counts in per_area.values():
        for state, n in counts.items():
            nation[state] += n
    return {None: nation}
