"""Transferred missions (INFO phase 2): agencies, DLA's catalogue and LAOs' records."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.context import Info
from schema.enums import MissionArea, MissionStatus, Role

if TYPE_CHECKING:
    from schema.lao import Lao


@strawberry.type(
    description="หน่วยงานผู้ถ่ายโอน — a government agency that transfers missions to LAOs."
)
class Agency:
    code: str = strawberry.field(description="รหัสหน่วยงาน — agency code.")
    name_th: str = strawberry.field(description="ชื่อหน่วยงาน — Thai name.")
    name_en: str = strawberry.field(description="English name.")
    ministry_th: str = strawberry.field(description="กระทรวง — ministry, in Thai.")
    ministry_en: str = strawberry.field(description="Ministry, in English.")

    @classmethod
    def from_row(cls, row: Any) -> Agency:
        return cls(
            code=row.code,
            name_th=row.name_th,
            name_en=row.name_en,
            ministry_th=row.ministry_th,
            ministry_en=row.ministry_en,
        )


@strawberry.type(
    description="ภารกิจในบัญชีของ สถ. — a mission in DLA's catalogue of transferred missions."
)
class Mission:
    agency_id: strawberry.Private[int]
    code: str = strawberry.field(description="รหัสภารกิจ — mission code.")
    name_th: str = strawberry.field(description="ชื่อภารกิจ — Thai name.")
    name_en: str | None = strawberry.field(description="English name, where known.")
    area: MissionArea = strawberry.field(description="ด้าน — area of the mission.")
    retired_on: dt.date | None = strawberry.field(
        description="ยกเลิกจากบัญชีเมื่อ — removed from the catalogue on."
    )

    @classmethod
    def from_row(cls, row: Any) -> Mission:
        return cls(
            agency_id=row.agency_id,
            code=row.code,
            name_th=row.name_th,
            name_en=row.name_en,
            area=row.area.name,
            retired_on=row.retired_on,
        )

    @strawberry.field(description="หน่วยงานผู้ถ่ายโอน — the transferring agency.")
    async def agency(self, info: Info) -> Agency:
        return Agency.from_row(await info.context.loaders.agency.load(self.agency_id))


@strawberry.type(
    description="ประวัติภารกิจถ่ายโอน — one event of an LAO's mission record: recorded, changed, cancelled."
)
class MissionEvent:
    at: dt.datetime = strawberry.field(description="วันเวลา — when.")
    status: MissionStatus = strawberry.field(description="สถานะหลังเหตุการณ์ — status after it.")
    detail: str | None = strawberry.field(
        description="รายละเอียด — `recorded`, `updated`, or the reason for a cancellation."
    )
    actor_role: Role | None = strawberry.field(description="บทบาทผู้ดำเนินการ — role of who did it.")


@strawberry.type(description="ภารกิจที่ อปท. ได้รับถ่ายโอน — what one LAO received of one mission.")
class LaoMission:
    lao_id: strawberry.Private[int]
    mission_id: strawberry.Private[int]
    agency_id: strawberry.Private[int]
    id: int = strawberry.field(description="เลขที่รายการ — record id (for updates).")
    received_on: dt.date = strawberry.field(description="วันที่รับถ่ายโอน — received since.")
    status: MissionStatus = strawberry.field(description="สถานะ — status.")
    budget_baht: float | None = strawberry.field(
        description="งบประมาณที่ได้รับ (บาท) — budget transferred, baht."
    )
    staff_transferred: int | None = strawberry.field(
        description="บุคลากรที่ถ่ายโอน (คน) — staff transferred."
    )
    assets: str | None = strawberry.field(description="ทรัพย์สินที่ถ่ายโอน — assets transferred.")
    note: str | None = strawberry.field(description="หมายเหตุ — note.")
    cancelled_on: dt.date | None = strawberry.field(description="วันที่ยกเลิก — cancelled on.")
    cancel_reason: str | None = strawberry.field(
        description="เหตุผลการยกเลิก — why it was cancelled."
    )
    version: int = strawberry.field(description="Version for optimistic concurrency.")

    @classmethod
    def from_row(cls, row: Any) -> LaoMission:
        return cls(
            id=row.id,
            lao_id=row.lao_id,
            mission_id=row.mission_id,
            agency_id=row.agency_id,
            received_on=row.received_on,
            status=row.status.name,
            budget_baht=row.budget_baht,
            staff_transferred=row.staff_transferred,
            assets=row.assets,
            note=row.note,
            cancelled_on=row.cancelled_on,
            cancel_reason=row.cancel_reason,
            version=row.version,
        )

    @strawberry.field(description="ภารกิจ — the mission in DLA's catalogue.")
    async def mission(self, info: Info) -> Mission:
        return Mission.from_row(await info.context.loaders.mission.load(self.mission_id))

    @strawberry.field(description="หน่วยงานผู้ถ่ายโอน — the agency it came from.")
    async def agency(self, info: Info) -> Agency:
        return Agency.from_row(await info.context.loaders.agency.load(self.agency_id))

    @strawberry.field(description="ประวัติ — what happened to the record, oldest first.")
    async def history(self, info: Info) -> list[MissionEvent]:
        rows = await info.context.loaders.events_of_lao_mission.load(self.id)
        return [
            MissionEvent(
                at=r.at,
                status=r.status.name,
                detail=r.detail,
                actor_role=r.actor_role.name if r.actor_role else None,
            )
            for r in rows
        ]

    @strawberry.field(description="อปท. — the LAO that received it.")
    async def lao(self, info: Info) -> Annotated[Lao, strawberry.lazy("schema.lao")]:
        from schema.lao import Lao

        return Lao.from_row(await info.context.loaders.lao.load(self.lao_id))
