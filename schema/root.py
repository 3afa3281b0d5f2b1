"""The root Query type and the assembled schema.

List fields are Relay connections ordered by a stable key; every filter is a SQL WHERE
clause, and LAO-year data is filtered by the caller's row rule (`hub.db.visibility`) in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Annotated, Any

import strawberry
from sqlalchemy import ColumnElement, Select, func, select

from hub.db import lpa as lpa_sql
from hub.db.grants import grants_with_places
from hub.db.mission_rollups import mission_rollup
from hub.db.models import RECORD_TABLES, LaoMerger, RoleAssignment, User
from hub.db.models import Agency as AgencyRow
from hub.db.models import District as DistrictRow
from hub.db.models import FiscalYear as FiscalYearRow
from hub.db.models import Lao as LaoRow
from hub.db.models import LaoMission as LaoMissionRow
from hub.db.models import LaoYear as LaoYearRow
from hub.db.models import Mission as MissionRow
from hub.db.models import MissionHelpRequest as MissionHelpRow
from hub.db.models import Province as ProvinceRow
from hub.db.models import Round as RoundRow
from hub.db.models import Subdistrict as SubdistrictRow
from hub.db.models import Village as VillageRow
from hub.db.rounds import load_rounds
from hub.db.visibility import (
    covered_laos_clause,
    visible_assessor_grants_clause,
    visible_lao_years_clause,
)
from hub.rules import enums, lpa
from hub.rules.identity import Identity
from hub.rules.mission_help import waiting_on
from hub.rules.thai_text import search_key
from schema import accounts, lao_year, rounds, shapes
from schema.accounts import Account, AccountFilter
from schema.catalogue import Catalogue, CatalogueDiff, catalogue_diff
from schema.catalogue import catalogue as catalogue_of_year
from schema.changes import ChangeConnection, ChangeKind, changes
from schema.context import Info
from schema.domains import RECORD_TYPES, record_from_row
from schema.enums import (
    CertificationState,
    LaoType,
    MissionArea,
    MissionRollupKey,
    MissionStatus,
    Role,
    RoundKind,
)
from schema.errors import MaskInternalErrors, QuietSchema
from schema.geography import (
    District,
    Province,
    Subdistrict,
    SubdistrictFilter,
    SupervisedArea,
    Village,
    VillageFilter,
    subdistricts_statement,
    supervised_areas,
    villages_statement,
)
from schema.kpi16 import LOADED_FIELDS as KPI16_LOADED
from schema.kpi16 import Kpi16Round
from schema.lao import ChangeLogEntry, Lao
from schema.lao_registry import lao_as_of
from schema.limits import QueryLimits, limit_extensions
from schema.loaders import fetch_all, find_lao
from schema.lpa import LOADED_FIELDS as LPA_LOADED
from schema.lpa import PLACE_GUARDED_FIELDS as LPA_GUARDED
from schema.lpa import LpaAssessor, LpaRubric, rubric_type
from schema.lpa_report import COMPUTED_FIELDS as LPA_REPORT_FIELDS
from schema.lpa_report import LpaReport, lpa_report
from schema.mission_help import MissionHelpFilter, MissionHelpRequest
from schema.missions import Agency, LaoMission, Mission, MissionRollupRow
from schema.mutations import Mutation, jobs
from schema.pagination import Connection, paginate
from schema.permissions import DomainData, MissionHelp, MissionsData, PersonalReadsAudit, guarded
from schema.provenance import PLACE_GUARDED_FIELDS as PROVENANCE_GUARDED
from schema.provenance import (
    SOURCE_SYSTEM_TYPES,
    Module,
    SourceSystem,
    ValueProvenance,
    provenance_of,
)
from schema.provenance import modules as hub_modules
from schema.provenance import provenance as value_provenance
from schema.read_audit import PersonalDataRead, ReadAuditExtension, personal_data_reads_of
from schema.rounds import Round
from schema.stats import AreaYearStats, area_stats
from schema.text_guard import DEFAULT_TEXT_LIMITS, TextGuardExtension, TextLimits
from schema.validated_documents import ValidatedDocuments

WaterSupplySystem = RECORD_TYPES["water_supply_systems"]
TouristSite = RECORD_TYPES["tourist_sites"]
WATER = RECORD_TABLES["water_supply_systems"]

# The root fields whose answer is a pure function of their arguments: they describe what the
# code declares (the form catalogue of a year and its changes, the modules, the source
# systems), read no database and do not depend on who asks. The planner lets the resolvers
# answer each (document, variables) once and remembers the answer (`schema.planner`);
# `tests/test_planner.py` holds them to it (the same answer for every identity, with no
# database at all).
CONSTANT_ROOTS = frozenset({"catalogue", "catalogueDiff", "modules", "sourceSystems"})


@strawberry.type(description="จำนวน อปท. ตามประเภท — number of LAOs of one type.")
class LaoTypeCount:
    type: LaoType
    label_th: str = strawberry.field(description="ชื่อประเภทภาษาไทย — Thai label of the type.")
    count: int


async def lao_counts_by_type(engine: Any) -> list[LaoTypeCount]:
    """`Query.laoCountsByType`: every type, in the enum's order, with its count (0 when
    none); one statement. The planned path answers from the same objects (their fields hold
    what GraphQL serialises: the type's name, text, an int)."""
    statement = select(LaoRow.type, func.count()).group_by(LaoRow.type)
    counts = {t: n for t, n in await fetch_all(engine, statement)}
    return [
        LaoTypeCount(type=t.name, label_th=t.label_th, count=counts.get(t, 0))
        for t in enums.LaoType
    ]


# Roots whose resolver builds its objects with one function of the engine and the arguments
# (as GraphQL coerces them: an enum as its strawberry member): the planned path calls the same
# function (`COMPUTED_ROOTS`) and reads the objects' data fields.


async def rounds_of(
    engine: Any, kind: RoundKind | None = None, fiscal_year: int | None = None
) -> list[Round]:
    """`Query.rounds`: the rounds of a kind and fiscal year, or all."""
    where = []
    if kind is not None:
        where.append(RoundRow.kind == enums.RoundKind[kind.value])
    if fiscal_year is not None:
        where.append(RoundRow.fiscal_year == fiscal_year)
    async with engine.connect() as conn:
        return [Round.of(r) for r in await load_rounds(conn, *where)]


async def round_of(engine: Any, id: int) -> Round | None:
    """`Query.round`: one round by its id, or None."""
    async with engine.connect() as conn:
        found = await load_rounds(conn, RoundRow.id == id)
    return Round.of(found[0]) if found else None


async def lpa_rubrics_of(engine: Any) -> list[LpaRubric]:
    """`Query.lpaRubrics`: every rubric version, oldest first, stored or built in."""
    async with engine.connect() as conn:
        stored = await lpa_sql.stored_rubrics(conn)
    return [
        rubric_type(version, rubric, built_in=version not in stored)
        for version, rubric in lpa.rubric_versions(stored).items()
    ]


async def lpa_rubric_of(engine: Any, lpa_year: int) -> LpaRubric:
    """`Query.lpaRubric`: the rubric version in force for an LPA year."""
    async with engine.connect() as conn:
        stored = await lpa_sql.stored_rubrics(conn)
    version, rubric = lpa.rubric_in_force(stored, lpa_year)
    return rubric_type(version, rubric, built_in=rubric is lpa.DEFAULT_RUBRIC_2564)


async def mission_rollup_of(
    engine: Any, group_by: list[MissionRollupKey], filter: MissionRollupFilter | None = None
) -> list[MissionRollupRow]:
    """`Query.missionRollup`: the transferred missions rolled up by `group_by` (one
    statement, `hub.db.mission_rollups`)."""
    f = filter or MissionRollupFilter()
    async with engine.connect() as conn:
        rows = await mission_rollup(
            conn,
            [enums.MissionRollupKey[k.value] for k in group_by],
            province_code=f.province_code,
            agency_code=f.agency_code,
            area=enums.MissionArea[f.area.value] if f.area is not None else None,
            include_cancelled=f.include_cancelled,
        )
    return [MissionRollupRow.from_rollup(r) for r in rows]


async def lpa_assessors_of(
    engine: Any, province_code: str | None = None, *, identity: Identity
) -> list[LpaAssessor]:
    """`Query.lpaAssessors`: the assessors appointed now that `identity` may see (of one
    province, or all), by province then username; one statement."""
    statement = (
        grants_with_places(User.username, User.display_name, RoleAssignment.granted_at)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == enums.Role.LPA_ASSESSOR,
            visible_assessor_grants_clause(identity),
        )
        .order_by(None)
        .order_by(ProvinceRow.code, User.username)
    )
    if province_code is not None:
        statement = statement.where(ProvinceRow.code == province_code)
    return [
        LpaAssessor(
            province_id=r.province_id,
            username=r.username,
            display_name=r.display_name,
            province_code=r.province_code,
            granted_at=r.granted_at,
        )
        for r in await fetch_all(engine, statement)
    ]


COMPUTED_ROOTS: dict[str, Callable[..., Awaitable[Any]]] = {
    "laoCountsByType": lao_counts_by_type,
    "rounds": rounds_of,
    "round": round_of,
    "lpaRubrics": lpa_rubrics_of,
    "lpaRubric": lpa_rubric_of,
    "missionRollup": mission_rollup_of,
    "lpaAssessors": lpa_assessors_of,
    "exportJob": jobs.export_job_of,
    "webhookSubscriptions": jobs.webhook_subscriptions_of,
    "webhookDeliveries": jobs.webhook_deliveries_of,
    "me": accounts.me_of,
    "account": accounts.account_of,
    "manageableAccounts": accounts.manageable_accounts_of,
    "accountChangeLog": accounts.account_change_log_of,
    "personalDataReads": personal_data_reads_of,
    "provenance": provenance_of,
}
# Of those, the roots whose rows depend on the caller: their function also takes `identity`.
CALLER_ROOTS = frozenset(
    {
        "lpaAssessors",
        "exportJob",
        "webhookSubscriptions",
        "webhookDeliveries",
        "me",
        "account",
        "manageableAccounts",
        "accountChangeLog",
        "provenance",
    }
)
# Of those, the roots whose objects depend on the request's moment: their function also
# takes `now` (an account's lock shows until it expires).
MOMENT_ROOTS = frozenset({"me", "account", "manageableAccounts"})
# Fields their resolvers load per object through a DataLoader, which the planned path loads
# for every object of an answer at once (`schema.shapes.Batched`), and fields computed from
# the object and the request's moment alone (`schema.rounds.COMPUTED_FIELDS`).
BATCHED_FIELDS = accounts.BATCHED_FIELDS
# Fields guarded per LAO inside the functions' objects, decided per object by the planned
# path, which reads the attribute their resolver returns (who set a value, an assessor).
PLACE_GUARDED_FIELDS = {**PROVENANCE_GUARDED, **LPA_GUARDED}
COMPUTED_FIELDS = {**rounds.COMPUTED_FIELDS, **LPA_REPORT_FIELDS}


@strawberry.type(
    description="ปีงบประมาณ — a Thai fiscal year (1 Oct – 30 Sep), named by its BE end year."
)
class FiscalYear:
    year_be: int = strawberry.field(description="ปีงบประมาณ (พ.ศ.) — Buddhist-Era year.")
    starts_on: str = strawberry.field(description="วันเริ่มต้น — first day (ISO date).")
    ends_on: str = strawberry.field(description="วันสิ้นสุด — last day (ISO date).")
    record_deadline: str = strawberry.field(
        description="กำหนดส่งข้อมูล — recording and LAO certification deadline.",
        deprecation_reason="Use `round { deadline datesFor(provinceCode:) { deadline } }`: the "
        "year's INFO round holds its deadlines, a province's own included.",
    )
    is_open: bool = strawberry.field(
        description="เปิดให้บันทึก — false once DLA has closed the year (read-only)."
    )

    @strawberry.field(
        description="รอบข้อมูล INFO ของปี — the year's INFO round: its opening, deadlines (per "
        "province too), closing, and the LAOs' timeliness."
    )
    async def round(self, info: Info) -> Round | None:
        return await fiscal_year_round(self, info.context.loaders, info.context.now)


async def fiscal_year_round(year: Any, loaders: Any, now: Any) -> Round | None:
    """`FiscalYear.round`: the year's INFO round, or None."""
    found = await loaders.info_round.load(year.year_be)
    return Round.of(found) if found is not None else None


# Fields computed by a function over the request's DataLoaders, the one their resolver calls:
# (type, field) → function(object, loaders, now, **arguments); the planned path calls it for
# every object of an answer at once (`schema.plan_connections.LoadedRead`).
LOADED_FIELDS = {
    **rounds.LOADED_FIELDS,
    **LPA_LOADED,
    **KPI16_LOADED,
    **{("LaoYear", name): function for name, function in lao_year.LOADED_FIELDS.items()},
    ("FiscalYear", "round"): fiscal_year_round,
    ("Lao", "asOf"): lao_as_of,
}


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

    @strawberry.field(description="รหัส อปท. — the code of `lao`.")
    async def lao_code(self, info: Info) -> str | None:
        lao = await self.lao(info)
        return lao.code if lao is not None else None

    @strawberry.field(description="รหัสอำเภอ — the code of `district`.")
    async def district_code(self, info: Info) -> str | None:
        district = await self.district(info)
        return district.code if district is not None else None

    @strawberry.field(description="รหัสจังหวัด — the code of `province`.")
    async def province_code(self, info: Info) -> str | None:
        province = await self.province(info)
        return province.code if province is not None else None


@strawberry.type(description="ผู้เรียกใช้ — who the hub takes the caller to be.")
class Viewer:
    identity: strawberry.Private[Identity]
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

    @strawberry.field(
        description="อปท. ที่ปฏิบัติงาน — the LAOs whose recorder, verifier or INFO administrator "
        "the caller is, by code (people only)."
    )
    async def laos(self, info: Info) -> list[Lao]:
        ids = sorted(self.identity.staff_lao_ids())
        rows = await info.context.loaders.lao.load_many(ids)
        return sorted((Lao.from_row(r) for r in rows if r is not None), key=_by_code)

    @strawberry.field(
        description="อำเภอที่รับผิดชอบ — the districts of the caller's district-officer roles."
    )
    async def districts(self, info: Info) -> list[District]:
        ids = sorted(self.identity.district_ids())
        rows = await info.context.loaders.district.load_many(ids)
        return sorted((District.from_row(r) for r in rows if r is not None), key=_by_code)

    @strawberry.field(
        description="จังหวัดที่รับผิดชอบ — the provinces of the caller's provincial-officer roles."
    )
    async def provinces(self, info: Info) -> list[Province]:
        ids = sorted(self.identity.province_ids())
        rows = await info.context.loaders.province.load_many(ids)
        return sorted((Province.from_row(r) for r in rows if r is not None), key=_by_code)

    @strawberry.field(
        description="พื้นที่ที่กำกับดูแล — the areas whose progress the caller supervises, widest "
        "first: the nation for DLA administrators, a provincial office's or an LPA assessor's "
        "province, a district office's district; none for LAO staff, clients and the public."
    )
    async def areas(self, info: Info) -> list[SupervisedArea]:
        return await supervised_areas(info)


def _by_code(place: Lao | District | Province) -> str:
    return place.code or ""


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
    merged: bool | None = strawberry.field(
        default=None,
        description="ถูกรวมแล้ว — true: only LAOs merged into another; false: only those standing "
        "on their own; null (default): both.",
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


@strawberry.input(description="ตัวกรองสรุปภารกิจถ่ายโอน — filters for `missionRollup`.")
class MissionRollupFilter:
    province_code: str | None = None
    agency_code: str | None = None
    area: MissionArea | None = None
    include_cancelled: bool = strawberry.field(
        default=False, description="นับภารกิจที่ยกเลิกแล้วด้วย — count CANCELLED records too."
    )


async def current_fiscal_year(info: Info) -> int | None:
    if info.context.current_fiscal_year is None:
        statement = select(func.max(FiscalYearRow.year_be)).where(FiscalYearRow.closed_at.is_(None))
        rows = await fetch_all(info.context.read_engine, statement)
        info.context.current_fiscal_year = rows[0][0] if rows else None
    return info.context.current_fiscal_year


def mission_help_where(identity: Identity, f: MissionHelpFilter) -> list[ColumnElement[bool]]:
    """`missionHelpRequests`' rows: those of the LAOs `identity` covers, filtered by `f`,
    over `mission_help_requests` joined to `laos` (the resolver's statement and the planner's)."""
    where = [covered_laos_clause(identity)]
    if f.status is not None:
        where.append(MissionHelpRow.status == enums.MissionHelpStatus[f.status.value])
    if f.waiting_on is not None:
        party = enums.MissionHelpParty[f.waiting_on.value]
        waiting = [s for s in enums.MissionHelpStatus if waiting_on(s) is party]
        where.append(MissionHelpRow.status.in_(waiting))
    if f.lao_code is not None:
        where.append(LaoRow.code == f.lao_code)
    if f.province_code is not None:
        province = select(ProvinceRow.id).where(ProvinceRow.code == f.province_code)
        where.append(LaoRow.province_id.in_(province))
    return where


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
            identity=identity,
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

    @strawberry.field(
        description="บัญชีของฉัน — the caller's own account (a person signed in with an account of "
        "this hub; null for anyone else)."
    )
    async def me(self, info: Info) -> Account | None:
        context = info.context
        return await accounts.me_of(context.engine, identity=context.identity, now=context.now)

    @strawberry.field(
        description="บัญชีผู้ใช้ — one account by username: the caller's own or one it manages "
        "(null otherwise)."
    )
    async def account(self, info: Info, username: str) -> Account | None:
        context = info.context
        return await accounts.account_of(
            context.engine, username, identity=context.identity, now=context.now
        )

    @strawberry.field(
        description="บัญชีที่ดูแล — the accounts the caller manages (a DLA administrator: provincial "
        "officers; a provincial officer: its LAOs' administrators and its district officers; an "
        "LAO administrator: its recorders and verifiers), searchable, a page at a time."
    )
    async def manageable_accounts(
        self,
        info: Info,
        filter: AccountFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Account]:
        context = info.context
        return await accounts.manageable_accounts_of(
            context.read_engine,
            filter,
            first,
            after,
            identity=context.identity,
            now=context.now,
        )

    @strawberry.field(
        description="ประวัติบัญชี — an account's change log, newest first: issued, roles granted and "
        "revoked, disabled, enabled, codes issued, activated, passwords changed (the caller's own "
        "account or one it manages; null otherwise)."
    )
    async def account_change_log(
        self, info: Info, username: str, first: int | None = None, after: str | None = None
    ) -> Connection[ChangeLogEntry] | None:
        context = info.context
        return await accounts.account_change_log_of(
            context.engine, username, first, after, identity=context.identity
        )

    @strawberry.field(description="จังหวัดทั้งหมด — all provinces, by DOPA code.")
    async def provinces(self, info: Info) -> list[Province]:
        rows = await fetch_all(
            info.context.read_engine, select(*ProvinceRow.__table__.c).order_by(ProvinceRow.code)
        )
        return [Province.from_row(r) for r in rows]

    @strawberry.field(description="จังหวัด — one province by its 2-digit DOPA code.")
    async def province(self, info: Info, code: str) -> Province | None:
        statement = select(*ProvinceRow.__table__.c).where(ProvinceRow.code == code)
        rows = await fetch_all(info.context.read_engine, statement)
        return Province.from_row(rows[0]) if rows else None

    @strawberry.field(description="อำเภอ — one district by its 4-digit code.")
    async def district(self, info: Info, code: str) -> District | None:
        statement = select(*DistrictRow.__table__.c).where(DistrictRow.code == code)
        rows = await fetch_all(info.context.read_engine, statement)
        return District.from_row(rows[0]) if rows else None

    @strawberry.field(description="ตำบล/แขวง — one subdistrict by its 6-digit code.")
    async def subdistrict(self, info: Info, code: str) -> Subdistrict | None:
        statement = shapes.keyed_statement("subdistrict", code=code)
        rows = await fetch_all(info.context.read_engine, statement)
        return Subdistrict.from_row(rows[0]) if rows else None

    @strawberry.field(
        description="ตำบล/แขวง — subdistricts matching a filter (province, district, part of the "
        "name in any usual spelling, postcode), a page at a time (ordered by id)."
    )
    async def subdistricts(
        self,
        info: Info,
        filter: SubdistrictFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Subdistrict]:
        statement = subdistricts_statement(filter or SubdistrictFilter())
        return await paginate(
            info, statement, SubdistrictRow.id, first, after, Subdistrict.from_row
        )

    @strawberry.field(
        description="หมู่บ้าน — villages matching a filter (province, district, subdistrict, "
        "number, part of the name in any usual spelling), a page at a time (ordered by id)."
    )
    async def villages(
        self,
        info: Info,
        filter: VillageFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Village]:
        statement = villages_statement(filter or VillageFilter())
        return await paginate(info, statement, VillageRow.id, first, after, Village.from_row)

    @strawberry.field(
        description="อปท. — one LAO by its DLA code; a former code finds the LAO that held it."
    )
    async def lao(self, info: Info, code: str) -> Lao | None:
        row = await find_lao(info.context.read_engine, code)
        return Lao.from_row(row) if row is not None else None

    @strawberry.field(
        description="การเข้าถึงข้อมูลส่วนบุคคล — who read an LAO's personal data (its recorders' "
        "and administrators' names and phones, history actors' names), when, which fields and "
        "why, newest first (PDPA read audit); null for an unknown code.",
        extensions=guarded(PersonalReadsAudit()),
    )
    async def personal_data_reads(
        self, info: Info, lao_code: str, first: int | None = None, after: str | None = None
    ) -> Connection[PersonalDataRead] | None:
        return await personal_data_reads_of(info.context.read_engine, lao_code, first, after)

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
        if f.merged is not None:
            absorbed = LaoRow.id.in_(select(LaoMerger.lao_id))
            statement = statement.where(absorbed if f.merged else ~absorbed)
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
        return await lao_counts_by_type(info.context.read_engine)

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
        description='การเปลี่ยนแปลง — a changes feed (README "Incremental sync"): without `after`, '
        "every item of `kind` the caller may see now (a baseline, a page at a time); with the "
        "last page's `pageInfo.endCursor`, what changed since, each item's current value or a "
        "tombstone. A cursor is the caller's own; one that is not a cursor of this feed is "
        "`BAD_USER_INPUT` naming `after`, one older than `HUB_CHANGES_RETENTION_DAYS` is "
        "`CURSOR_EXPIRED` (HTTP 410) with `extensions.baseline`."
    )
    async def changes(
        self,
        info: Info,
        kind: ChangeKind,
        after: str | None = None,
        first: int | None = None,
    ) -> ChangeConnection:
        return await changes(info, kind, after, first)

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
        rows = await fetch_all(info.context.read_engine, shapes.table_list_statement("agencies"))
        return [Agency.from_row(r) for r in rows]

    @strawberry.field(
        description="สรุปภารกิจถ่ายโอน — transferred missions rolled up for budget allocation, grouped "
        "by any of agency, area, province and mission (none: one row of totals); one statement.",
        extensions=guarded(MissionsData()),
    )
    async def mission_rollup(
        self,
        info: Info,
        group_by: list[MissionRollupKey],
        filter: MissionRollupFilter | None = None,
    ) -> list[MissionRollupRow] | None:
        return await mission_rollup_of(info.context.read_engine, group_by, filter)

    @strawberry.field(
        description="คำขอความช่วยเหลือเรื่องภารกิจถ่ายโอน — help requests of the LAOs you cover (an LAO its "
        "own, a provincial office its province's, DLA every one), a page at a time (by id).",
        extensions=guarded(MissionHelp()),
    )
    async def mission_help_requests(
        self,
        info: Info,
        filter: MissionHelpFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MissionHelpRequest] | None:
        statement = (
            select(*MissionHelpRow.__table__.c)
            .join(LaoRow, LaoRow.id == MissionHelpRow.lao_id)
            .where(*mission_help_where(info.context.identity, filter or MissionHelpFilter()))
        )
        return await paginate(
            info, statement, MissionHelpRow.id, first, after, MissionHelpRequest.from_row
        )

    @strawberry.field(
        description="คำขอความช่วยเหลือ — one help request by id; null when it does not exist or you "
        "do not cover its LAO.",
        extensions=guarded(MissionHelp()),
    )
    async def mission_help_request(self, info: Info, id: int) -> MissionHelpRequest | None:
        statement = (
            select(*MissionHelpRow.__table__.c)
            .join(LaoRow, LaoRow.id == MissionHelpRow.lao_id)
            .where(
                MissionHelpRow.id == id,
                *mission_help_where(info.context.identity, MissionHelpFilter()),
            )
        )
        rows = await fetch_all(info.context.read_engine, statement)
        return MissionHelpRequest.from_row(rows[0]) if rows else None

    @strawberry.field(description="รอบการประเมินตัวชี้วัดที่ 16 — every KPI-16 round, newest first.")
    async def kpi16_rounds(self, info: Info) -> list[Kpi16Round]:
        statement = shapes.table_list_statement("kpi16Rounds")
        return [
            Kpi16Round.from_row(r) for r in await fetch_all(info.context.read_engine, statement)
        ]

    @strawberry.field(
        description="รอบการประเมินตัวชี้วัดที่ 16 — one round: its deadlines, DLA's reference list with "
        "each system's match, and the reports up the chain."
    )
    async def kpi16_round(
        self, info: Info, fiscal_year: int, round_no: int = 1
    ) -> Kpi16Round | None:
        statement = shapes.keyed_statement("kpi16Round", fiscal_year=fiscal_year, round_no=round_no)
        rows = await fetch_all(info.context.read_engine, statement)
        return Kpi16Round.from_row(rows[0]) if rows else None

    @strawberry.field(
        description="สรุปรายปีระดับประเทศ — national certification progress, LPA distribution and KPI-16 coverage."
    )
    async def national_stats(
        self, info: Info, fiscal_year: int, as_of: dt.datetime | None = None
    ) -> AreaYearStats:
        return area_stats(info, "nation", fiscal_year, as_of, None)

    @strawberry.field(
        description="รายงาน LPA ตัวชี้วัดที่ 7 ระดับประเทศ — the nation's LPA indicator 7 as of `asOf` "
        "(default: now): provisional and final score distributions, timeliness, the LAOs."
    )
    def national_lpa(
        self, info: Info, lpa_year: int, as_of: dt.datetime | None = None
    ) -> LpaReport:
        return lpa_report(info, "nation", lpa_year, as_of, None)

    @strawberry.field(
        description="เกณฑ์การให้คะแนน LPA ตัวชี้วัดที่ 7 ทุกฉบับ — every rubric version, oldest first."
    )
    async def lpa_rubrics(self, info: Info) -> list[LpaRubric]:
        return await lpa_rubrics_of(info.context.read_engine)

    @strawberry.field(
        description="เกณฑ์ที่ใช้ในปีประเมิน — the rubric version in force for an LPA year (the latest "
        "published at or before it)."
    )
    async def lpa_rubric(self, info: Info, lpa_year: int) -> LpaRubric:
        return await lpa_rubric_of(info.context.read_engine, lpa_year)

    # Background work (schema/mutations/jobs.py): export jobs and webhooks.
    export_job = jobs.export_job_field
    webhook_subscriptions = jobs.webhook_subscriptions_field
    webhook_deliveries = jobs.webhook_deliveries_field

    @strawberry.field(
        description="ผู้ตรวจประเมิน LPA — the LPA assessors appointed now (of one province, or all), "
        "by province then username. Listed to DLA administrators, and to a province's officers "
        "and assessors for that province; empty for everyone else."
    )
    async def lpa_assessors(
        self, info: Info, province_code: str | None = None
    ) -> list[LpaAssessor]:
        return await lpa_assessors_of(
            info.context.read_engine, province_code, identity=info.context.identity
        )

    @strawberry.field(
        description="แบบฟอร์มของปีงบประมาณ — the catalogue of a fiscal year's form: its 8 domains, "
        "their fields and record tables with Thai/English labels, units, bounds, whether "
        "completeness needs each, sensitivity and source. A year before FY 2563 answers the "
        "pre-2020 shape. Public: it describes forms, not data."
    )
    def catalogue(self, fiscal_year: int) -> Catalogue:
        return catalogue_of_year(fiscal_year)

    @strawberry.field(
        description="ความแตกต่างของแบบฟอร์ม — what changed from one fiscal year's form to another's: "
        "fields and record tables added, retired, and whose requirement changed (current shape)."
    )
    def catalogue_diff(
        self,
        info: Info,
        from_year: Annotated[int, strawberry.argument(name="from")],
        to_year: Annotated[int, strawberry.argument(name="to")],
    ) -> CatalogueDiff:
        return catalogue_diff(from_year, to_year)

    @strawberry.field(description="ปีงบประมาณ — fiscal years, newest first.")
    async def fiscal_years(self, info: Info) -> list[FiscalYear]:
        # Core rows (fetch_all runs Core statements): the columns, not ORM entities.
        statement = shapes.table_list_statement("fiscalYears")
        rows = await fetch_all(info.context.read_engine, statement)
        return [FiscalYear(**shapes.FISCAL_YEAR.python_values(y)) for y in rows]

    @strawberry.field(
        description="รอบ — rounds with their deadlines (INFO data of a fiscal year, KPI-16 and "
        "transferred-missions rounds), newest fiscal year first; optionally of one kind or year."
    )
    async def rounds(
        self, info: Info, kind: RoundKind | None = None, fiscal_year: int | None = None
    ) -> list[Round]:
        return await rounds_of(info.context.read_engine, kind=kind, fiscal_year=fiscal_year)

    @strawberry.field(
        description="ที่มาของข้อมูล — where one value of an LAO-year comes from: who set it, when, "
        "by which action or source system, and every change before (`field`: its API name, "
        "`staff` or `governance.staff`). Null when the caller may not see the LAO-year; "
        "FORBIDDEN for a client without the field's `domain:N`; who acted is personal data."
    )
    async def provenance(
        self, info: Info, lao_code: str, fiscal_year: int, field: str
    ) -> ValueProvenance | None:
        return await value_provenance(info, lao_code, fiscal_year, field)

    @strawberry.field(
        description="ระบบต้นทาง — the other DLA systems whose values the hub shows, and the fields "
        "each delivers (`deliverPulledValues`)."
    )
    def source_systems(self) -> list[SourceSystem]:
        return list(SOURCE_SYSTEM_TYPES.values())

    @strawberry.field(
        description="ระบบงานและหน่วยงานเจ้าของ — the hub's modules (INFO, LPA indicator 7, KPI 16, "
        "transferred missions) and the DLA unit that owns each, with its telephone."
    )
    def modules(self) -> list[Module]:
        return hub_modules()

    @strawberry.field(description="รอบ — one round by its id.")
    async def round(self, info: Info, id: int) -> Round | None:
        return await round_of(info.context.read_engine, id=id)


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
            ValidatedDocuments,  # first: it notes the standard rules before the others add theirs
            *limit_extensions(QueryLimits()),
            partial(TextGuardExtension, text_limits),
            partial(MaskInternalErrors, mask=mask_errors),
            ReadAuditExtension,
            *extensions,
        ],
    )


schema = build_schema()
