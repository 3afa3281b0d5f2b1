"""Transferred missions rolled up for budget allocation: one grouped SQL statement per roll-up.

What counts is `hub.rules.missions`' (records LAOs hold: ACTIVE or CHANGED, unless cancelled
ones are asked for too). Groups are any combination of the agency a record came from, the
mission's area, the LAO's province and the mission itself (none: one row for everything);
each row has the records, the distinct LAOs and missions, and the sums of budget, staff and
asset value with how many records state each, since an unknown figure is not a zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.models import Agency, Lao, LaoMission, Mission, Province
from hub.rules.enums import MissionArea, MissionRollupKey
from hub.rules.missions import HELD_STATUSES

_records = LaoMission.__table__
_missions = Mission.__table__
_laos = Lao.__table__

# The column each grouping key stands for.
KEY_COLUMNS: dict[MissionRollupKey, Any] = {
    MissionRollupKey.AGENCY: _records.c.agency_id,
    MissionRollupKey.AREA: _missions.c.area,
    MissionRollupKey.PROVINCE: _laos.c.province_id,
    MissionRollupKey.MISSION: _records.c.mission_id,
}


@dataclass(frozen=True)
class MissionRollupRow:
    agency_id: int | None  # set when grouped by AGENCY, and so on
    area: MissionArea | None
    province_id: int | None
    mission_id: int | None
    records: int
    laos: int
    missions: int
    budget_baht: float | None
    records_with_budget: int
    staff_transferred: int | None
    records_with_staff: int
    asset_value_baht: float | None
    records_with_assets: int  # records stating assets (a description or a value)


async def mission_rollup(
    conn: AsyncConnection,
    group_by: Sequence[MissionRollupKey] = (),
    *,
    province_code: str | None = None,
    agency_code: str | None = None,
    area: MissionArea | None = None,
    include_cancelled: bool = False,
) -> list[MissionRollupRow]:
    """The roll-up grouped by `group_by` (in that order, each key once), narrowed by the
    filters; rows ordered by their keys. One statement."""
    keys = list(dict.fromkeys(group_by))
    where: list[ColumnElement[bool]] = []
    if not include_cancelled:
        where.append(_records.c.status.in_(HELD_STATUSES))
    source: Any = _records.join(_missions, _missions.c.id == _records.c.mission_id).join(
        _laos, _laos.c.id == _records.c.lao_id
    )
    if province_code is not None:
        source = source.join(Province, Province.id == _laos.c.province_id)
        where.append(Province.code == province_code)
    if agency_code is not None:
        source = source.join(Agency, Agency.id == _records.c.agency_id)
        where.append(Agency.code == agency_code)
    if area is not None:
        where.append(_missions.c.area == area)
    columns = [KEY_COLUMNS[k].label(k.name.lower()) for k in keys]
    has_assets = or_(_records.c.assets.is_not(None), _records.c.asset_value_baht.is_not(None))
    statement = (
        select(
            *columns,
            func.count().label("records"),
            func.count(_records.c.lao_id.distinct()).label("laos"),
            func.count(_records.c.mission_id.distinct()).label("missions"),
            func.sum(_records.c.budget_baht).label("budget_baht"),
            func.count(_records.c.budget_baht).label("records_with_budget"),
            func.sum(_records.c.staff_transferred).label("staff_transferred"),
            func.count(_records.c.staff_transferred).label("records_with_staff"),
            func.sum(_records.c.asset_value_baht).label("asset_value_baht"),
            func.count(case((has_assets, 1))).label("records_with_assets"),
        )
        .select_from(source)
        .where(*where)
        .group_by(*(KEY_COLUMNS[k] for k in keys))
        .order_by(*(KEY_COLUMNS[k] for k in keys))
    )
    rows = []
    for row in (await conn.execute(statement)).mappings():
        area_value = row.get("area")
        rows.append(
            MissionRollupRow(
                agency_id=row.get("agency"),
                area=MissionArea[area_value] if isinstance(area_value, str) else area_value,
                province_id=row.get("province"),
                mission_id=row.get("mission"),
                records=int(row["records"]),
                laos=int(row["laos"]),
                missions=int(row["missions"]),
                budget_baht=_float(row["budget_baht"]),
                records_with_budget=int(row["records_with_budget"]),
                staff_transferred=int(row["staff_transferred"])
                if row["staff_transferred"] is not None
                else None,
                records_with_staff=int(row["records_with_staff"]),
                asset_value_baht=_float(row["asset_value_baht"]),
                records_with_assets=int(row["records_with_assets"]),
            )
        )
    return rows


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None
