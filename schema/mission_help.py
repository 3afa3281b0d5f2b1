"""Help requests on transferred missions: an LAO's thread with its provincial office and DLA
(`hub.rules.mission_help`; rows: the LAOs the caller covers, `hub.db.visibility`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema import shapes
from schema.context import Info
from schema.enums import MissionHelpAction, MissionHelpParty, MissionHelpStatus, Role

if TYPE_CHECKING:
    from schema.lao import Lao
    from schema.missions import LaoMission, Mission


@strawberry.type(description="ข้อความในคำขอ — one step of a help request: who, what, when.")
class MissionHelpMessage:
    at: dt.datetime
    action: MissionHelpAction
    party: MissionHelpParty = strawberry.field(description="ฝ่าย — the LAO, the province or DLA.")
    body: str | None = strawberry.field(description="ข้อความ — the question, answer or note.")
    author_role: Role | None
    author_name: str | None = strawberry.field(description="ผู้เขียน — who wrote it.")

    @classmethod
    def from_row(cls, row: Any) -> MissionHelpMessage:
        """From a row with the table's columns and `author_name` (`shapes.MISSION_HELP_MESSAGE`)."""
        return cls(**shapes.MISSION_HELP_MESSAGE.python_values(row), author_name=row.author_name)


@strawberry.type(
    description="คำขอความช่วยเหลือเรื่องภารกิจถ่ายโอน — an LAO's request to its provincial office for "
    "help with its transferred missions (escalated to DLA when the province cannot solve it)."
)
class MissionHelpRequest:
    lao_id: strawberry.Private[int]
    lao_mission_id: strawberry.Private[int | None]
    mission_id: strawberry.Private[int | None]
    id: int
    subject: str = strawberry.field(description="เรื่อง — subject.")
    status: MissionHelpStatus
    waiting_on: MissionHelpParty | None = strawberry.field(
        description="รอใคร — who must act next (null once closed)."
    )
    opened_at: dt.datetime
    updated_at: dt.datetime
    escalated_at: dt.datetime | None = strawberry.field(
        description="ส่งต่อกรมเมื่อ — when the province escalated it to DLA."
    )
    closed_at: dt.datetime | None
    version: int = strawberry.field(description="Send it back with the next step.")

    @classmethod
    def from_row(cls, row: Any) -> MissionHelpRequest:
        return cls(
            **shapes.MISSION_HELP_REQUEST.python_values(row),
            lao_id=row.lao_id,
            lao_mission_id=row.lao_mission_id,
            mission_id=row.mission_id,
        )

    @strawberry.field(description="อปท. — the LAO asking.")
    async def lao(self, info: Info) -> Annotated[Lao, strawberry.lazy("schema.lao")]:
        from schema.lao import Lao

        return Lao.from_row(await info.context.loaders.lao.load(self.lao_id))

    @strawberry.field(description="รายการภารกิจ — the mission record it is about, if any.")
    async def mission_record(
        self, info: Info
    ) -> Annotated[LaoMission, strawberry.lazy("schema.missions")] | None:
        from schema.missions import LaoMission

        if self.lao_mission_id is None:
            return None
        row = await info.context.loaders.lao_mission.load(self.lao_mission_id)
        return LaoMission.from_row(row) if row is not None else None

    @strawberry.field(description="ภารกิจ — the catalogue mission it is about, if any.")
    async def mission(
        self, info: Info
    ) -> Annotated[Mission, strawberry.lazy("schema.missions")] | None:
        from schema.missions import Mission

        if self.mission_id is None:
            return None
        return Mission.from_row(await info.context.loaders.mission.load(self.mission_id))

    @strawberry.field(description="ข้อความ — every step, oldest first.")
    async def messages(self, info: Info) -> list[MissionHelpMessage]:
        rows = await info.context.loaders.help_messages.load(self.id)
        return [MissionHelpMessage.from_row(r) for r in rows]


@strawberry.input(description="ตัวกรองคำขอความช่วยเหลือ — filters for `missionHelpRequests`.")
class MissionHelpFilter:
    status: MissionHelpStatus | None = None
    waiting_on: MissionHelpParty | None = strawberry.field(
        default=None,
        description="PROVINCE: a provincial office's open requests; DLA: the escalated ones; "
        "LAO: answered, for the LAO to reply or close.",
    )
    province_code: str | None = None
    lao_code: str | None = None
