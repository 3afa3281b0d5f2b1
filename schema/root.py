"""The root Query type and the assembled schema.

List fields are Relay connections ordered by a stable key; every filter is a SQL WHERE
clause, and LAO-year data is filtered by the caller's row rule (`hub.db.visibility`) in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, Select, func, select

from hub.db.models import RECORD_TABLES, LaoCode
from hub.db.models import Agency as AgencyRow
from hub.db.models import District as DistrictRow
from hub.db.models import FiscalYear as FiscalYearRow
from hub.db.models import Lao as LaoRow
from hub.db.models import LaoMission as LaoMissionRow
from hub.db.models import LaoYear as LaoYearRow
from hub.db.models import Mission as MissionRow
from hub.db.models import Province as ProvinceRow
from hub.db.visibility import visible_lao_years_clause
from hub.rules import enums
from hub.rules.thai_text import search_key
from schema.context import Info
from schema.domains import RECORD_TYPES, record_from_row
from schema.enums import CertificationState, LaoType, MissionArea, MissionStatus, Role
from schema.errors import MaskInternalErrors, QuietSchema
from schema.geography import District, Province
from schema.lao import Lao
from schema.limits import QueryLimits, limit_extensions
from schema.loaders import fetch_all
from schema.missions import Agency, LaoMission, Mission
from schema.mutations import Mutation
from schema.pagination import Connection, build_connection, decode_cursor, page_size
from schema.permissions import DomainData, MissionsData, guarded
from schema.stats import AreaYearStats, area_stats
from schema.text_guard import DEFAULT_TEXT_LIMITS, TextGuardExtension, TextLimits

WaterSupplySystem = RECORD_TYPES["water_supply_systems"]
TouristSite = RECORD_TYPES["tourist_sites"]
WATER = RECORD_TABLES["water_supply_systems"]


@strawberry.type(description="จำนวน อปท. ตามประเภท — number of LAOs of one type.")
class LaoTypeCount:
    type: LaoType
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
    is_open: bool = strawberry.field(
        description="เปิดให้บันทึก — false once DLA has closed the year (read-only)."
    )


@strawberry.type(description="สิทธิ์ของผู้เรียกใช้ — one role the caller holds, with its place.")
class ViewerGrant:
    role: Role
    lao_id: strawberry.Private[int | None]
    district_id: strawberry.Private[int | None]
    province_id: strawberry.Private[int | None]

    @strawberry.field(description="อปท. — the LAO of an LAO role.")
    async def lao(self, info: Info) -> Lao | None:
        if self.lao_id is None:
            return None
        return Lao.from_row(await info.context.loaders.lao.load(self.lao_id))

    @strawberry.field(description="อำเภอ — the district of a district officer.")
    async def district(self, info: Info) -> District | None:
        if self.district_id is None:
            return None
        return District.from_row(await info.context.loaders.district.load(self.district_id))

    @strawberry.field(description="จังหวัด — the province of a provincial officer.")
    async def province(self, info: Info) -> Province | None:
        if self.province_id is None:
            return None
        return Province.from_row(await info.context.loaders.province.load(self.province_id))


@strawberry.type(description="ผู้เรียกใช้ — who the hub takes the caller to be.")
class Viewer:
    kind: str = strawberry.field(description="public, user or client.")
    subject: str | None = strawberry.field(
        description="Username or client id; null for the public."
    )
    roles: list[Role] = strawberry.field(description="Roles held (people only).")
    scopes: list[str] = strawberry.field(description="Scopes granted (clients only).")
    grants: list[ViewerGrant] = strawberry.field(
        description="สิทธิ์ — each role with the LAO, district or province it is bound to "
        "(DLA's: to none)."
    )


@strawberry.input(description="ตัวกรอง อปท. — filters for `laos`; all given filters must match.")
class LaoFilter:
    province_code: str | None = strawberry.field(default=None, description="รหัสจังหวัด, 2 digits.")
    district_code: str | None = strawberry.field(default=None, description="รหัสอำเภอ, 4 digits.")
    type: LaoType | None = strawberry.field(default=None, description="ประเภท อปท.")
    name_contains: str | None = strawberry.field(
        default=None, description="ชื่อมีคำว่า — part of the Thai name."
    )
    state: CertificationState | None = strawberry.field(
        default=None,
        description="สถานะการรับรองในปี `fiscalYear` — only LAO-years the caller may see match.",
    )
    fiscal_year: int | None = strawberry.field(
        default=None, description="ปีงบประมาณสำหรับ `state` (default: the current open year)."
    )


@strawberry.input(description="ตัวกรองระบบประปาหมู่บ้าน — filters for `waterSupplySystems`.")
class WaterSupplySystemFilter:
    fiscal_year: int | None = strawberry.field(
        default=None, description="ปีงบประมาณ (default: the current open year)."
    )
    province_code: str | None = None
    district_code: str | None = None
    lao_code: str | None = None
    status: str | None = strawberry.field(default=None, description="USABLE or UNUSABLE.")
    id: int | None = strawberry.field(
        default=None, description="เลขที่รายการ — one record, by its id in the fiscal year."
    )


@strawberry.input(description="ตัวกรองแหล่งท่องเที่ยว — filters for `touristSites`.")
class TouristSiteFilter:
    fiscal_year: int | None = strawberry.field(
        default=None, description="ปีงบประมาณ (default: the current open year)."
    )
    province_code: str | None = None
    district_code: str | None = None
    lao_code: str | None = None
    id: int | None = strawberry.field(
        default=None, description="เลขที่รายการ — one record, by its id in the fiscal year."
    )


@strawberry.input(description="ตัวกรองภารกิจถ่ายโอน — filters for `transferredMissions`.")
class TransferredMissionFilter:
    agency_code: str | None = None
    mission_code: str | None = None
    province_code: str | None = None
    district_code: str | None = strawberry.field(
        default=None, description="รหัสอำเภอ — LAOs whose office is in this district."
    )
    lao_code: str | None = None
    status: MissionStatus | None = None
    area: MissionArea | None = None


@strawberry.input(description="ตัวกรองบัญชีภารกิจ — filters for `missionCatalogue`.")
class MissionFilter:
    area: MissionArea | None = None
    agency_code: str | None = None


async def current_fiscal_year(info: Info) -> int | None:
    if info.context.current_fiscal_year is None:
        statement = select(func.max(FiscalYearRow.year_be)).where(FiscalYearRow.closed_at.is_(None))
        rows = await fetch_all(info.context.engine, statement)
        info.context.current_fiscal_year = rows[0][0] if rows else None
    return info.context.current_fiscal_year


def in_area(
    statement: Select[Any], province_code: str | None, district_code: str | None
) -> Select[Any]:
    """Narrow a statement over `laos` to a province and/or district given by code."""
    if province_code is not None:
        statement = statement.join(ProvinceRow, ProvinceRow.id == LaoRow.province_id).where(
            ProvinceRow.code == province_code
        )
    if district_code is not None:
        statement = statement.join(DistrictRow, DistrictRow.id == LaoRow.district_id).where(
            DistrictRow.code == district_code
        )
    return statement


def lao_name_contains(text: str) -> ColumnElement[bool]:
    """LAOs whose Thai name contains `text`, compared in the usual spelling
    (`hub.rules.thai_text.search_key`: "ปากนํ้า" finds "ปากน้ำ"), in which names are stored. The one
    rule for `laos(filter: {nameContains:})`, used by the resolver and the planner alike."""
    return LaoRow.name_th.contains(search_key(text), autoescape=True)


async def paginate(
    info: Info, statement: Select[Any], key: Any, first: int | None, after: str | None, to_node: Any
) -> Any:
    """Runs `statement` as one keyset page plus one COUNT: two statements per connection."""
    size = page_size(first)
    after_key = decode_cursor(after)
    total = (
        await fetch_all(info.context.engine, select(func.count()).select_from(statement.subquery()))
    )[0][0]
    page = statement.order_by(key)
    if after_key is not None:
        page = page.where(key > after_key)
    rows = await fetch_all(info.context.engine, page.limit(size + 1))
    return build_connection(
        [(to_node(r), r._mapping[key.key]) for r in rows], size, total, after_key
    )


async def _records_statement(
    info: Info, name: str, f: WaterSupplySystemFilter | TouristSiteFilter
) -> Select[Any]:
    """A record table's live records in a fiscal year, under the caller's row rule."""
    table = RECORD_TABLES[name]
    year = f.fiscal_year or await current_fiscal_year(info)
    statement = (
        select(*table.c)
        .join(LaoYearRow, LaoYearRow.id == table.c.lao_year_id)
        .join(LaoRow, LaoRow.id == LaoYearRow.lao_id)
        .where(
            LaoYearRow.fiscal_year == year,
            table.c.retired_on.is_(None),
            visible_lao_years_clause(info.context.identity),
        )
    )
    statement = in_area(statement, f.province_code, f.district_code)
    if f.lao_code is not None:
        statement = statement.where(LaoRow.code == f.lao_code)
    if f.id is not None:
        statement = statement.where(table.c.id == f.id)
    return statement


async def _records_page(
    info: Info, name: str, statement: Select[Any], first: int | None, after: str | None
) -> Any:
    table = RECORD_TABLES[name]
    return await paginate(
        info, statement, table.c.id, first, after, lambda r: record_from_row(name, r)
    )


@strawberry.type
class Query:
    @strawberry.field(description="ผู้เรียกใช้ — who the hub takes the caller to be.")
    def viewer(self, info: Info) -> Viewer:
        identity = info.context.identity
        return Viewer(
            kind=identity.kind,
            subject=identity.subject,
            roles=[r.name for r in identity.roles()],
            scopes=sorted(identity.scopes),
            grants=[
                ViewerGrant(
                    role=g.role.name,
                    lao_id=g.lao_id,
                    district_id=g.district_id,
                    province_id=g.province_id,
                )
                for g in identity.grants
            ],
        )

    @strawberry.field(description="จังหวัดทั้งหมด — all provinces, by DOPA code.")
    async def provinces(self, info: Info) -> list[Province]:
        rows = await fetch_all(
            info.context.engine, select(*ProvinceRow.__table__.c).order_by(ProvinceRow.code)
        )
        return [Province.from_row(r) for r in rows]

    @strawberry.field(description="จังหวัด — one province by its 2-digit DOPA code.")
    async def province(self, info: Info, code: str) -> Province | None:
        statement = select(*ProvinceRow.__table__.c).where(ProvinceRow.code == code)
        rows = await fetch_all(info.context.engine, statement)
        return Province.from_row(rows[0]) if rows else None

    @strawberry.field(description="อำเภอ — one district by its 4-digit code.")
    async def district(self, info: Info, code: str) -> District | None:
        statement = select(*DistrictRow.__table__.c).where(DistrictRow.code == code)
        rows = await fetch_all(info.context.engine, statement)
        return District.from_row(rows[0]) if rows else None

    @strawberry.field(
        description="อปท. — one LAO by its DLA code; a former code finds the LAO that held it."
    )
    async def lao(self, info: Info, code: str) -> Lao | None:
        columns = LaoRow.__table__.c
        rows = await fetch_all(info.context.engine, select(*columns).where(LaoRow.code == code))
        if not rows:
            former = (
                select(*columns)
                .join(LaoCode, LaoCode.lao_id == LaoRow.id)
                .where(LaoCode.code == code)
                .order_by(LaoCode.valid_from.desc())
                .limit(1)
            )
            rows = await fetch_all(info.context.engine, former)
        return Lao.from_row(rows[0]) if rows else None

    @strawberry.field(
        description="รายชื่อ อปท. — LAOs matching a filter, a page at a time (ordered by id)."
    )
    async def laos(
        self,
        info: Info,
        filter: LaoFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Lao]:
        statement = select(*LaoRow.__table__.c)
        f = filter or LaoFilter()
        statement = in_area(statement, f.province_code, f.district_code)
        if f.type is not None:
            statement = statement.where(LaoRow.type == enums.LaoType[f.type.value])
        if f.name_contains:
            statement = statement.where(lao_name_contains(f.name_contains))
        if f.state is not None:
            year = f.fiscal_year or await current_fiscal_year(info)
            statement = statement.join(LaoYearRow, LaoYearRow.lao_id == LaoRow.id).where(
                LaoYearRow.fiscal_year == year,
                LaoYearRow.state == enums.CertificationState[f.state.value],
                visible_lao_years_clause(info.context.identity),
            )
        return await paginate(info, statement, LaoRow.id, first, after, Lao.from_row)

    @strawberry.field(description="จำนวน อปท. ตามประเภท — how many LAOs there are of each type.")
    async def lao_counts_by_type(self, info: Info) -> list[LaoTypeCount]:
        statement = select(LaoRow.type, func.count()).group_by(LaoRow.type)
        counts = {t: n for t, n in await fetch_all(info.context.engine, statement)}
        return [
            LaoTypeCount(type=t.name, label_th=t.label_th, count=counts.get(t, 0))
            for t in enums.LaoType
        ]

    @strawberry.field(
        description="ระบบประปาหมู่บ้าน — village water-supply systems (domain 5) of LAO-years the caller may "
        "see, a page at a time.",
        extensions=guarded(DomainData(5)),
    )
    async def water_supply_systems(
        self,
        info: Info,
        filter: WaterSupplySystemFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WaterSupplySystem] | None:  # type: ignore[valid-type]
        f = filter or WaterSupplySystemFilter()
        statement = await _records_statement(info, "water_supply_systems", f)
        if f.status is not None:
            statement = statement.where(WATER.c.status == f.status)
        return await _records_page(info, "water_supply_systems", statement, first, after)

    @strawberry.field(
        description="แหล่งท่องเที่ยว — tourist sites (domain 8) of LAO-years the caller may see, a "
        "page at a time.",
        extensions=guarded(DomainData(8)),
    )
    async def tourist_sites(
        self,
        info: Info,
        filter: TouristSiteFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[TouristSite] | None:  # type: ignore[valid-type]
        f = filter or TouristSiteFilter()
        statement = await _records_statement(info, "tourist_sites", f)
        return await _records_page(info, "tourist_sites", statement, first, after)

    @strawberry.field(
        description="ภารกิจถ่ายโอนของ อปท. — LAOs' transferred-mission records, a page at a time.",
        extensions=guarded(MissionsData()),
    )
    async def transferred_missions(
        self,
        info: Info,
        filter: TransferredMissionFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[LaoMission] | None:
        f = filter or TransferredMissionFilter()
        statement = select(*LaoMissionRow.__table__.c)
        if f.agency_code is not None:
            statement = statement.join(AgencyRow, AgencyRow.id == LaoMissionRow.agency_id).where(
                AgencyRow.code == f.agency_code
            )
        if f.mission_code is not None or f.area is not None:
            statement = statement.join(MissionRow, MissionRow.id == LaoMissionRow.mission_id)
            if f.mission_code is not None:
                statement = statement.where(MissionRow.code == f.mission_code)
            if f.area is not None:
                statement = statement.where(MissionRow.area == enums.MissionArea[f.area.value])
        if f.province_code is not None or f.district_code is not None or f.lao_code is not None:
            statement = statement.join(LaoRow, LaoRow.id == LaoMissionRow.lao_id)
            if f.lao_code is not None:
                statement = statement.where(LaoRow.code == f.lao_code)
            statement = in_area(statement, f.province_code, f.district_code)
        if f.status is not None:
            statement = statement.where(LaoMissionRow.status == enums.MissionStatus[f.status.value])
        return await paginate(info, statement, LaoMissionRow.id, first, after, LaoMission.from_row)

    @strawberry.field(description="บัญชีภารกิจถ่ายโอน — DLA's catalogue of transferred missions.")
    async def mission_catalogue(
        self,
        info: Info,
        filter: MissionFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Mission]:
        f = filter or MissionFilter()
        statement = select(*MissionRow.__table__.c)
        if f.area is not None:
            statement = statement.where(MissionRow.area == enums.MissionArea[f.area.value])
        if f.agency_code is not None:
            statement = statement.join(AgencyRow, AgencyRow.id == MissionRow.agency_id).where(
                AgencyRow.code == f.agency_code
            )
        return await paginate(info, statement, MissionRow.id, first, after, Mission.from_row)

    @strawberry.field(description="หน่วยงานผู้ถ่ายโอน — agencies that transfer missions, by code.")
    async def agencies(self, info: Info) -> list[Agency]:
        rows = await fetch_all(
            info.context.engine, select(*AgencyRow.__table__.c).order_by(AgencyRow.code)
        )
        return [Agency.from_row(r) for r in rows]

    @strawberry.field(
        description="สรุปรายปีระดับประเทศ — national certification progress, LPA distribution and KPI-16 coverage."
    )
    async def national_stats(
        self, info: Info, fiscal_year: int, as_of: dt.datetime | None = None
    ) -> AreaYearStats:
        return await area_stats(info, "nation", fiscal_year, as_of, None)

    @strawberry.field(description="ปีงบประมาณ — fiscal years, newest first.")
    async def fiscal_years(self, info: Info) -> list[FiscalYear]:
        # Core rows (fetch_all runs Core statements): the columns, not ORM entities.
        statement = select(*FiscalYearRow.__table__.c).order_by(FiscalYearRow.year_be.desc())
        return [
            FiscalYear(
                year_be=y.year_be,
                starts_on=y.starts_on.isoformat(),
                ends_on=y.ends_on.isoformat(),
                record_deadline=y.record_deadline.isoformat(),
                is_open=y.closed_at is None,
            )
            for y in await fetch_all(info.context.engine, statement)
        ]


def build_schema(
    *,
    mask_errors: bool = False,
    text_limits: TextLimits = DEFAULT_TEXT_LIMITS,
    extensions: Sequence[Any] = (),
) -> strawberry.Schema:
    """The hub's schema, with query limits and text hygiene (`schema.text_guard`); with
    `mask_errors`, unexpected errors reach callers as "Internal server error" and a request
    id, never internals. `extensions` are added last: the web layer's (its telemetry,
    `hub.web.telemetry`), which the schema does not import."""
    return QuietSchema(
        query=Query,
        mutation=Mutation,
        extensions=[
            *limit_extensions(QueryLimits()),
            partial(TextGuardExtension, text_limits),
            partial(MaskInternalErrors, mask=mask_errors),
            *extensions,
        ],
    )


schema = build_schema()
