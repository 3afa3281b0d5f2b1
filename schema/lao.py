"""LAO profiles: identity, dated codes and types, address, people (personal data), years."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy import func, select
from strawberry.scalars import JSON

from hub.db.models import ChangeLogEntry as ChangeLogRow
from hub.rules import permissions
from hub.rules.permissions import LaoPlace
from schema import shapes
from schema.context import Info
from schema.enums import LaoSize, LaoType, Role
from schema.geography import District, Province, Subdistrict
from schema.lao_registry import (
    LaoAsOf,
    LaoMerger,
    LaoNamePeriod,
    absorbed,
    lao_as_of,
    merged_into,
    name_periods,
)
from schema.lao_year import LaoYear, lao_year_from_row
from schema.loaders import fetch_all
from schema.pagination import Connection, build_connection, decode_cursor, page_size
from schema.permissions import ChangeHistory, MissionsData, PersonalData, guarded


@strawberry.type(description="รหัส อปท. ในช่วงเวลาหนึ่ง — a DLA code the LAO held, and when.")
class LaoCodePeriod:
    code: str
    valid_from: dt.date = strawberry.field(description="ใช้ตั้งแต่ — first day.")
    valid_to: dt.date | None = strawberry.field(
        description="ใช้ถึง (ไม่รวม) — end, exclusive; null while current."
    )


@strawberry.type(
    description="ประเภท อปท. ในช่วงเวลาหนึ่ง — a type the LAO had, and when (e.g. SAO upgraded)."
)
class LaoTypePeriod:
    type: LaoType
    valid_from: dt.date
    valid_to: dt.date | None


@strawberry.type(
    description="ผู้ติดต่อ — a data recorder or INFO administrator of the LAO (personal data)."
)
class LaoContact:
    slot: int = strawberry.field(description="ลำดับ — slot number (recorders have slots 1 and 2).")
    name: str = strawberry.field(description="ชื่อ-สกุล — full name.")
    position: str | None = strawberry.field(description="ตำแหน่ง — position.")
    phone: str | None = strawberry.field(description="โทรศัพท์ — phone number.")
    email: str | None = strawberry.field(description="อีเมล — e-mail address.")


def _contacts(rows: list[Any], field_name: str) -> list[LaoContact]:
    """The contacts of the kind the list `field_name` holds (`shapes.CONTACT_KINDS`)."""
    kind = shapes.CONTACT_KINDS[field_name]
    return [LaoContact(**shapes.LAO_CONTACT.python_values(r)) for r in rows if r.kind is kind]


@strawberry.type(
    description="รายการประวัติการแก้ไข — one change-log entry (hash-chained; `hub audit verify` checks the chain)."
)
class ChangeLogEntry:
    id: int
    at: dt.datetime = strawberry.field(description="วันเวลา — when.")
    entity: str = strawberry.field(
        description="What was changed: a table such as domain1_health_environment."
    )
    entity_id: str
    action: str = strawberry.field(
        description="save, add, update, retire, certify_lao, cancel_lao, …"
    )
    changes: JSON = strawberry.field(
        description="{field: [before, after]} for every field that changed."
    )
    reason: str | None = strawberry.field(description="เหตุผล — reason given, if any.")
    actor_role: Role | None = strawberry.field(description="บทบาทผู้ดำเนินการ — role of who did it.")
    actor_name: str | None = strawberry.field(description="ผู้ดำเนินการ — who did it.")
    hash: str = strawberry.field(description="SHA-256 of this entry, chained to the previous one.")

    @classmethod
    def from_row(cls, row: Any) -> ChangeLogEntry:
        """From a row of `change_log_statement()`."""
        return cls(**shapes.CHANGE_LOG_ENTRY.python_values(row), actor_name=row.actor_name)


def change_log_statement() -> Any:
    """Change-log entries with who made each (`shapes.CHANGE_LOG_ENTRY`'s `actorName`)."""
    table = ChangeLogRow.__table__
    actor = shapes.CHANGE_LOG_ENTRY.lookups["actorName"].of(table)
    return select(*table.c, actor.label("actor_name"))


@strawberry.type(description="องค์กรปกครองส่วนท้องถิ่น (อปท.) — a local administrative organisation.")
class Lao:
    id: strawberry.Private[int]
    lao_place: strawberry.Private[LaoPlace]
    province_id: strawberry.Private[int]
    district_id: strawberry.Private[int]
    subdistrict_id: strawberry.Private[int]
    code: str | None = strawberry.field(
        description="รหัส อปท. — DLA's current 7-digit code; Bangkok has none."
    )
    name_th: str = strawberry.field(description="ชื่อ อปท. — Thai name.")
    name_en: str | None = strawberry.field(description="English name, where known.")
    type: LaoType = strawberry.field(description="ประเภท อปท. — current type.")
    size: LaoSize = strawberry.field(description="ขนาด — size.")
    address_number: str | None = strawberry.field(description="เลขที่ — house number of the office.")
    address_village_number: int | None = strawberry.field(
        description="หมู่ที่ — village number of the office."
    )
    address_road: str | None = strawberry.field(description="ถนน — road.")
    postcode: str = strawberry.field(description="รหัสไปรษณีย์ — postcode of the office.")
    latitude: float | None = strawberry.field(
        description="ละติจูด — latitude of the office, degrees."
    )
    longitude: float | None = strawberry.field(
        description="ลองจิจูด — longitude of the office, degrees."
    )
    phone: str | None = strawberry.field(description="โทรศัพท์สำนักงาน — the office's public line.")
    has_website: bool = strawberry.field(description="มีเว็บไซต์ — whether the LAO has a website.")
    website_url: str | None = strawberry.field(description="เว็บไซต์ — its address.")
    version: int = strawberry.field(
        description="Profile version for optimistic concurrency: send it back with edits."
    )

    @classmethod
    def from_row(cls, row: Any) -> Lao:
        return cls(
            id=row.id,
            lao_place=LaoPlace(row.id, row.type, row.district_id, row.province_id),
            province_id=row.province_id,
            district_id=row.district_id,
            subdistrict_id=row.subdistrict_id,
            **shapes.LAO.python_values(row),
        )

    @strawberry.field(description="จังหวัด — province of the office.")
    async def province(self, info: Info) -> Province:
        return Province.from_row(await info.context.loaders.province.load(self.province_id))

    @strawberry.field(description="อำเภอ — district of the office.")
    async def district(self, info: Info) -> District:
        return District.from_row(await info.context.loaders.district.load(self.district_id))

    @strawberry.field(description="ตำบล — subdistrict of the office.")
    async def subdistrict(self, info: Info) -> Subdistrict:
        return Subdistrict.from_row(
            await info.context.loaders.subdistrict.load(self.subdistrict_id)
        )

    @strawberry.field(description="ประวัติรหัส อปท. — every DLA code the LAO has held, oldest first.")
    async def code_history(self, info: Info) -> list[LaoCodePeriod]:
        rows = await info.context.loaders.codes_of_lao.load(self.id)
        return [
            LaoCodePeriod(code=r.code, valid_from=r.valid_from, valid_to=r.valid_to) for r in rows
        ]

    @strawberry.field(description="ประวัติประเภท อปท. — every type the LAO has had, oldest first.")
    async def type_history(self, info: Info) -> list[LaoTypePeriod]:
        rows = await info.context.loaders.types_of_lao.load(self.id)
        return [
            LaoTypePeriod(type=r.type.name, valid_from=r.valid_from, valid_to=r.valid_to)
            for r in rows
        ]

    @strawberry.field(
        description="ประวัติชื่อ อปท. — every name the LAO has had, oldest first (empty while "
        "its name has never changed in the registry)."
    )
    async def name_history(self, info: Info) -> list[LaoNamePeriod]:
        return await name_periods(info, self.id)

    @strawberry.field(
        description="อปท. ณ วันที่ — the LAO as it stood on `date`: code, type and name then, "
        "and its merger once absorbed (e.g. an SAO before its upgrade, a municipality after)."
    )
    async def as_of(self, info: Info, date: dt.date) -> LaoAsOf:
        return await lao_as_of(self, info.context.loaders, info.context.now, date)

    @strawberry.field(
        description="ถูกรวมเข้ากับ — the merger that absorbed this LAO into its successor; null "
        "while it stands on its own."
    )
    async def merged_into(self, info: Info) -> LaoMerger | None:
        return await merged_into(info, self.id)

    @strawberry.field(description="อปท. ที่รวมเข้ามา — the LAOs merged into this one, by date.")
    async def absorbed(self, info: Info) -> list[LaoMerger]:
        return await absorbed(info, self.id)

    @strawberry.field(
        description="ผู้บันทึกข้อมูล — the LAO's two data-recorder slots (personal data).",
        extensions=guarded(PersonalData()),
    )
    async def recorders(self, info: Info) -> list[LaoContact] | None:
        return _contacts(await info.context.loaders.contacts_of_lao.load(self.id), "recorders")

    @strawberry.field(
        description="ผู้ดูแลระบบ INFO — the LAO's INFO administrators (personal data).",
        extensions=guarded(PersonalData()),
    )
    async def info_administrators(self, info: Info) -> list[LaoContact] | None:
        rows = await info.context.loaders.contacts_of_lao.load(self.id)
        return _contacts(rows, "info_administrators")

    @strawberry.field(
        description="ข้อมูลรายปี — the LAO's data for one fiscal year (BE); null when the year does not "
        "exist or the caller may not see it (uncertified years are hidden from the public)."
    )
    async def year(self, info: Info, fiscal_year: int) -> LaoYear | None:
        row = await info.context.loaders.lao_year.load((self.id, fiscal_year))
        return lao_year_from_row(row, self.lao_place) if row is not None else None

    @strawberry.field(
        description="ข้อมูลทุกปี — every fiscal year of the LAO the caller may see, newest first."
    )
    async def years(self, info: Info) -> list[LaoYear]:
        rows = await info.context.loaders.years_of_lao.load(self.id)
        return [lao_year_from_row(r, self.lao_place) for r in rows]

    @strawberry.field(
        description="ประวัติการแก้ไข — the LAO's change log, newest first: who changed what, when and why.",
        extensions=guarded(ChangeHistory()),
    )
    async def change_log(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ChangeLogEntry] | None:
        statement = change_log_statement().where(ChangeLogRow.lao_id == self.id)
        size = page_size(first)
        after_key = decode_cursor(after)
        total = (
            await fetch_all(
                info.context.engine, select(func.count()).where(ChangeLogRow.lao_id == self.id)
            )
        )[0][0]
        if after_key is not None:
            statement = statement.where(ChangeLogRow.id < after_key)
        rows = await fetch_all(
            info.context.engine, statement.order_by(ChangeLogRow.id.desc()).limit(size + 1)
        )
        return build_connection(
            [(ChangeLogEntry.from_row(r), r.id) for r in rows], size, total, after_key
        )

    @strawberry.field(
        description="ภารกิจถ่ายโอน — missions transferred to this LAO (INFO phase 2).",
        extensions=guarded(MissionsData()),
    )
    async def transferred_missions(self, info: Info) -> list[LaoMission] | None:
        rows = await info.context.loaders.missions_of_lao.load(self.id)
        return [LaoMission.from_row(r) for r in rows]

    @strawberry.field(
        description="บันทึกภารกิจถ่ายโอนได้ — whether the caller may record, update and cancel this "
        "LAO's transferred missions (its own staff)."
    )
    def missions_editable(self, info: Info) -> bool:
        return permissions.may_keep_missions(info.context.identity, self.id)


from schema.missions import LaoMission  # noqa: E402  (cyclic: a mission record points back to its LAO)
