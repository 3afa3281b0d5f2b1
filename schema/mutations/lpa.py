"""LPA indicator 7: DLA appoints and revokes assessors; an assessor records and revises the
final score of an LAO (`hub.services.lpa`; rules: `hub.rules.lpa_assessment`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from hub.services import lpa
from schema.context import Info
from schema.lpa import LpaFinalScore
from schema.mutations.errors import (
    Forbidden,
    NotFound,
    ReasonRequired,
    ValidationFailed,
    VersionConflict,
    answers_refusals,
)


@strawberry.type(description="แต่งตั้ง/ยกเลิกผู้ตรวจประเมิน LPA แล้ว — an appointment was made or ended.")
class LpaAssessorAppointment:
    username: str
    display_name: str
    province_code: str
    granted_at: dt.datetime = strawberry.field(description="แต่งตั้งเมื่อ — when appointed.")
    revoked_at: dt.datetime | None = strawberry.field(
        description="ยกเลิกเมื่อ — when the appointment ended; null while it stands."
    )


AppointmentResult = Annotated[
    LpaAssessorAppointment | Forbidden | NotFound | ValidationFailed,
    strawberry.union("LpaAssessorResult"),
]


def _appointment(done: lpa.Appointment) -> LpaAssessorAppointment:
    return LpaAssessorAppointment(
        username=done.username,
        display_name=done.display_name,
        province_code=done.province_code,
        granted_at=done.granted_at,
        revoked_at=done.revoked_at,
    )


@strawberry.mutation(
    description="แต่งตั้งผู้ตรวจประเมิน LPA — a DLA administrator appoints a person LPA assessor of a "
    "province (one appointment per province; `ValidationFailed` ALREADY_APPOINTED when it stands). "
    "It takes effect at the person's next sign-in or token refresh."
)
@answers_refusals
async def appoint_lpa_assessor(info: Info, username: str, province_code: str) -> AppointmentResult:
    done = await lpa.appoint_assessor(
        info.context.write_engine,
        info.context.identity,
        username=username,
        province_code=province_code,
    )
    return _appointment(done)


@strawberry.mutation(
    description="ยกเลิกผู้ตรวจประเมิน LPA — a DLA administrator ends an appointment; from then on the "
    "person records no final score for that province."
)
@answers_refusals
async def revoke_lpa_assessor(
    info: Info, username: str, province_code: str, reason: str | None = None
) -> AppointmentResult:
    done = await lpa.revoke_assessor(
        info.context.write_engine,
        info.context.identity,
        username=username,
        province_code=province_code,
        reason=reason,
    )
    return _appointment(done)


@strawberry.type(
    description="บันทึกคะแนน LPA ขั้นสุดท้ายแล้ว — the final score was recorded (or revised)."
)
class LpaFinalScoreRecorded:
    lao_code: str
    final_score: LpaFinalScore


FinalScoreResult = Annotated[
    LpaFinalScoreRecorded
    | Forbidden
    | NotFound
    | ReasonRequired
    | ValidationFailed
    | VersionConflict,
    strawberry.union("LpaFinalScoreResult"),
]


@strawberry.mutation(
    description="บันทึกคะแนน LPA ขั้นสุดท้าย — an LPA assessor of the LAO's province records the final "
    "indicator-7 score of an LPA year (a level of the rubric in force) with the reason and the "
    "evidence checked. Without `version` it records the first; to revise, send the version you "
    "loaded (`LaoYear.lpaFinalScore.version`): every version is kept, and a stale one is refused "
    "with `VersionConflict`. `inspectedOn` defaults to today (Thai time)."
)
@answers_refusals
async def record_lpa_final_score(
    info: Info,
    lao_code: str,
    lpa_year: int,
    score: int,
    reason: str,
    evidence: str,
    inspected_on: dt.date | None = None,
    version: int | None = None,
) -> FinalScoreResult:
    done = await lpa.record_final_score(
        info.context.write_engine,
        info.context.identity,
        lao_code=lao_code,
        lpa_year=lpa_year,
        score=score,
        reason=reason,
        evidence=evidence,
        inspected_on=inspected_on,
        expected_version=version,
    )
    return LpaFinalScoreRecorded(
        lao_code=lao_code,
        final_score=LpaFinalScore(
            lao_place=done.place,
            lao_year_id=done.lao_year_id,
            fiscal_year=done.fiscal_year,
            recorded_by=done.assessor_name,
            lpa_year=done.lpa_year,
            version=done.version,
            score=done.score,
            rubric_version=done.rubric_version,
            reason=done.reason,
            evidence=done.evidence,
            inspected_on=done.inspected_on,
            recorded_at=done.assessed_at,
        ),
    )
