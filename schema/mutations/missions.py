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
from schema.mutations.inputs import CatalogueMissionInput, MissionRecordInput, given


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


@strawberry.type(
    description="แก้ไขภารกิจในบัญชีแล้ว — a catalogue mission was edited or retired (the change log has it)."
)
class CatalogueMissionSaved:
    code: str
    version: int
    retired_on: dt.date | None


CatalogueMissionChangeResult = Annotated[
    CatalogueMissionSaved
    | Forbidden
    | NotFound
    | InvalidState
    | VersionConflict
    | ValidationFailed
    | ReasonRequired,
    strawberry.union("CatalogueMissionChangeResult"),
]


def _catalogue_saved(saved: missions.CatalogueMission) -> CatalogueMissionSaved:
    return CatalogueMissionSaved(
        code=saved.code, version=saved.version, retired_on=saved.retired_on
    )


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


@strawberry.mutation(
    description="แก้ไขภารกิจในบัญชี — DLA edits a catalogue mission (with the version it loaded); a "
    "retired mission is not edited."
)
@answers_refusals
async def update_catalogue_mission(
    info: Info, code: str, version: int, data: CatalogueMissionInput
) -> CatalogueMissionChangeResult:
    fields = given(data)
    area = fields.get("area")
    return _catalogue_saved(
        await missions.update_catalogue_mission(
            info.context.write_engine,
            info.context.identity,
            code=code,
            expected_version=version,
            name_th=fields.get("name_th"),
            name_en=fields.get("name_en"),
            area=MissionAreaEnum[area.value] if area is not None else None,
            agency_code=fields.get("agency_code"),
            given=frozenset(fields),
        )
    )


@strawberry.mutation(
    description="ยกเลิกภารกิจจากบัญชี — DLA retires a catalogue mission with a reason (from `retiredOn`, "
    "default today): LAOs no longer record it; the records they hold stay."
)
@answers_refusals
async def retire_catalogue_mission(
    info: Info, code: str, version: int, reason: str, retired_on: dt.date | None = None
) -> CatalogueMissionChangeResult:
    return _catalogue_saved(
        await missions.retire_catalogue_mission(
            info.context.write_engine,
            info.context.identity,
            code=code,
            expected_version=version,
            reason=reason,
            retired_on=retired_on,
        )
    )


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
