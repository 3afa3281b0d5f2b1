"""Mutations: typed inputs built from the catalogue, typed results (a union of success and errors).

Resolvers translate GraphQL input to `hub.services.lao_year` calls and `workflow.Problem` refusals to
error types; they decide nothing themselves. Each mutation is one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET

from hub.rules import problems
from hub.rules.catalogue import DOMAINS, Domain, Field, Kind, RecordTable
from hub.rules.certification import PROVINCE_BATCH_LIMIT, Action
from hub.rules.completeness import domains_in
from hub.rules.enums import MissionArea as MissionAreaEnum
from hub.rules.enums import Role as RoleEnum
from hub.rules.identity import Identity
from hub.rules.problems import Problem
from hub.rules.validation import FieldError, api_names
from hub.services import audit, fiscal_years, kpi16_import, profile
from hub.services import lao_year as workflow
from hub.services import missions as mission_records
from schema.context import Info
from schema.domains import _SCALARS, CHOICE_ENUMS, describe
from schema.enums import CertificationState, MissionArea, MissionStatus

# --- errors ---------------------------------------------------------------------------------


@strawberry.interface(
    description="A refusal: nothing was changed. `message` in English, `messageTh` in Thai."
)
class MutationError:
    message: str
    message_th: str


@strawberry.type(description="ไม่มีสิทธิ์ — the caller's role does not allow this.")
class Forbidden(MutationError):
    pass


@strawberry.type(description="ไม่พบข้อมูล — the LAO, fiscal year or record does not exist.")
class NotFound(MutationError):
    pass


@strawberry.type(
    description="สถานะไม่ถูกต้อง — the action is not allowed in the current certification state."
)
class InvalidState(MutationError):
    current_state: CertificationState = strawberry.field(
        description="สถานะปัจจุบัน — the state the data is in now."
    )


@strawberry.type(description="ด้านที่ยังไม่ครบ — one incomplete domain and what it lacks.")
class IncompleteDomain:
    domain: int
    label_th: str
    missing_fields: list[str]


@strawberry.type(description="ข้อมูลยังไม่ครบ 8 ด้าน — LAO certification needs all 8 domains complete.")
class IncompleteDomains(MutationError):
    domains: list[IncompleteDomain]


@strawberry.type(
    description="ข้อมูลถูกแก้ไขโดยผู้อื่น — the data changed since it was loaded; reload and retry."
)
class VersionConflict(MutationError):
    current_version: int = strawberry.field(
        description="ฉบับปัจจุบัน — the version the data is at now."
    )


@strawberry.type(
    description="ปีงบประมาณปิดแล้ว — DLA has closed the fiscal year: read-only for every role."
)
class FiscalYearClosed(MutationError):
    fiscal_year: int


@strawberry.type(description="ต้องระบุเหตุผล — cancellations and retirements need a reason.")
class ReasonRequired(MutationError):
    pass


@strawberry.type(description="ข้อผิดพลาดรายช่อง — one invalid field, named by its path.")
class FieldProblem:
    path: str = strawberry.field(
        description="The field, e.g. `healthEnvironment.villageHealthVolunteers`."
    )
    code: str = strawberry.field(
        description="OUT_OF_RANGE, NOT_A_CHOICE, TOO_LONG, READ_ONLY, REQUIRED, WRONG_TYPE…"
    )
    message: str
    message_th: str


@strawberry.type(description="ข้อมูลไม่ถูกต้อง — some fields are invalid; each is listed.")
class ValidationFailed(MutationError):
    errors: list[FieldProblem]


def error_from(problem: Problem, fiscal_year: int | None = None) -> Any:
    """The typed refusal reporting `problem` (the mutations' part of the one mapping,
    schema/errors.py). A problem no refusal type reports (the database is unavailable or
    busy, the request timed out) is raised again: it becomes an error with its code and
    makes the answer a 503."""
    common = {"message": problem.message_en, "message_th": problem.message_th}
    if isinstance(problem, problems.Forbidden):
        return Forbidden(**common)
    if isinstance(problem, problems.NotFound):
        return NotFound(**common)
    if isinstance(problem, problems.InvalidState):
        return InvalidState(
            **common, current_state=problem.current_state.name if problem.current_state else "DRAFT"
        )
    if isinstance(problem, problems.Incomplete):
        return IncompleteDomains(
            **common,
            domains=[
                IncompleteDomain(
                    domain=n,
                    label_th=DOMAINS[n - 1].label_th,
                    missing_fields=api_names(problem.missing.get(n, [])),
                )
                for n in problem.incomplete_domains
            ],
        )
    if isinstance(problem, problems.VersionConflict):
        return VersionConflict(**common, current_version=problem.current_version or 0)
    if isinstance(problem, problems.YearClosed):
        return FiscalYearClosed(**common, fiscal_year=fiscal_year or 0)
    if isinstance(problem, problems.ReasonRequired):
        return ReasonRequired(**common)
    if isinstance(problem, problems.InvalidInput | problems.TooLarge):
        return ValidationFailed(
            **common,
            errors=[
                FieldProblem(
                    path=e.path, code=e.code, message=e.message_en, message_th=e.message_th
                )
                for e in problem.errors
            ],
        )
    raise problem


# Every kind of refusal and the type reporting it (tests/test_error_model.py checks it).
REFUSAL_TYPES: dict[type[Problem], type] = {
    problems.Forbidden: Forbidden,
    problems.NotFound: NotFound,
    problems.InvalidState: InvalidState,
    problems.Incomplete: IncompleteDomains,
    problems.VersionConflict: VersionConflict,
    problems.YearClosed: FiscalYearClosed,
    problems.YearViewOnly: FiscalYearClosed,
    problems.ReasonRequired: ReasonRequired,
    problems.InvalidInput: ValidationFailed,
    problems.TooLarge: ValidationFailed,
}


ERRORS = (
    Forbidden,
    NotFound,
    InvalidState,
    IncompleteDomains,
    VersionConflict,
    FiscalYearClosed,
    ReasonRequired,
    ValidationFailed,
)

# --- successes ------------------------------------------------------------------------------


@strawberry.type(description="บันทึกแล้ว — the section was saved.")
class SectionSaved:
    version: int = strawberry.field(
        description="ฉบับใหม่ — the LAO-year's new version: send it with the next save."
    )
    complete_domains: list[int] = strawberry.field(
        description="ด้านที่ครบแล้ว — domains complete after this save."
    )


@strawberry.type(description="บันทึกรายการแล้ว — the record was added, updated or retired.")
class RecordSaved:
    record_id: int
    record_key: strawberry.ID
    record_version: int
    version: int = strawberry.field(description="The LAO-year's new version.")
    complete_domains: list[int]


@strawberry.type(description="เปลี่ยนสถานะแล้ว — the certification state changed.")
class StateChanged:
    lao_code: str
    fiscal_year: int
    from_state: CertificationState
    state: CertificationState
    version: int
    at: dt.datetime


SaveSectionResult = Annotated[
    SectionSaved
    | Forbidden
    | NotFound
    | InvalidState
    | VersionConflict
    | FiscalYearClosed
    | ValidationFailed,
    strawberry.union("SaveSectionResult"),
]
SaveRecordResult = Annotated[
    RecordSaved
    | Forbidden
    | NotFound
    | InvalidState
    | VersionConflict
    | FiscalYearClosed
    | ValidationFailed
    | ReasonRequired,
    strawberry.union("SaveRecordResult"),
]
CertificationResult = Annotated[
    StateChanged
    | Forbidden
    | NotFound
    | InvalidState
    | IncompleteDomains
    | VersionConflict
    | FiscalYearClosed
    | ReasonRequired,
    strawberry.union("CertificationResult"),
]


@strawberry.input(
    description="อ้างอิงข้อมูล อปท. รายปี — one LAO-year, with the version it was seen at (optional)."
)
class LaoYearRef:
    lao_code: str
    fiscal_year: int
    version: int | None = None


@strawberry.type(description="ผลรายการ — the outcome for one LAO-year of a batch.")
class CertificationItem:
    lao_code: str
    fiscal_year: int
    result: CertificationResult


# --- inputs built from the catalogue ---------------------------------------------------------


def _input_type(f: Field, owner: str) -> Any:
    if f.kind is Kind.CHOICE:
        return CHOICE_ENUMS[(owner, f.name)]
    if f.kind is Kind.VILLAGE:
        return int
    return _SCALARS[f.kind]


def _input_name(f: Field) -> str:
    return "village_number" if f.kind is Kind.VILLAGE else f.name


def _build_input(
    name: str,
    fields: tuple[Field, ...],
    owner: str,
    flags: tuple[RecordTable, ...] = (),
    description: str = "",
) -> Any:
    namespace: dict[str, Any] = {"__annotations__": {}}
    for f in fields:
        if f.read_only:
            continue  # pulled from another DLA system: corrected there, never here
        attribute = _input_name(f)
        namespace["__annotations__"][attribute] = _input_type(f, owner) | None
        text = describe(f)
        if f.kind is Kind.VILLAGE:
            text = f"หมู่ที่ — village number within the LAO's subdistrict. {text}"
        namespace[attribute] = strawberry.field(
            default=UNSET, description=text + " Omit to keep; null to clear."
        )
    for t in flags:
        namespace["__annotations__"][t.none_flag] = bool | None
        namespace[t.none_flag] = strawberry.field(
            default=UNSET,
            description=f"ไม่มี{t.label_th}ในพื้นที่ — mark the table explicitly empty. "
            "Omit to keep; null to clear (false).",
        )
    return strawberry.input(type(name, (), namespace), description=description)


SECTION_INPUTS = {
    d.number: _build_input(
        d.type_name.removesuffix("Section") + "Input",
        d.fields,
        "",
        d.record_tables,
        f"ข้อมูลด้านที่ {d.number} {d.label_th} — fields to save; omitted fields keep their values.",
    )
    for d in DOMAINS
}
RECORD_INPUTS = {
    t.name: _build_input(
        t.type_name + "Input",
        t.fields,
        t.type_name,
        (),
        f"{t.label_th} — {t.label_en}: one record.",
    )
    for d in DOMAINS
    for t in d.record_tables
}


def _values(data: Any, fields: tuple[Field, ...]) -> dict[str, Any]:
    values = {}
    for f in fields:
        if f.read_only:
            continue
        value = getattr(data, _input_name(f), UNSET)
        if value is not UNSET:
            values[f.name] = (
                value.value if hasattr(value, "value") and f.kind is Kind.CHOICE else value
            )
    for key, value in vars(data).items():
        if key.endswith("_none") and value is not UNSET:
            values[key] = value
    return values


# --- resolvers ------------------------------------------------------------------------------


def actor_of(identity: Identity, role_hint: tuple[RoleEnum, ...] = ()) -> audit.Actor:
    roles = identity.roles()
    role = next((r for r in role_hint if r in roles), roles[0] if roles else None)
    return audit.Actor(
        user_id=identity.user_id,
        client_id=identity.client_pk,
        role=role,
        name=identity.subject,
        subject=identity.external_subject,
        issuer=identity.issuer,
    )


async def _attempt(call: Callable[[], Awaitable[Any]], fiscal_year: int | None) -> Any:
    try:
        return await call()
    except problems.Refusal as problem:
        return error_from(problem, fiscal_year)


def _writer(info: Info) -> Any:
    return info.context.writer or info.context.engine


def _section_mutation(d: Domain) -> Any:
    input_type = SECTION_INPUTS[d.number]

    async def resolve(info: Info, lao_code: str, fiscal_year: int, version: int, data: Any) -> Any:
        identity = info.context.identity

        async def call() -> SectionSaved:
            saved = await workflow.save_section(
                _writer(info),
                identity,
                actor_of(identity, (RoleEnum.LAO_RECORDER, RoleEnum.LAO_VERIFIER)),
                lao_code=lao_code,
                fiscal_year=fiscal_year,
                domain_number=d.number,
                values=_values(data, d.fields),
                expected_version=version,
            )
            return SectionSaved(
                version=saved.version, complete_domains=domains_in(saved.complete_mask)
            )

        return await _attempt(call, fiscal_year)

    resolve.__annotations__ = {
        "info": Info,
        "lao_code": str,
        "fiscal_year": int,
        "version": int,
        "data": input_type,
        "return": SaveSectionResult,
    }
    return strawberry.mutation(
        resolver=resolve,
        name=f"save{d.type_name.removesuffix('Section')}",
        description=f"บันทึกข้อมูลด้านที่ {d.number} {d.label_th} — save domain {d.number} ({d.label_en}). "
        "Needs the LAO's recorder or verifier, a DRAFT in an open year, and the version you loaded.",
    )


def _record_mutations(t: RecordTable) -> dict[str, Any]:
    input_type = RECORD_INPUTS[t.name]
    name = t.type_name

    def save(
        info: Info,
        lao_code: str,
        fiscal_year: int,
        version: int,
        values: dict[str, Any],
        **record: Any,
    ) -> Any:
        identity = info.context.identity
        call = workflow.save_record(
            _writer(info),
            identity,
            actor_of(identity),
            table_name=t.name,
            lao_code=lao_code,
            fiscal_year=fiscal_year,
            values=values,
            expected_lao_year_version=version,
            **record,
        )
        return _attempt(lambda: _record_saved(call), fiscal_year)

    async def add(info: Info, lao_code: str, fiscal_year: int, version: int, data: Any) -> Any:
        return await save(info, lao_code, fiscal_year, version, _values(data, t.fields))

    async def change(
        info: Info,
        lao_code: str,
        fiscal_year: int,
        version: int,
        record_id: int,
        record_version: int,
        data: Any,
    ) -> Any:
        return await save(
            info,
            lao_code,
            fiscal_year,
            version,
            _values(data, t.fields),
            record_id=record_id,
            expected_record_version=record_version,
        )

    async def retire(
        info: Info,
        lao_code: str,
        fiscal_year: int,
        version: int,
        record_id: int,
        record_version: int,
        reason: str,
    ) -> Any:
        return await save(
            info,
            lao_code,
            fiscal_year,
            version,
            {},
            record_id=record_id,
            expected_record_version=record_version,
            retire_reason=reason,
        )

    base = {
        "info": Info,
        "lao_code": str,
        "fiscal_year": int,
        "version": int,
        "return": SaveRecordResult,
    }
    add.__annotations__ = {**base, "data": input_type}
    change.__annotations__ = {**base, "record_id": int, "record_version": int, "data": input_type}
    retire.__annotations__ = {**base, "record_id": int, "record_version": int, "reason": str}
    return {
        f"add_{t.name[:-1]}": strawberry.mutation(
            resolver=add, name=f"add{name}", description=f"เพิ่ม{t.label_th} — add one record."
        ),
        f"update_{t.name[:-1]}": strawberry.mutation(
            resolver=change,
            name=f"update{name}",
            description=f"แก้ไข{t.label_th} — update one record (fields omitted keep their values).",
        ),
        f"retire_{t.name[:-1]}": strawberry.mutation(
            resolver=retire,
            name=f"retire{name}",
            description=f"ยกเลิก{t.label_th} — retire one record (kept in history) with a reason.",
        ),
    }


async def _record_saved(call: Awaitable[workflow.RecordSaved]) -> RecordSaved:
    saved = await call
    return RecordSaved(
        record_id=saved.record_id,
        record_key=strawberry.ID(saved.record_key),
        record_version=saved.record_version,
        version=saved.lao_year_version,
        complete_domains=domains_in(saved.complete_mask),
    )


async def _transition(
    info: Info,
    action: Action,
    lao_code: str,
    fiscal_year: int,
    reason: str | None,
    version: int | None,
) -> Any:
    identity = info.context.identity
    hint = (
        (RoleEnum.PROVINCE_OFFICER,)
        if action in (Action.CERTIFY_PROVINCE, Action.CANCEL_PROVINCE)
        else (RoleEnum.LAO_VERIFIER,)
    )

    async def call() -> StateChanged:
        done = await workflow.transition(
            _writer(info),
            identity,
            actor_of(identity, hint),
            action,
            lao_code=lao_code,
            fiscal_year=fiscal_year,
            reason=reason,
            expected_version=version,
        )
        return StateChanged(
            lao_code=lao_code,
            fiscal_year=fiscal_year,
            from_state=done.from_state.name,
            state=done.state.name,
            version=done.version,
            at=done.at,
        )

    return await _attempt(call, fiscal_year)


MAX_BATCH = PROVINCE_BATCH_LIMIT


def _mutation_namespace() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    for d in DOMAINS:
        namespace[f"save_{d.key}"] = _section_mutation(d)
        for t in d.record_tables:
            namespace.update(_record_mutations(t))

    @strawberry.mutation(
        description="รับรองข้อมูลระดับ อปท. — the LAO's verifier certifies a complete DRAFT (all 8 domains)."
    )
    async def certify_lao(
        info: Info, lao_code: str, fiscal_year: int, version: int | None = None
    ) -> CertificationResult:
        return await _transition(info, Action.CERTIFY_LAO, lao_code, fiscal_year, None, version)

    @strawberry.mutation(
        description="ยกเลิกการรับรองระดับ อปท. — back to DRAFT so the LAO can edit; a reason is required. Refused while the province has certified."
    )
    async def cancel_lao_certification(
        info: Info, lao_code: str, fiscal_year: int, reason: str, version: int | None = None
    ) -> CertificationResult:
        return await _transition(info, Action.CANCEL_LAO, lao_code, fiscal_year, reason, version)

    @strawberry.mutation(
        description="รับรองข้อมูลระดับจังหวัด — an officer of the LAO's provincial office certifies LAO-certified data. "
        f"Takes one or many LAO-years (up to {MAX_BATCH}); each is certified independently and has its own result."
    )
    async def certify_province(info: Info, items: list[LaoYearRef]) -> list[CertificationItem]:
        if len(items) > MAX_BATCH:  # refused before any transaction opens
            raise problems.invalid(
                "items",
                "TOO_MANY",
                f"at most {MAX_BATCH:,} LAO-years per request, got {len(items):,}",
                f"ได้ไม่เกิน {MAX_BATCH:,} รายการต่อคำขอ (ได้รับ {len(items):,})",
            )
        results = []
        for item in items:
            result = await _transition(
                info, Action.CERTIFY_PROVINCE, item.lao_code, item.fiscal_year, None, item.version
            )
            results.append(
                CertificationItem(
                    lao_code=item.lao_code, fiscal_year=item.fiscal_year, result=result
                )
            )
        return results

    @strawberry.mutation(
        description="ยกเลิกการรับรองระดับจังหวัด — back to LAO_CERTIFIED; a reason is required."
    )
    async def cancel_province_certification(
        info: Info, lao_code: str, fiscal_year: int, reason: str, version: int | None = None
    ) -> CertificationResult:
        return await _transition(
            info, Action.CANCEL_PROVINCE, lao_code, fiscal_year, reason, version
        )

    namespace.update(
        certify_lao=certify_lao,
        cancel_lao_certification=cancel_lao_certification,
        certify_province=certify_province,
        cancel_province_certification=cancel_province_certification,
    )
    return namespace


# --- fiscal years, missions, KPI-16 baseline, profile ---------------------------------------


@strawberry.type(description="ปีงบประมาณ — a fiscal year was opened or closed.")
class FiscalYearUpdated:
    year_be: int
    is_open: bool
    lao_years: int | None = strawberry.field(description="LAO-years created (when opened).")
    copied_from: int | None = strawberry.field(
        description="The year whose data each LAO starts from, if copied."
    )


@strawberry.type(description="บันทึกภารกิจแล้ว — a transferred-mission record was saved.")
class MissionRecordSaved:
    id: int
    status: MissionStatus
    version: int


@strawberry.type(description="เพิ่มภารกิจในบัญชีแล้ว — a mission was added to DLA's catalogue.")
class CatalogueMissionAdded:
    code: str


@strawberry.type(
    description="นำเข้าฐานข้อมูลอ้างอิงแล้ว — a province's KPI-16 reference list was imported."
)
class Kpi16BaselineImported:
    province_code: str
    references: int
    replaced: int = strawberry.field(
        description="References of the previous list for this province and round."
    )


@strawberry.type(description="บันทึกข้อมูลทั่วไปแล้ว — the LAO profile was saved.")
class ProfileSaved:
    version: int


FiscalYearResult = Annotated[
    FiscalYearUpdated | Forbidden | NotFound | InvalidState | FiscalYearClosed | ValidationFailed,
    strawberry.union("FiscalYearResult"),
]
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
Kpi16ImportResult = Annotated[
    Kpi16BaselineImported | Forbidden | NotFound | ValidationFailed,
    strawberry.union("Kpi16ImportResult"),
]
ProfileResult = Annotated[
    ProfileSaved | Forbidden | NotFound | VersionConflict | ValidationFailed,
    strawberry.union("ProfileResult"),
]


@strawberry.input(description="ข้อมูลภารกิจถ่ายโอน — what came with a transferred mission.")
class MissionRecordInput:
    received_on: dt.date | None = strawberry.field(
        default=UNSET, description="วันที่รับถ่ายโอน — received since."
    )
    budget_baht: float | None = strawberry.field(
        default=UNSET, description="งบประมาณ (บาท) — budget, baht."
    )
    staff_transferred: int | None = strawberry.field(
        default=UNSET, description="บุคลากร (คน) — staff transferred."
    )
    assets: str | None = strawberry.field(default=UNSET, description="ทรัพย์สิน — assets transferred.")
    note: str | None = strawberry.field(default=UNSET, description="หมายเหตุ — note.")


@strawberry.input(description="ผู้บันทึกข้อมูล — one data-recorder slot (personal data).")
class RecorderInput:
    slot: int
    name: str
    position: str | None = None
    phone: str | None = None
    email: str | None = None


@strawberry.input(
    description="ข้อมูลทั่วไปของ อปท. — profile fields to save; omitted ones keep their values."
)
class LaoProfileInput:
    address_number: str | None = UNSET
    address_village_number: int | None = UNSET
    address_road: str | None = UNSET
    phone: str | None = strawberry.field(
        default=UNSET, description="โทรศัพท์สำนักงาน — the office line (public)."
    )
    has_website: bool | None = UNSET
    website_url: str | None = UNSET
    latitude: float | None = UNSET
    longitude: float | None = UNSET


def _given(data: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(data).items() if v is not UNSET}


def _admin_namespace() -> dict[str, Any]:
    @strawberry.mutation(
        description="เปิดปีงบประมาณ — DLA opens a fiscal year with its deadlines; with `copyPrevious` each LAO starts from last year's data as a draft. "
        "Earlier years stay as they are (LAOs keep working in every open year until DLA closes it); a closed year is never opened again."
    )
    async def open_fiscal_year(
        info: Info,
        year_be: int,
        record_deadline: dt.date,
        province_deadline: dt.date | None = None,
        copy_previous: bool = True,
    ) -> FiscalYearResult:
        identity = info.context.identity

        async def call() -> FiscalYearUpdated:
            opened = await fiscal_years.open_year(
                _writer(info),
                identity,
                actor_of(identity, (RoleEnum.DLA_ADMIN,)),
                year_be=year_be,
                record_deadline=record_deadline,
                province_deadline=province_deadline,
                copy_previous=copy_previous,
            )
            return FiscalYearUpdated(
                year_be=year_be,
                is_open=True,
                lao_years=opened.lao_years,
                copied_from=opened.copied_from,
            )

        return await _attempt(call, year_be)

    @strawberry.mutation(
        description="ปิดปีงบประมาณ — DLA closes a fiscal year: read-only for every role afterwards."
    )
    async def close_fiscal_year(
        info: Info, year_be: int, reason: str | None = None
    ) -> FiscalYearResult:
        identity = info.context.identity

        async def call() -> FiscalYearUpdated:
            await fiscal_years.close_year(
                _writer(info),
                identity,
                actor_of(identity, (RoleEnum.DLA_ADMIN,)),
                year_be=year_be,
                reason=reason,
            )
            return FiscalYearUpdated(
                year_be=year_be, is_open=False, lao_years=None, copied_from=None
            )

        return await _attempt(call, year_be)

    @strawberry.mutation(description="เพิ่มภารกิจในบัญชี — DLA adds a mission to the catalogue.")
    async def add_catalogue_mission(
        info: Info,
        code: str,
        name_th: str,
        area: MissionArea,
        agency_code: str,
        name_en: str | None = None,
    ) -> CatalogueMissionResult:
        identity = info.context.identity

        async def call() -> CatalogueMissionAdded:
            await mission_records.add_catalogue_mission(
                _writer(info),
                identity,
                actor_of(identity),
                code=code,
                name_th=name_th,
                area=MissionAreaEnum[area.value],
                agency_code=agency_code,
                name_en=name_en,
            )
            return CatalogueMissionAdded(code=code.strip())

        return await _attempt(call, None)

    @strawberry.mutation(
        description="บันทึกภารกิจที่ได้รับถ่ายโอน — the LAO records a mission it received."
    )
    async def record_transferred_mission(
        info: Info, lao_code: str, mission_code: str, data: MissionRecordInput
    ) -> MissionRecordResult:
        identity = info.context.identity
        values = _given(data)

        async def call() -> MissionRecordSaved:
            if values.get("received_on") is None:
                raise problems.InvalidInput(
                    "receivedOn is required.",
                    "ต้องระบุวันที่รับถ่ายโอน",
                    errors=[
                        FieldError(
                            "mission.receivedOn",
                            "REQUIRED",
                            "Received on: required",
                            "วันที่รับถ่ายโอน: ต้องระบุ",
                        )
                    ],
                )
            saved = await mission_records.record_mission(
                _writer(info),
                identity,
                actor_of(identity),
                lao_code=lao_code,
                mission_code=mission_code,
                **values,
            )
            return MissionRecordSaved(id=saved.id, status=saved.status.name, version=saved.version)

        return await _attempt(call, None)

    @strawberry.mutation(
        description="แก้ไขภารกิจถ่ายโอน — update a mission record (it becomes CHANGED; history kept)."
    )
    async def update_transferred_mission(
        info: Info, id: int, version: int, data: MissionRecordInput
    ) -> MissionRecordResult:
        identity = info.context.identity

        async def call() -> MissionRecordSaved:
            saved = await mission_records.change_mission(
                _writer(info),
                identity,
                actor_of(identity),
                record_id=id,
                expected_version=version,
                values=_given(data),
            )
            return MissionRecordSaved(id=saved.id, status=saved.status.name, version=saved.version)

        return await _attempt(call, None)

    @strawberry.mutation(
        description="ยกเลิกภารกิจถ่ายโอน — cancel a mission record with a date and reason; the record is kept."
    )
    async def cancel_transferred_mission(
        info: Info, id: int, version: int, reason: str, cancelled_on: dt.date | None = None
    ) -> MissionRecordResult:
        identity = info.context.identity

        async def call() -> MissionRecordSaved:
            saved = await mission_records.change_mission(
                _writer(info),
                identity,
                actor_of(identity),
                record_id=id,
                expected_version=version,
                values={},
                cancel_reason=reason,
                cancelled_on=cancelled_on,
            )
            return MissionRecordSaved(id=saved.id, status=saved.status.name, version=saved.version)

        return await _attempt(call, None)

    @strawberry.mutation(
        description="นำเข้าฐานข้อมูลอ้างอิงประปาหมู่บ้าน (ตัวชี้วัดที่ 16) — DLA imports a province's reference list (CSV: reference_code, lao_code, village_number, name, latitude, longitude); it replaces that province's list for the round."
    )
    async def import_kpi16_baseline(
        info: Info,
        fiscal_year: int,
        province_code: str,
        csv: str,
        round_no: int = 1,
        target_percent: float = 80.0,
    ) -> Kpi16ImportResult:
        identity = info.context.identity

        async def call() -> Kpi16BaselineImported:
            done = await kpi16_import.import_references(
                _writer(info),
                identity,
                actor_of(identity, (RoleEnum.DLA_ADMIN,)),
                fiscal_year=fiscal_year,
                round_no=round_no,
                province_code=province_code,
                csv_text=csv,
                target_percent=target_percent,
            )
            return Kpi16BaselineImported(
                province_code=province_code, references=done.references, replaced=done.replaced
            )

        return await _attempt(call, fiscal_year)

    @strawberry.mutation(
        description="แก้ไขข้อมูลทั่วไปของ อปท. — the LAO's staff update its profile and, optionally, its two recorder slots."
    )
    async def update_lao_profile(
        info: Info,
        lao_code: str,
        version: int,
        data: LaoProfileInput,
        recorders: list[RecorderInput] | None = None,
    ) -> ProfileResult:
        identity = info.context.identity

        async def call() -> ProfileSaved:
            new_version = await profile.update_profile(
                _writer(info),
                identity,
                actor_of(identity),
                lao_code=lao_code,
                expected_version=version,
                values=_given(data),
                recorders=None
                if recorders is None
                else [profile.Recorder(**vars(r)) for r in recorders],
            )
            return ProfileSaved(version=new_version)

        return await _attempt(call, None)

    return {
        "open_fiscal_year": open_fiscal_year,
        "close_fiscal_year": close_fiscal_year,
        "add_catalogue_mission": add_catalogue_mission,
        "record_transferred_mission": record_transferred_mission,
        "update_transferred_mission": update_transferred_mission,
        "cancel_transferred_mission": cancel_transferred_mission,
        "import_kpi16_baseline": import_kpi16_baseline,
        "update_lao_profile": update_lao_profile,
    }


Mutation = strawberry.type(type("Mutation", (), {**_mutation_namespace(), **_admin_namespace()}))
