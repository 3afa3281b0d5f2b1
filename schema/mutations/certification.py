"""Certification: the LAO's verifier certifies or cancels, the province's officers certify
(many LAO-years at once) or cancel; each LAO-year is a transaction of its own
(`hub.services.certification`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry

from hub.rules.certification import PROVINCE_BATCH_LIMIT, TRANSITIONS, Action
from hub.services import certification
from hub.services.certification import BatchItem, Transitioned
from schema.context import Info
from schema.enums import CertificationState
from schema.mutations.errors import (
    FiscalYearClosed,
    Forbidden,
    IncompleteDomains,
    InvalidState,
    NotFound,
    ReasonRequired,
    VersionConflict,
    answers_refusals,
    refusal_of,
)
from schema.mutations.inputs import LaoYearRef


@strawberry.type(description="เปลี่ยนสถานะแล้ว — the certification state changed.")
class StateChanged:
    lao_code: str
    fiscal_year: int
    from_state: CertificationState
    state: CertificationState
    version: int
    at: dt.datetime


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


@strawberry.type(description="ผลรายการ — the outcome for one LAO-year of a batch.")
class CertificationItem:
    lao_code: str
    fiscal_year: int
    result: CertificationResult


def _state_changed(lao_code: str, fiscal_year: int, done: Transitioned) -> StateChanged:
    return StateChanged(
        lao_code=lao_code,
        fiscal_year=fiscal_year,
        from_state=done.from_state.name,
        state=done.state.name,
        version=done.version,
        at=done.at,
    )


async def _transition(
    info: Info,
    action: Action,
    lao_code: str,
    fiscal_year: int,
    reason: str | None,
    version: int | None,
) -> StateChanged:
    done = await certification.transition(
        info.context.write_engine,
        info.context.identity,
        action,
        lao_code=lao_code,
        fiscal_year=fiscal_year,
        reason=reason,
        expected_version=version,
    )
    return _state_changed(lao_code, fiscal_year, done)


def _one(action: Action, description: str) -> Any:
    """The mutation doing `action` to one LAO-year; a cancellation takes its reason."""

    async def with_reason(
        info: Info, lao_code: str, fiscal_year: int, reason: str, version: int | None = None
    ) -> CertificationResult:
        return await _transition(info, action, lao_code, fiscal_year, reason, version)

    async def without_reason(
        info: Info, lao_code: str, fiscal_year: int, version: int | None = None
    ) -> CertificationResult:
        return await _transition(info, action, lao_code, fiscal_year, None, version)

    resolve = with_reason if TRANSITIONS[action].needs_reason else without_reason
    return strawberry.mutation(resolver=answers_refusals(resolve), description=description)


@strawberry.mutation(
    description="รับรองข้อมูลระดับจังหวัด — an officer of the LAO's provincial office certifies LAO-certified data. "
    f"Takes one or many LAO-years (up to {PROVINCE_BATCH_LIMIT}); each is certified independently and has its own result."
)
async def certify_province(info: Info, items: list[LaoYearRef]) -> list[CertificationItem]:
    outcomes = await certification.transition_batch(
        info.context.write_engine,
        info.context.identity,
        Action.CERTIFY_PROVINCE,
        [BatchItem(i.lao_code, i.fiscal_year, i.version) for i in items],
    )
    return [
        CertificationItem(
            lao_code=o.item.lao_code,
            fiscal_year=o.item.fiscal_year,
            result=_state_changed(o.item.lao_code, o.item.fiscal_year, o.result)
            if o.result is not None
            else refusal_of(o.refusal),
        )
        for o in outcomes
    ]


FIELDS = {
    "certify_lao": _one(
        Action.CERTIFY_LAO,
        "รับรองข้อมูลระดับ อปท. — the LAO's verifier certifies a complete DRAFT (all 8 domains).",
    ),
    "cancel_lao_certification": _one(
        Action.CANCEL_LAO,
        "ยกเลิกการรับรองระดับ อปท. — back to DRAFT so the LAO can edit; a reason is required. Refused while the province has certified.",
    ),
    "certify_province": certify_province,
    "cancel_province_certification": _one(
        Action.CANCEL_PROVINCE,
        "ยกเลิกการรับรองระดับจังหวัด — back to LAO_CERTIFIED; a reason is required.",
    ),
}
