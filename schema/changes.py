"""The changes feeds in GraphQL: `changes(kind:, after:, first:)` (README "Incremental sync").

A thin face over `hub.db.change_feed` and the rules of `hub.rules.change_feed`: a page holds
items of one kind, each the current value as the API's own type (`Lao`, `LaoYear`,
`WaterSupplySystem`, `TouristSite`, `LaoMission`, so its fields keep their guards and
batch through the request's loaders) or a tombstone (`removed`), and the cursor to go on
from. The type is a connection (`nodes` counted `first` times by the query-cost estimate).
"""

from __future__ import annotations

import enum
from typing import Any

import strawberry

from hub.db import change_feed
from hub.rules import change_feed as rules
from hub.rules.permissions import LaoPlace
from schema.context import Info
from schema.domains import RECORD_TYPES, record_from_row
from schema.lao import Lao
from schema.lao_year import LaoYear, lao_year_from_row
from schema.missions import LaoMission
from schema.pagination import PageInfo, page_size

WaterSupplySystem = RECORD_TYPES["water_supply_systems"]
TouristSite = RECORD_TYPES["tourist_sites"]


@strawberry.enum(description="ชนิดของรายการที่เปลี่ยน — what a changes feed carries.")
class ChangeKind(enum.Enum):
    LAO_PROFILE = strawberry.enum_value(
        "LAO_PROFILE", description="ข้อมูลพื้นฐาน อปท. — LAO profiles (`lao`)."
    )
    LAO_YEAR = strawberry.enum_value(
        "LAO_YEAR",
        description="ข้อมูลรายปี — LAO-years: sections, records, state, version (`laoYear`).",
    )
    CERTIFICATION = strawberry.enum_value(
        "CERTIFICATION",
        description="สถานะการรับรอง — LAO-years' certification states (`laoYear`).",
    )
    WATER_SUPPLY_SYSTEM = strawberry.enum_value(
        "WATER_SUPPLY_SYSTEM",
        description="ระบบประปาหมู่บ้าน — water-supply records, domain 5 (`waterSupplySystem`).",
    )
    TOURIST_SITE = strawberry.enum_value(
        "TOURIST_SITE", description="แหล่งท่องเที่ยว — tourist-site records, domain 8 (`touristSite`)."
    )
    MISSION_RECORD = strawberry.enum_value(
        "MISSION_RECORD",
        description="ภารกิจถ่ายโอน — transferred-mission records (`missionRecord`).",
    )


@strawberry.type(
    description="รายการที่เปลี่ยน — one item of a changes feed: its current value (the field of "
    "its kind), or a tombstone (`removed`: delete it, the caller may no longer see it)."
)
class Change:
    key: strawberry.ID = strawberry.field(
        description="รหัสรายการ — the item's identity within its feed (stable; upsert by it)."
    )
    removed: bool = strawberry.field(
        description="ลบออก — a tombstone: the item is gone, retired or no longer visible."
    )
    lao_code: str | None = strawberry.field(
        description="รหัส อปท. — the LAO the item belongs to (null when gone altogether)."
    )
    fiscal_year: int | None = strawberry.field(
        description="ปีงบประมาณ — the item's fiscal year (LAO-years and records)."
    )
    lao: Lao | None = strawberry.field(description="LAO_PROFILE: the profile.", default=None)
    lao_year: LaoYear | None = strawberry.field(  # type: ignore[valid-type]
        description="LAO_YEAR, CERTIFICATION: the LAO-year.", default=None
    )
    water_supply_system: WaterSupplySystem | None = strawberry.field(  # type: ignore[valid-type]
        description="WATER_SUPPLY_SYSTEM: the record.", default=None
    )
    tourist_site: TouristSite | None = strawberry.field(  # type: ignore[valid-type]
        description="TOURIST_SITE: the record.", default=None
    )
    mission_record: LaoMission | None = strawberry.field(
        description="MISSION_RECORD: the record.", default=None
    )


@strawberry.type(
    description="หน้าของรายการที่เปลี่ยน — a page of a changes feed. Keep `pageInfo.endCursor` "
    "and pass it as `after` next time: while `hasNextPage` there is more to read now; once "
    "false, the caller is up to date and polls later with the same cursor."
)
class ChangeConnection:
    kind: ChangeKind = strawberry.field(description="The feed.")
    baseline: bool = strawberry.field(
        description="Whether this page is part of the initial full listing (the baseline)."
    )
    nodes: list[Change] = strawberry.field(description="The page's items.")
    page_info: PageInfo = strawberry.field(
        description="`endCursor`: where to go on from (never null)."
    )


def _value(kind: rules.Kind, row: Any) -> dict[str, Any]:
    """The item's value as the field of its kind."""
    if kind is rules.Kind.LAO_PROFILE:
        return {"lao": Lao.from_row(row)}
    if kind is rules.Kind.MISSION_RECORD:
        return {"mission_record": LaoMission.from_row(row)}
    if kind in (rules.Kind.LAO_YEAR, rules.Kind.CERTIFICATION):
        place = LaoPlace(row.lao_id, row.lao_type, row.district_id, row.province_id)
        return {"lao_year": lao_year_from_row(row, place)}
    name = rules.RECORD_KINDS[kind]
    field = "water_supply_system" if name == "water_supply_systems" else "tourist_site"
    return {field: record_from_row(name, row)}


async def changes(
    info: Info, kind: ChangeKind, after: str | None = None, first: int | None = None
) -> ChangeConnection:
    identity = info.context.identity
    feed = rules.Kind(kind.value)
    size = page_size(first)
    rules.check_readable(identity, feed)
    now = int(info.context.now.timestamp())
    position = None
    if after is not None:
        position = rules.decode(after, feed, identity)
        rules.check_fresh(position, now, info.context.settings.changes_retention_days, after)
    try:
        async with info.context.engine.connect() as conn:
            page = await change_feed.read_page(conn, identity, feed, position, size, now)
    except change_feed.BeyondHead:
        raise rules.not_ours(
            after or "",
            "it points past the change log's end",
            "ชี้เลยจุดสิ้นสุดของบันทึกการเปลี่ยนแปลง",
        ) from None
    nodes = [
        Change(
            key=strawberry.ID(str(item.key)),
            removed=item.removed,
            lao_code=item.lao_code,
            fiscal_year=item.fiscal_year,
            **(_value(feed, item.row) if item.row is not None else {}),
        )
        for item in page.items
    ]
    cursor = rules.encode(page.position)
    return ChangeConnection(
        kind=kind,
        baseline=position is None or position.baseline,
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=page.has_more,
            has_previous_page=after is not None,
            start_cursor=after,
            end_cursor=cursor,
        ),
    )
