"""Transferred missions: DLA's catalogue, and each LAO's records of the missions it received
(`hub.services.missions`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry

from hub.rules.enums import MissionArea as MissionAreaEnum
from hub.services import missions
from hub.services.missions import MissionRecordSaved as Saved
from schema.context import Info
from schema.enums import MissionArea, MissionStatus
from schema.mutations.errors import (
    Forbidden,
    InvalidState,
    NotFound,
    ReasonRequired,
    ValidationFailed,
    VersionConflict,
    answers_refusals,
)
from schema.mutations.inputs import MissionRecordInput, given


@strawberry.type(description="บันทึกภารกิจแล้ว — a transferred-mission record was saved.")
class MissionRecordSaved:
    id: int
    status: MissionStatus
    version: int


@strawberry.type(description="เพิ่มภารกิจในบัญชีแล้ว — a mission was added to DLA's catalogue.")
class CatalogueMissionAdded:
    code: str


MissionRecordResult = Annotated[
    MissionRecordSaved
    | Forbidden
    | NotFound
    | InvalidState
    | VersionConflict
    | ValidationFailed
    | ReasonRequired,
    strawberry.union("MissionRecordResult"),
]
CatalogueMissionResult = Annotated[
    CatalogueMissionAdded | Forbidden | NotFound | InvalidState | ValidationFailed,
    strawberry.union("CatalogueMissionResult"),
]


def _saved(saved: Saved) -> MissionRecordSaved:
    return MissionRecordSaved(id=saved.id, status=saved.status.name, version=saved.version)


async def _change(
    info: Info, id: int, version: int, values: dict[str, Any], **cancel: Any
) -> MissionRecordSaved:
    return _saved(
        await missions.change_mission(
            info.context.write_engine,
            info.context.identity,
            record_id=id,
            expected_version=version,
            values=values,
            **cancel,
        )
    )


@strawberry.mutation(description="เพิ่มภารกิจในบัญชี — DLA adds a mission to the catalogue.")
@answers_refusals
async def add_catalogue_mission(
    info: Info,
    code: str,
    name_th: str,
    area: MissionArea,
    agency_code: str,
    name_en: str | None = None,
) -> CatalogueMissionResult:
    added = await missions.add_catalogue_mission(
        info.context.write_engine,
        info.context.identity,
        code=code,
        name_th=name_th,
        area=MissionAreaEnum[area.value],
        agency_code=agency_code,
        name_en=name_en,
    )
    return CatalogueMissionAdded(code=added.code)


@strawberry.mutation(description="บันทึกภารกิจที่ได้รับถ่ายโอน — the LAO records a mission it received.")
@answers_refusals
async def record_transferred_mission(
    info: Info, lao_code: str, mission_code: str, data: MissionRecordInput
) -> MissionRecordResult:
    return _saved(
        await missions.record_mission(
            info.context.write_engine,
            info.context.identity,
            lao_code=lao_code,
            mission_code=mission_code,
            **given(data),
        )
    )


@strawberry.mutation(
    description="แก้ไขภารกิจถ่ายโอน — update a mission record (it becomes CHANGED; history kept)."
)
@answers_refusals
async def update_transferred_mission(
    info: Info, id: int, version: int, data: MissionRecordInput
) -> MissionRecordResult:
    return await _change(info, id, version, given(data))


@strawberry.mutation(
    description="ยกเลิกภารกิจถ่ายโอน — cancel a mission record with a date and reason; the record is kept."
)
@answers_refusals
async def cancel_transferred_mission(
    info: Info, id: int, version: int, reason: str, cancelled_on: dt.date | None = None
) -> MissionRecordResult:
    return await _change(info, id, version, {}, cancel_reason=reason, cancelled_on=cancelled_on)
