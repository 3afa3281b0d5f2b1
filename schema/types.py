"""GraphQL object types for geography and LAOs. Descriptions carry the Thai labels."""

from __future__ import annotations

from enum import Enum

import strawberry

from hub import enums
from hub.models import District as DistrictRow
from hub.models import Lao as LaoRow
from hub.models import Province as ProvinceRow
from hub.models import Subdistrict as SubdistrictRow
from schema.context import Info

LaoType = strawberry.enum(
    Enum("LaoType", {m.name: m.name for m in enums.LaoType}),  # type: ignore[misc]
    description="ประเภท อปท. — type of local administrative organisation. "
    + "; ".join(f"{m.name}: {m.label_th} ({m.label_en})" for m in enums.LaoType),
)
LaoSize = strawberry.enum(
    Enum("LaoSize", {m.name: m.name for m in enums.LaoSize}),  # type: ignore[misc]
    description="ขนาด อปท. — LAO size. "
    + "; ".join(f"{m.name}: {m.label_th} ({m.label_en})" for m in enums.LaoSize),
)


@strawberry.type(description="จังหวัด — a province (DOPA code, 2 digits).")
class Province:
    row: strawberry.Private[ProvinceRow]

    @strawberry.field(description="รหัสจังหวัด — DOPA province code, 2 digits.")
    def code(self) -> str:
        return self.row.code

    @strawberry.field(description="ชื่อจังหวัด — Thai name.")
    def name_th(self) -> str:
        return self.row.name_th

    @strawberry.field(description="English name.")
    def name_en(self) -> str | None:
        return self.row.name_en

    @strawberry.field(description="อำเภอ/เขต — districts of the province, by code.")
    async def districts(self, info: Info) -> list[District]:
        rows = await info.context.loaders.districts_of_province.load(self.row.id)
        return [District(row=r) for r in rows]


@strawberry.type(description="อำเภอ/เขต — a district (DOPA code, 4 digits).")
class District:
    row: strawberry.Private[DistrictRow]

    @strawberry.field(description="รหัสอำเภอ — district code, 4 digits.")
    def code(self) -> str:
        return self.row.code

    @strawberry.field(description="ชื่ออำเภอ — Thai name.")
    def name_th(self) -> str:
        return self.row.name_th

    @strawberry.field(description="จังหวัด — the district's province.")
    async def province(self, info: Info) -> Province:
        return Province(row=await info.context.loaders.province.load(self.row.province_id))

    @strawberry.field(description="อปท. — LAOs whose office is in this district, by code.")
    async def laos(self, info: Info) -> list[Lao]:
        rows = await info.context.loaders.laos_of_district.load(self.row.id)
        return [Lao(row=r) for r in rows]


@strawberry.type(description="ตำบล/แขวง — a subdistrict (DOPA code, 6 digits).")
class Subdistrict:
    row: strawberry.Private[SubdistrictRow]

    @strawberry.field(description="รหัสตำบล — subdistrict code, 6 digits.")
    def code(self) -> str:
        return self.row.code

    @strawberry.field(description="ชื่อตำบล — Thai name.")
    def name_th(self) -> str:
        return self.row.name_th

    @strawberry.field(description="รหัสไปรษณีย์ — postcode.")
    def postcode(self) -> str:
        return self.row.postcode


@strawberry.type(description="องค์กรปกครองส่วนท้องถิ่น (อปท.) — a local administrative organisation.")
class Lao:
    row: strawberry.Private[LaoRow]

    @strawberry.field(description="รหัส อปท. — DLA's current 7-digit code; Bangkok has none.")
    def code(self) -> str | None:
        return self.row.code

    @strawberry.field(description="ชื่อ อปท. — Thai name.")
    def name_th(self) -> str:
        return self.row.name_th

    @strawberry.field(description="English name, where known.")
    def name_en(self) -> str | None:
        return self.row.name_en

    @strawberry.field(description="ประเภท อปท. — current type.")
    def type(self) -> LaoType:  # type: ignore[valid-type]
        return LaoType[self.row.type.name]  # type: ignore[index,no-any-return]

    @strawberry.field(description="ขนาด อปท. — size.")
    def size(self) -> LaoSize:  # type: ignore[valid-type]
        return LaoSize[self.row.size.name]  # type: ignore[index,no-any-return]

    @strawberry.field(description="จังหวัด — province of the office.")
    async def province(self, info: Info) -> Province:
        return Province(row=await info.context.loaders.province.load(self.row.province_id))

    @strawberry.field(description="อำเภอ — district of the office.")
    async def district(self, info: Info) -> District:
        return District(row=await info.context.loaders.district.load(self.row.district_id))

    @strawberry.field(description="ตำบล — subdistrict of the office.")
    async def subdistrict(self, info: Info) -> Subdistrict:
        return Subdistrict(row=await info.context.loaders.subdistrict.load(self.row.subdistrict_id))

    @strawberry.field(description="รหัสไปรษณีย์ — postcode of the office.")
    def postcode(self) -> str:
        return self.row.postcode

    @strawberry.field(description="ละติจูด — latitude of the office, degrees.")
    def latitude(self) -> float | None:
        return self.row.latitude

    @strawberry.field(description="ลองจิจูด — longitude of the office, degrees.")
    def longitude(self) -> float | None:
        return self.row.longitude

    @strawberry.field(description="โทรศัพท์สำนักงาน — the office's public phone line.")
    def phone(self) -> str | None:
        return self.row.phone

    @strawberry.field(description="เว็บไซต์ — the LAO's website, if it has one.")
    def website_url(self) -> str | None:
        return self.row.website_url if self.row.has_website else None


@strawberry.type(description="จำนวน อปท. ตามประเภท — number of LAOs of one type.")
class LaoTypeCount:
    type: LaoType  # type: ignore[valid-type]
    label_th: str = strawberry.field(description="ชื่อประเภทภาษาไทย — Thai label of the type.")
    count: int


@strawberry.type(
    description="ปีงบประมาณ — a Thai fiscal year (1 Oct – 30 Sep), named by its BE end year."
)
class FiscalYear:
    year_be: int = strawberry.field(description="ปีงบประมาณ (พ.ศ.) — Buddhist-Era year.")
    starts_on: str = strawberry.field(description="วันเริ่มต้น — first day (ISO date).")
    ends_on: str = strawberry.field(description="วันสิ้นสุด — last day (ISO date).")
    record_deadline: str = strawberry.field(
        description="กำหนดส่งข้อมูล — recording and LAO certification deadline."
    )
    is_open: bool = strawberry.field(description="เปิดให้บันทึก — false once DLA has closed the year.")
