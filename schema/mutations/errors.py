"""The mutations' refusals: typed GraphQL answers for the hub's refusals, mapped in one place.

A mutation's result is a union of its success type and the refusals it can meet; a refusal
changed nothing. `REFUSALS` maps each refusal class of `hub.rules.problems` to the type
reporting it (the mutations' part of the one mapping; `schema.errors.PROBLEM_MAPPING` is
the rest, and tests/test_error_model.py checks every refusal has an entry), and
`answers_refusals` is the one way a resolver uses it: the resolver calls the service and
returns its success, and a refusal the service raises is returned as its typed answer. A
problem that is not a refusal (the database is unavailable or busy, the request timed out)
is raised on: it becomes an error with its code and makes the answer a 503.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

import strawberry

from hub.rules import problems
from hub.rules.catalogue import DOMAINS
from hub.rules.validation import api_names
from schema.enums import CertificationState


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


@strawberry.type(
    description="รอบไม่ได้เปิดอยู่ — the round has not opened yet, or has closed: nothing is accepted for it."
)
class RoundNotOpen(MutationError):
    pass


@strawberry.type(
    description="ขัดกับประวัติทะเบียน อปท. — an LAO registry change contradicts the registry's "
    "history: `reason` DATE_CONFLICT (not after the LAO's last recorded change of that kind), "
    "CODE_TAKEN (another LAO holds the code), MERGED (the LAO was merged into another), "
    "UNCHANGED (the LAO already has that value) or SAME_LAO (merged into itself)."
)
class RegistryConflict(MutationError):
    field: str = strawberry.field(description="The argument at fault, e.g. `effectiveOn`.")
    reason: str


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
    line: int | None = strawberry.field(
        default=None,
        description="บรรทัด — for an imported file, the line (row) at fault; the header is line 1.",
    )
    column: str | None = strawberry.field(
        default=None,
        description="คอลัมน์ — for an imported file, the column's heading as the file wrote it.",
    )


@strawberry.type(description="ข้อมูลไม่ถูกต้อง — some fields are invalid; each is listed.")
class ValidationFailed(MutationError):
    errors: list[FieldProblem]


# --- the mapping ------------------------------------------------------------------------------

Details = Callable[[Any], dict[str, Any]]


def _none(problem: problems.Refusal) -> dict[str, Any]:
    return {}


def _incomplete(problem: problems.Refusal) -> dict[str, Any]:
    return {
        "domains": [
            IncompleteDomain(
                domain=n,
                label_th=DOMAINS[n - 1].label_th,
                missing_fields=api_names(problem.missing.get(n, [])),
            )
            for n in problem.incomplete_domains
        ]
    }


def _fields(problem: problems.Refusal) -> dict[str, Any]:
    return {
        "errors": [
            FieldProblem(
                path=e.path,
                code=e.code,
                message=e.message_en,
                message_th=e.message_th,
                line=e.line,
                column=e.column,
            )
            for e in problem.errors
        ]
    }


# Every refusal class, the type reporting it and that type's details from the problem.
REFUSALS: dict[type[problems.Refusal], tuple[type, Details]] = {
    problems.Forbidden: (Forbidden, _none),
    problems.NotFound: (NotFound, _none),
    problems.InvalidState: (
        InvalidState,
        lambda p: {"current_state": p.current_state.name if p.current_state else "DRAFT"},
    ),
    problems.Incomplete: (IncompleteDomains, _incomplete),
    problems.VersionConflict: (
        VersionConflict,
        lambda p: {"current_version": p.current_version or 0},
    ),
    problems.YearClosed: (FiscalYearClosed, lambda p: {"fiscal_year": p.fiscal_year or 0}),
    problems.ReasonRequired: (ReasonRequired, _none),
    problems.RoundNotOpen: (RoundNotOpen, _none),
    problems.RegistryConflict: (
        RegistryConflict,
        lambda p: {
            "field": p.field or "",
            "reason": p.errors[0].code if p.errors else "CONFLICT",
        },
    ),
    problems.InvalidInput: (ValidationFailed, _fields),
    problems.TooLarge: (ValidationFailed, _fields),
}


def refusal_of(problem: problems.Problem) -> Any:
    """The typed answer reporting `problem` (the nearest mapped class of it); a problem no
    refusal type reports is raised again."""
    for cls in type(problem).__mro__:
        if cls in REFUSALS:
            answer, details = REFUSALS[cls]
            return answer(
                message=problem.message_en, message_th=problem.message_th, **details(problem)
            )
    raise problem


P = ParamSpec("P")
R = TypeVar("R")


def answers_refusals(resolver: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """The resolver, answering a refusal it raises with the refusal's typed answer."""

    @functools.wraps(resolver)
    async def resolve(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await resolver(*args, **kwargs)
        except problems.Refusal as problem:
            answer: R = refusal_of(problem)
            return answer

    return resolve
