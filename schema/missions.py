"""Transferred missions (INFO phase 2): agencies, DLA's catalogue and LAOs' records."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from hub.db.mission_rollups import MissionRollupRow as RollupRow
from hub.rules.permissions import LaoPlace
from schema import shapes
from schema.context import Info
from schema.enums import MissionArea, MissionStatus, Role
from schema.geography import Province
from schema.permissions import MissionHelpOfRecord, PersonalData, guarded

if TYPE_CHECKING:
    from schema.lao import Lao
    from schema.mission_help import MissionHelpRequest


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
        return cls(**shapes.AGENCY.python_values(row))


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
    retired_reason: str | None = strawberry.field(
        description="เหตุผลที่ยกเลิกจากบัญชี — why DLA retired it."
    )
    version: int = strawberry.field(
        description="Version for optimistic concurrency: send it back with DLA's edits."
    )

    @classmethod
    def from_row(cls, row: Any) -> Mission:
        return cls(agency_id=row.agency_id, **shapes.MISSION.python_values(row))

    @strawberry.field(description="หน่วยงานผู้ถ่ายโอน — the transferring agency.")
    async def agency(self, info: Info) -> Agency:
        return Agency.from_row(await info.context.loaders.agency.load(self.agency_id))


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
    asset_value_baht: float | None = strawberry.field(
        description="มูลค่าทรัพย์สินที่ถ่ายโอน (บาท) — value of the assets transferred, baht."
    )
    note: str | None = strawberry.field(description="หมายเหตุ — note.")
    cancelled_on: dt.date | None = strawberry.field(description="วันที่ยกเลิก — cancelled on.")
    cancel_reason: str | None = strawberry.field(
        description="เหตุผลการยกเลิก — why it was cancelled."
    )
    version: int = strawberry.field(description="Version for optimistic concurrency.")

    @classmethod
    def from_row(cls, row: Any) -> LaoMission:
        return cls(
            lao_id=row.lao_id,
            mission_id=row.mission_id,
            agency_id=row.agency_id,
            **shapes.LAO_MISSION.python_values(row),
        )

    @strawberry.field(description="ภารกิจ — the mission in DLA's catalogue.")
    async def mission(self, info: Info) -> Mission:
        return Mission.from_row(await info.context.loaders.mission.load(self.mission_id))

    @strawberry.field(description="หน่วยงานผู้ถ่ายโอน — the agency it came from.")
    async def agency(self, info: Info) -> Agency:
        return Agency.from_row(await info.context.loaders.agency.load(self.agency_id))

    @strawberry.field(description="อปท. — the LAO that received it.")
    async def lao(self, info: Info) -> Annotated[Lao, strawberry.lazy("schema.lao")]:
        from schema.lao import Lao

        return Lao.from_row(await info.context.loaders.lao.load(self.lao_id))

    @strawberry.field(
        description="ประวัติรายการ — the record's own history, oldest first: recorded, each update "
        "with what it changed, the cancellation. Readable by whoever reads the record."
    )
    async def history(self, info: Info) -> list[MissionRecordEvent]:
        lao = await info.context.loaders.lao.load(self.lao_id)
        place = LaoPlace(lao.id, lao.type, lao.district_id, lao.province_id)
        rows = await info.context.loaders.events_of_mission.load(self.id)
        return [MissionRecordEvent.from_row(r, place) for r in rows]

    @strawberry.field(
        description="คำขอความช่วยเหลือ — the LAO's help requests about this record.",
        extensions=guarded(MissionHelpOfRecord()),
    )
    async def help_requests(
        self, info: Info
    ) -> list[Annotated[MissionHelpRequest, strawberry.lazy("schema.mission_help")]] | None:
        from schema.mission_help import MissionHelpRequest

        rows = await info.context.loaders.help_requests_of_record.load(self.id)
        return [MissionHelpRequest.from_row(r) for r in rows]


@strawberry.type(description="ประวัติรายการภารกิจ — one event of a mission record's history.")
class MissionRecordEvent:
    lao_place: strawberry.Private[LaoPlace]
    actor_display_name: strawberry.Private[str | None]
    at: dt.datetime = strawberry.field(description="วันเวลา — when.")
    status: MissionStatus = strawberry.field(description="สถานะหลังเหตุการณ์ — status after it.")
    detail: str | None = strawberry.field(
        description="รายละเอียด — recorded, updated, or the cancellation reason."
    )
    changes: JSON | None = strawberry.field(
        description="{field: [before, after]} for what it changed, by the record's API field "
        "names; null for events recorded before changes were kept."
    )
    actor_role: Role | None = strawberry.field(description="บทบาทผู้ดำเนินการ — role of who did it.")

    @classmethod
    def from_row(cls, row: Any, place: LaoPlace) -> MissionRecordEvent:
        return cls(
            lao_place=place,
            actor_display_name=row.actor_display_name,
            **shapes.MISSION_EVENT.python_values(row),
        )

    @strawberry.field(
        description="ผู้ดำเนินการ — who did it (personal data).", extensions=guarded(PersonalData())
    )
    def actor_name(self) -> str | None:
        return self.actor_display_name


@strawberry.type(
    description="สรุปภารกิจถ่ายโอน — one group of a roll-up for budget allocation: the missions LAOs "
    "hold, how many LAOs, and what came with them. Group keys not asked for are null."
)
class MissionRollupRow:
    agency_id: strawberry.Private[int | None]
    province_id: strawberry.Private[int | None]
    mission_id: strawberry.Private[int | None]
    area: MissionArea | None = strawberry.field(description="ด้าน — when grouped by AREA.")
    records: int = strawberry.field(description="รายการ — LAO mission records.")
    laos: int = strawberry.field(description="จำนวน อปท. — distinct LAOs.")
    missions: int = strawberry.field(description="จำนวนภารกิจ — distinct catalogue missions.")
    budget_baht: float | None = strawberry.field(description="งบประมาณรวม (บาท) — sum, baht.")
    records_with_budget: int = strawberry.field(description="รายการที่ระบุงบประมาณ.")
    staff_transferred: int | None = strawberry.field(description="บุคลากรรวม (คน).")
    records_with_staff: int = strawberry.field(description="รายการที่ระบุบุคลากร.")
    asset_value_baht: float | None = strawberry.field(description="มูลค่าทรัพย์สินรวม (บาท).")
    records_with_assets: int = strawberry.field(
        description="รายการที่ระบุทรัพย์สิน — records stating assets (a description or a value)."
    )

    @classmethod
    def from_rollup(cls, row: RollupRow) -> MissionRollupRow:
        return cls(
            agency_id=row.agency_id,
            province_id=row.province_id,
            mission_id=row.mission_id,
            area=row.area.name if row.area else None,
            records=row.records,
            laos=row.laos,
            missions=row.missions,
            budget_baht=row.budget_baht,
            records_with_budget=row.records_with_budget,
            staff_transferred=row.staff_transferred,
            records_with_staff=row.records_with_staff,
            asset_value_baht=row.asset_value_baht,
            records_with_assets=row.records_with_assets,
        )

    @strawberry.field(description="หน่วยงานผู้ถ่ายโอน — when grouped by AGENCY.")
    async def agency(self, info: Info) -> Agency | None:
        if self.agency_id is None:
            return None
        return Agency.from_row(await info.context.loaders.agency.load(self.agency_id))

    @strawberry.field(description="จังหวัด — when grouped by PROVINCE.")
    async def province(self, info: Info) -> Province | None:
        if self.province_id is None:
            return None
        return Province.from_row(await info.context.loaders.province.load(self.province_id))

    @strawberry.field(description="ภารกิจ — when grouped by MISSION.")
    async def mission(self, info: Info) -> Mission | None:
        if self.mission_id is None:
            return None
        return Mission.from_row(await info.context.loaders.mission.load(self.mission_id))
