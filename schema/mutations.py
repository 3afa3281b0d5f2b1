"""Mutations: typed inputs built from the catalogue, typed results (a union of success and errors).

Resolvers translate GraphQL input to `hub.workflow` calls and `workflow.Problem` refusals to
error types; they decide nothing themselves. Each mutation is one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET

from hub import audit, workflow
from hub.catalogue import DOMAINS, Domain, Field, Kind, RecordTable
from hub.certification import Action
from hub.completeness import domains_in
from hub.enums import Role as RoleEnum
from hub.identity import Identity
from schema.context import Info
from schema.domains import _SCALARS, CHOICE_ENUMS, describe
from schema.enums import CertificationState

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
    description="ปีงบประมาณปิดแล้ว — the fiscal year is closed (read-only) or view-only for the LAO."
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


def error_from(problem: workflow.Problem, fiscal_year: int | None = None) -> Any:
    kind = problem.kind
    common = {"message": problem.message_en, "message_th": problem.message_th}
    if kind == "FORBIDDEN":
        return Forbidden(**common)
    if kind == "NOT_FOUND":
        return NotFound(**common)
    if kind == "INVALID_STATE":
        return InvalidState(
            **common, current_state=problem.current_state.name if problem.current_state else "DRAFT"
        )
    if kind == "INCOMPLETE":
        return IncompleteDomains(
            **common,
            domains=[
                IncompleteDomain(
                    domain=n,
                    label_th=DOMAINS[n - 1].label_th,
                    missing_fields=problem.missing.get(n, []),
                )
                for n in problem.incomplete_domains
            ],
        )
    if kind == "VERSION_CONFLICT":
        return VersionConflict(**common, current_version=problem.current_version or 0)
    if kind in ("YEAR_CLOSED", "YEAR_VIEW_ONLY"):
        return FiscalYearClosed(**common, fiscal_year=fiscal_year or 0)
    if kind == "REASON_REQUIRED":
        return ReasonRequired(**common)
    if kind == "VALIDATION":
        return ValidationFailed(
            **common,
            errors=[
                FieldProblem(
                    path=e.path, code=e.code, message=e.message_en, message_th=e.message_th
                )
                for e in problem.errors
            ],
        )
    raise AssertionError(f"unmapped problem kind {kind}")


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
            default=UNSET, description=f"ไม่มี{t.label_th}ในพื้นที่ — mark the table explicitly empty."
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
        user_id=identity.user_id, client_id=identity.client_pk, role=role, name=identity.subject
    )


async def _attempt(call: Callable[[], Awaitable[Any]], fiscal_year: int | None) -> Any:
    try:
        return await call()
    except workflow.Problem as problem:
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
        "Needs the LAO's recorder or verifier, a DRAFT in the current open year, and the version you loaded.",
    )


def _record_mutations(t: RecordTable) -> dict[str, Any]:
    input_type = RECORD_INPUTS[t.name]
    name = t.type_name

    async def add(info: Info, lao_code: str, fiscal_year: int, version: int, data: Any) -> Any:
        identity = info.context.identity
        return await _attempt(
            lambda: _record_saved(
                workflow.save_record(
                    _writer(info),
                    identity,
                    actor_of(identity),
                    table_name=t.name,
                    lao_code=lao_code,
                    fiscal_year=fiscal_year,
                    values=_values(data, t.fields),
                    expected_lao_year_version=version,
                )
            ),
            fiscal_year,
        )

    async def change(
        info: Info,
        lao_code: str,
        fiscal_year: int,
        version: int,
        record_id: int,
        record_version: int,
        data: Any,
    ) -> Any:
        identity = info.context.identity
        return await _attempt(
            lambda: _record_saved(
                workflow.save_record(
                    _writer(info),
                    identity,
                    actor_of(identity),
                    table_name=t.name,
                    lao_code=lao_code,
                    fiscal_year=fiscal_year,
                    values=_values(data, t.fields),
                    expected_lao_year_version=version,
                    record_id=record_id,
                    expected_record_version=record_version,
                )
            ),
            fiscal_year,
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
        identity = info.context.identity
        return await _attempt(
            lambda: _record_saved(
                workflow.save_record(
                    _writer(info),
                    identity,
                    actor_of(identity),
                    table_name=t.name,
                    lao_code=lao_code,
                    fiscal_year=fiscal_year,
                    values={},
                    expected_lao_year_version=version,
                    record_id=record_id,
                    expected_record_version=record_version,
                    retire_reason=reason,
                )
            ),
            fiscal_year,
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


MAX_BATCH = 1000


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
        if len(items) > MAX_BATCH:
            raise ValueError(f"items: at most {MAX_BATCH} LAO-years per request, got {len(items)}")
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


Mutation = strawberry.type(type("Mutation", (), _mutation_namespace()))
