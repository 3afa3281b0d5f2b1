"""KPI-16 coverage in SQL: `hub.rules.kpi16`'s matching rule over a whole round at once.

One statement per call, grouped by the breakdown asked for (the nation, provinces or
districts); the rate and whether the target is met are `hub.rules.kpi16`'s.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.models import RECORD_TABLES, Kpi16Reference, Kpi16Round, Lao, LaoYear
from hub.rules.enums import Breakdown
from hub.rules.kpi16 import Coverage


async def coverage(
    conn: AsyncConnection,
    round_id: int,
    by: Breakdown = "nation",
    province_id: int | None = None,
) -> dict[int | None, Coverage]:
    """KPI-16 coverage of a round, keyed by None (nation), province id or district id.

    `province_id` restricts any breakdown to one province. Keys are those with reference
    systems; the nation key is present whenever the round exists (with zeros when its list
    is empty). An unknown round gives {}. One SQL statement.
    """
    rounds = Kpi16Round.__table__
    refs = Kpi16Reference.__table__
    laos = Lao.__table__
    lao_years = LaoYear.__table__
    water = RECORD_TABLES["water_supply_systems"]

    # The round's live water-supply rows, one per reference code: checked = 1 when any of
    # them was checked since the round opened. Joined to the references by code (a hash
    # join: dla_reference_code need not be indexed).
    matched_round = rounds.alias("matched_round")
    matched = (
        select(
            water.c.dla_reference_code.label("code"),
            func.max(
                case((water.c.last_checked_on >= matched_round.c.opened_on, 1), else_=0)
            ).label("checked"),
        )
        .select_from(
            water.join(lao_years, lao_years.c.id == water.c.lao_year_id).join(
                matched_round, matched_round.c.fiscal_year == lao_years.c.fiscal_year
            )
        )
        .where(
            matched_round.c.id == round_id,
            water.c.retired_on.is_(None),
            water.c.dla_reference_code.is_not(None),
        )
        .group_by(water.c.dla_reference_code)
        .subquery("matched")
    )

    on_reference = refs.c.round_id == rounds.c.id
    if province_id is not None:
        on_reference = and_(on_reference, refs.c.province_id == province_id)
    keys: list[ColumnElement[Any]]
    source: Any
    if by == "nation":  # outer join: an empty list still gives the nation row
        keys, source = [], rounds.outerjoin(refs, on_reference)
    elif by == "province":
        keys, source = [refs.c.province_id], rounds.join(refs, on_reference)
    elif by == "district":
        keys = [laos.c.district_id]
        source = rounds.join(refs, on_reference).join(laos, laos.c.id == refs.c.lao_id)
    else:
        raise ValueError(f"coverage by {by!r}: expected nation, province or district")

    statement = (
        select(
            *(k.label("key") for k in keys),
            func.count(refs.c.id).label("reference_systems"),
            func.count(matched.c.code).label("recorded"),
            func.count(case((matched.c.checked == 1, 1))).label("checked"),
            func.max(rounds.c.target_percent).label("target_percent"),
        )
        .select_from(source.outerjoin(matched, matched.c.code == refs.c.reference_code))
        .where(rounds.c.id == round_id)
        .group_by(*keys)
    )

    result: dict[int | None, Coverage] = {}
    for row in (await conn.execute(statement)).mappings():
        if row["target_percent"] is None:  # the nation row of an unknown round
            continue
        result[int(row["key"]) if keys else None] = Coverage.of(
            int(row["reference_systems"]),
            int(row["recorded"]),
            int(row["checked"]),
            float(row["target_percent"]),
        )
    return result
