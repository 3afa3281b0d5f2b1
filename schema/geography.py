"""Provinces, districts, subdistricts and villages.

Subdistricts and villages are listed and searched (`subdistricts_statement`,
`villages_statement`: the filters of `Query.subdistricts` and `Query.villages`) in SQL, a
name compared in the usual spelling names are stored in (`hub.rules.thai_text.search_key`:
"ปากนํ้า" finds "ปากน้ำ"). Places are public.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import strawberry
from sqlalchemy import Select, select

from hub.db.models import District as DistrictRow
from hub.db.models import Province as ProvinceRow
from hub.db.models import Subdistrict as SubdistrictRow
from hub.db.models import Village as VillageRow
from hub.rules import permissions
from hub.rules.thai_text import search_key
from schema import shapes
from schema.context import Info
from schema.lpa_report import LpaReport, lpa_report
from schema.stats import AreaYearStats, area_stats


@strawberry.type(description="จังหวัด — a province (DOPA code, 2 digits).")
class Province:
    id: strawberry.Private[int]
    code: str = strawberry.field(description="รหัสจังหวัด — DOPA province code, 2 digits.")
    name_th: str = strawberry.field(description="ชื่อจังหวัด — Thai name.")
    name_en: str | None = strawberry.field(description="English name.")

    @classmethod
    def from_row(cls, row: Any) -> Province:
        return cls(id=row.id, **shapes.PROVINCE.python_values(row))

    @strawberry.field(description="อำเภอ/เขต — districts of the province, by code.")
    async def districts(self, info: Info) -> list[District]:
        rows = await info.context.loaders.districts_of_province.load(self.id)
        return [District.from_row(r) for r in rows]

    @strawberry.field(
        description="สรุปรายปีของจังหวัด — certification progress, LPA distribution and KPI-16 coverage "
        "of the province's LAOs in a fiscal year; LPA scores as of `asOf` (default: now)."
    )
    async def stats(
        self, info: Info, fiscal_year: int, as_of: dt.datetime | None = None
    ) -> AreaYearStats:
        return area_stats(info, "province", fiscal_year, as_of, self.id)

    @strawberry.field(
        description="รายงาน LPA ตัวชี้วัดที่ 7 ของจังหวัด — the province's LPA indicator 7 as of `asOf` "
        "(default: now): provisional and final score distributions, timeliness, its LAOs."
    )
    def lpa(self, info: Info, lpa_year: int, as_of: dt.datetime | None = None) -> LpaReport:
        return lpa_report(info, "province", lpa_year, as_of, self.id)

    @strawberry.field(
        description="ท่านกำกับดูแลจังหวัดนี้ — whether the caller supervises this province's "
        "progress: DLA administrators, the province's own provincial office and its LPA assessors."
    )
    def viewer_supervises(self, info: Info) -> bool:
        return viewer_supervises(info.context.identity, "province", self)


@strawberry.type(
    description="อำเภอ/เขต — a district (code of 4 digits starting with its province's)."
)
class District:
    id: strawberry.Private[int]
    province_id: strawberry.Private[int]
    code: str = strawberry.field(description="รหัสอำเภอ — district code, 4 digits.")
    name_th: str = strawberry.field(description="ชื่ออำเภอ — Thai name.")

    @classmethod
    def from_row(cls, row: Any) -> District:
        return cls(id=row.id, province_id=row.province_id, **shapes.DISTRICT.python_values(row))

    @strawberry.field(description="จังหวัด — the district's province.")
    async def province(self, info: Info) -> Province:
        return Province.from_row(await info.context.loaders.province.load(self.province_id))

    @strawberry.field(description="ตำบล/แขวง — subdistricts of the district, by code.")
    async def subdistricts(self, info: Info) -> list[Subdistrict]:
        rows = await info.context.loaders.subdistricts_of_district.load(self.id)
        return [Subdistrict.from_row(r) for r in rows]

    @strawberry.field(
        description="สรุปรายปีของอำเภอ — the same roll-ups for the LAOs whose office is in this district."
    )
    async def stats(
        self, info: Info, fiscal_year: int, as_of: dt.datetime | None = None
    ) -> AreaYearStats:
        return area_stats(info, "district", fiscal_year, as_of, self.id)

    @strawberry.field(
        description="รายงาน LPA ตัวชี้วัดที่ 7 ของอำเภอ — the same for the LAOs whose office is in this district."
    )
    def lpa(self, info: Info, lpa_year: int, as_of: dt.datetime | None = None) -> LpaReport:
        return lpa_report(info, "district", lpa_year, as_of, self.id)

    @strawberry.field(
        description="ท่านกำกับดูแลอำเภอนี้ — whether the caller supervises this district's "
        "progress: DLA administrators, its province's provincial office and LPA assessors, and its "
        "district office."
    )
    def viewer_supervises(self, info: Info) -> bool:
        return viewer_supervises(info.context.identity, "district", self)


def viewer_supervises(identity: Any, level: str, place: Province | District) -> bool:
    """`viewerSupervises` of a province or a district: the rule its shape declares
    (`schema.shapes.ForCaller`), which the planned path calls too."""
    if isinstance(place, District):
        return shapes.supervises_district(identity, place.id, place.province_id)
    return shapes.supervises_province(identity, place.id)


@strawberry.enum(description="ระดับพื้นที่ — the level of an area.")
class AreaLevel(enum.Enum):
    NATION = strawberry.enum_value("nation", description="ทั้งประเทศ — the whole country")
    PROVINCE = strawberry.enum_value("province", description="จังหวัด — a province")
    DISTRICT = strawberry.enum_value("district", description="อำเภอ — a district")


@strawberry.type(
    description="พื้นที่ที่กำกับดูแล — an area the caller supervises: the whole country "
    "(`province` and `district` null), a province, or a district (with its province)."
)
class SupervisedArea:
    level: AreaLevel
    province: Province | None
    district: District | None


async def supervised_areas(info: Info) -> list[SupervisedArea]:
    """The caller's areas (`hub.rules.permissions.supervised_areas`), places batch-loaded."""
    result = []
    for area in permissions.supervised_areas(info.context.identity):
        district = province = None
        if area.level == "district" and area.area_id is not None:
            district = District.from_row(await info.context.loaders.district.load(area.area_id))
            province_id: int | None = district.province_id
        else:
            province_id = area.area_id
        if province_id is not None:
            province = Province.from_row(await info.context.loaders.province.load(province_id))
        result.append(
            SupervisedArea(level=AreaLevel(area.level), province=province, district=district)
        )
    return result


@strawberry.type(
    description="ตำบล/แขวง — a subdistrict (code of 6 digits starting with its district's)."
)
class Subdistrict:
    id: strawberry.Private[int]
    district_id: strawberry.Private[int]
    code: str = strawberry.field(description="รหัสตำบล — subdistrict code, 6 digits.")
    name_th: str = strawberry.field(description="ชื่อตำบล — Thai name.")
    postcode: str = strawberry.field(description="รหัสไปรษณีย์ — postcode.")
    latitude: float | None = strawberry.field(description="ละติจูด — latitude, degrees.")
    longitude: float | None = strawberry.field(description="ลองจิจูด — longitude, degrees.")

    @classmethod
    def from_row(cls, row: Any) -> Subdistrict:
        return cls(id=row.id, district_id=row.district_id, **shapes.SUBDISTRICT.python_values(row))

    @strawberry.field(description="อำเภอ — the subdistrict's district.")
    async def district(self, info: Info) -> District:
        return District.from_row(await info.context.loaders.district.load(self.district_id))

    @strawberry.field(description="หมู่บ้าน — the subdistrict's villages, by number.")
    async def villages(self, info: Info) -> list[Village]:
        rows = await info.context.loaders.villages_of_subdistrict.load(self.id)
        return [Village.from_row(r) for r in rows]


@strawberry.type(description="หมู่บ้าน — a village, numbered within its subdistrict (หมู่ที่).")
class Village:
    id: strawberry.Private[int]
    subdistrict_id: strawberry.Private[int]
    number: int = strawberry.field(description="หมู่ที่ — village number within the subdistrict.")
    name_th: str = strawberry.field(description="ชื่อหมู่บ้าน — Thai name.")

    @classmethod
    def from_row(cls, row: Any) -> Village:
        return cls(
            id=row.id, subdistrict_id=row.subdistrict_id, **shapes.VILLAGE.python_values(row)
        )

    @strawberry.field(description="ตำบล — the village's subdistrict.")
    async def subdistrict(self, info: Info) -> Subdistrict:
        return Subdistrict.from_row(
            await info.context.loaders.subdistrict.load(self.subdistrict_id)
        )


@strawberry.input(description="ตัวกรองตำบล — filters for `subdistricts`; all given must match.")
class SubdistrictFilter:
    province_code: str | None = strawberry.field(default=None, description="รหัสจังหวัด, 2 digits.")
    district_code: str | None = strawberry.field(default=None, description="รหัสอำเภอ, 4 digits.")
    name_contains: str | None = strawberry.field(
        default=None, description="ชื่อมีคำว่า — part of the Thai name, in any usual spelling."
    )
    postcode: str | None = strawberry.field(default=None, description="รหัสไปรษณีย์, 5 digits.")


@strawberry.input(description="ตัวกรองหมู่บ้าน — filters for `villages`; all given must match.")
class VillageFilter:
    province_code: str | None = strawberry.field(default=None, description="รหัสจังหวัด, 2 digits.")
    district_code: str | None = strawberry.field(default=None, description="รหัสอำเภอ, 4 digits.")
    subdistrict_code: str | None = strawberry.field(default=None, description="รหัสตำบล, 6 digits.")
    number: int | None = strawberry.field(default=None, description="หมู่ที่ — village number.")
    name_contains: str | None = strawberry.field(
        default=None, description="ชื่อมีคำว่า — part of the Thai name, in any usual spelling."
    )


def _in_district(
    statement: Select[Any], province_code: str | None, district_code: str | None
) -> Select[Any]:
    """Narrow a statement over `subdistricts` to a province and/or district given by code."""
    if district_code is not None:
        statement = statement.where(
            SubdistrictRow.district_id.in_(
                select(DistrictRow.id).where(DistrictRow.code == district_code)
            )
        )
    if province_code is not None:
        statement = statement.where(
            SubdistrictRow.district_id.in_(
                select(DistrictRow.id)
                .join(ProvinceRow, ProvinceRow.id == DistrictRow.province_id)
                .where(ProvinceRow.code == province_code)
            )
        )
    return statement


def subdistricts_statement(f: SubdistrictFilter) -> Select[Any]:
    """The subdistricts matching `f` (one statement; the caller pages it by id)."""
    statement = _in_district(select(*SubdistrictRow.__table__.c), f.province_code, f.district_code)
    if f.name_contains:
        statement = statement.where(
            SubdistrictRow.name_th.contains(search_key(f.name_contains), autoescape=True)
        )
    if f.postcode is not None:
        statement = statement.where(SubdistrictRow.postcode == f.postcode)
    return statement


def villages_statement(f: VillageFilter) -> Select[Any]:
    """The villages matching `f` (one statement; the caller pages it by id)."""
    statement = select(*VillageRow.__table__.c)
    if f.province_code is not None or f.district_code is not None or f.subdistrict_code:
        places = _in_district(select(SubdistrictRow.id), f.province_code, f.district_code)
        if f.subdistrict_code is not None:
            places = places.where(SubdistrictRow.code == f.subdistrict_code)
        statement = statement.where(VillageRow.subdistrict_id.in_(places))
    if f.number is not None:
        statement = statement.where(VillageRow.number == f.number)
    if f.name_contains:
        statement = statement.where(
            VillageRow.name_th.contains(search_key(f.name_contains), autoescape=True)
        )
    return statement
