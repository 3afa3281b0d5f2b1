"""Help on transferred missions: the LAO asks, its provincial office answers or escalates to
DLA, the LAO replies or closes (`hub.services.mission_help`, `hub.rules.mission_help`)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hub.rules.enums import MissionHelpAction as Action
from hub.services import mission_help
from hub.services.mission_help import HelpSaved
from schema.context import Info
from schema.enums import MissionHelpParty, MissionHelpStatus
from schema.mutations.errors import (
    Forbidden,
    InvalidState,
    NotFound,
    ValidationFailed,
    VersionConflict,
    answers_refusals,
)


@strawberry.type(description="บันทึกคำขอความช่วยเหลือแล้ว — a help request was opened or moved on.")
class MissionHelpUpdated:
    id: int
    status: MissionHelpStatus
    waiting_on: MissionHelpParty | None = strawberry.field(description="รอใคร — who acts next.")
    version: int


MissionHelpResult = Annotated[
    MissionHelpUpdated | Forbidden | NotFound | InvalidState | VersionConflict | ValidationFailed,
    strawberry.union("MissionHelpResult"),
]


def _updated(saved: HelpSaved) -> MissionHelpUpdated:
    return MissionHelpUpdated(
        id=saved.id,
        status=saved.status.name,
        waiting_on=saved.waiting_on.name if saved.waiting_on else None,
        version=saved.version,
    )


async def _act(
    info: Info, id: int, version: int, action: Action, text: str | None
) -> MissionHelpUpdated:
    return _updated(
        await mission_help.act(
            info.context.write_engine,
            info.context.identity,
            request_id=id,
            expected_version=version,
            action=action,
            text=text,
        )
    )


@strawberry.mutation(
    description="ขอความช่วยเหลือจากจังหวัด — the LAO's staff ask its provincial office for help with "
    "a mission record (`recordId`), a catalogue mission they cannot record (`missionCode`), or "
    "their missions in general."
)
@answers_refusals
async def ask_mission_help(
    info: Info,
    lao_code: str,
    subject: str,
    question: str,
    record_id: int | None = None,
    mission_code: str | None = None,
) -> MissionHelpResult:
    return _updated(
        await mission_help.ask(
            info.context.write_engine,
            info.context.identity,
            lao_code=lao_code,
            subject=subject,
            question=question,
            record_id=record_id,
            mission_code=mission_code,
        )
    )


@strawberry.mutation(
    description="ตอบคำขอ — the provincial office answers an open request; DLA an open or escalated one."
)
@answers_refusals
async def answer_mission_help(info: Info, id: int, version: int, answer: str) -> MissionHelpResult:
    return await _act(info, id, version, Action.ANSWER, answer)


@strawberry.mutation(
    description="ส่งต่อกรม — the provincial office escalates an open request to DLA, with a note."
)
@answers_refusals
async def escalate_mission_help(info: Info, id: int, version: int, note: str) -> MissionHelpResult:
    return await _act(info, id, version, Action.ESCALATE, note)


@strawberry.mutation(
    description="ตอบกลับ — the LAO adds to its request; a reply to an answer sends it back to who answered."
)
@answers_refusals
async def reply_mission_help(info: Info, id: int, version: int, message: str) -> MissionHelpResult:
    return await _act(info, id, version, Action.REPLY, message)


@strawberry.mutation(
    description="ปิดเรื่อง — the LAO or DLA closes a request (the provincial office too, unless it was "
    "escalated); closed is final."
)
@answers_refusals
async def close_mission_help(
    info: Info, id: int, version: int, note: str | None = None
) -> MissionHelpResult:
    return await _act(info, id, version, Action.CLOSE, note)
