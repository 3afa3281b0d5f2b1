"""The LPA assessor and the final indicator-7 score (DOMAIN.md "LPA indicator 7").

The hub computes a provisional score (`hub.rules.lpa`); an assessor records the final one,
with a reason and a reference to the evidence checked ("ตรวจสอบเอกสาร/หลักฐาน", seed
000:304). These rules say who may do what and which input is acceptable; the services
(`hub.services.lpa`) ask before writing:

=========================  ==================================================================
action                     who
=========================  ==================================================================
appoint / revoke assessor  a DLA administrator; an appointment binds a person to one province
record the final score     an LPA assessor of the LAO's province who is not the LAO's own
                           staff; a score of the rubric in force, a reason, an evidence
                           reference, an inspection date in the fiscal year and not later
                           than today (Thai time)
revise it                  as recording, with the version revised: every version is kept
=========================  ==================================================================

A final score is per LAO and LPA year, versioned: the first is recorded without a version
(or version 0), each revision names the version it revises, and a stale one is refused with
the current version, so two assessors never overwrite each other. DLA administrators appoint
but do not score (DLA appoints the assessors; the assessors assess). [design] Recording is
allowed after DLA closes the fiscal year: the assessment is about the year's data, not part
of it, and inspections may follow the closing.
"""

from __future__ import annotations

import datetime as dt

from hub.rules.identity import Identity
from hub.rules.lpa import Rubric
from hub.rules.permissions import LaoPlace
from hub.rules.problems import (
    Forbidden,
    ReasonRequired,
    Refusal,
    VersionConflict,
    validation_failed,
)
from hub.rules.validation import FieldError


def appointing_refusal(identity: Identity) -> Forbidden | None:
    """Only DLA administrators appoint and revoke LPA assessors."""
    if identity.is_dla_admin:
        return None
    return Forbidden(
        "Only DLA administrators appoint and revoke LPA assessors.",
        "เฉพาะผู้ดูแลระบบของกรมส่งเสริมการปกครองท้องถิ่นเท่านั้นที่แต่งตั้งหรือยกเลิกผู้ตรวจประเมิน LPA ได้",
    )


def not_an_assessor() -> Forbidden:
    return Forbidden(
        "Only LPA assessors appointed by DLA record final LPA scores.",
        "เฉพาะผู้ตรวจประเมิน LPA ที่กรมส่งเสริมการปกครองท้องถิ่นแต่งตั้งเท่านั้นที่บันทึกคะแนน LPA ขั้นสุดท้ายได้",
    )


def scoring_refused_outright(identity: Identity) -> Forbidden | None:
    """The refusal for every LAO when the caller assesses no province at all; asked before
    any database work."""
    return None if identity.assessed_province_ids() else not_an_assessor()


def scoring_refusal(identity: Identity, lao: LaoPlace) -> Forbidden | None:
    """Why the caller may not record the final score of this LAO, or None."""
    if not identity.assessed_province_ids():
        return not_an_assessor()
    if lao.province_id not in identity.assessed_province_ids():
        return Forbidden(
            "You are an LPA assessor of other provinces: this LAO is outside them.",
            "ท่านเป็นผู้ตรวจประเมิน LPA ของจังหวัดอื่น อปท. นี้อยู่นอกจังหวัดที่ท่านได้รับแต่งตั้ง",
        )
    if lao.lao_id in identity.staff_lao_ids():
        return Forbidden(
            "You are on this LAO's own staff: another assessor records its final score.",
            "ท่านเป็นเจ้าหน้าที่ของ อปท. นี้ ให้ผู้ตรวจประเมินรายอื่นบันทึกคะแนนขั้นสุดท้าย",
        )
    return None


def final_score_problem(
    rubric: Rubric,
    *,
    score: int,
    reason: str | None,
    evidence: str | None,
    inspected_on: dt.date,
    today: dt.date,
    year_starts_on: dt.date,
) -> Refusal | None:
    """Why this final score cannot be recorded as given (a missing reason first, then every
    invalid field), or None."""
    if not (reason and reason.strip()):
        return ReasonRequired(
            "A final LPA score needs the reason for it.",
            "ต้องระบุเหตุผลของคะแนน LPA ขั้นสุดท้าย",
            field="reason",
        )
    errors = []
    if score not in rubric.scores:
        levels = ", ".join(map(str, rubric.scores))
        errors.append(
            FieldError(
                "score",
                "NOT_A_LEVEL",
                f"score: {score} is not a level of the rubric ({levels})",
                f"score: {score} ไม่ใช่ระดับคะแนนของเกณฑ์ ({levels})",
            )
        )
    if not (evidence and evidence.strip()):
        errors.append(
            FieldError(
                "evidence",
                "REQUIRED",
                "evidence: name the documents or evidence checked",
                "evidence: ต้องระบุเอกสารหรือหลักฐานที่ตรวจสอบ",
            )
        )
    if inspected_on > today:
        errors.append(
            FieldError(
                "inspectedOn",
                "IN_THE_FUTURE",
                f"inspectedOn: {inspected_on} is after today ({today})",
                f"inspectedOn: {inspected_on} เป็นวันหลังวันนี้ ({today})",
            )
        )
    elif inspected_on < year_starts_on:
        errors.append(
            FieldError(
                "inspectedOn",
                "OUT_OF_RANGE",
                f"inspectedOn: {inspected_on} is before the fiscal year assessed ({year_starts_on})",
                f"inspectedOn: {inspected_on} อยู่ก่อนปีงบประมาณที่ประเมิน ({year_starts_on})",
            )
        )
    return validation_failed(errors) if errors else None


def version_conflict(current: int | None, expected: int | None) -> VersionConflict | None:
    """None when `expected` is the version a write may revise: nothing (None or 0) while no
    final score is recorded, the current version once one is."""
    if current is None and not expected:
        return None
    if current is not None and expected == current:
        return None
    if current is None:
        return VersionConflict(
            f"No final score is recorded yet (you sent version {expected}): record it without a version.",
            f"ยังไม่มีการบันทึกคะแนนขั้นสุดท้าย (ท่านส่งฉบับที่ {expected}) ให้บันทึกโดยไม่ระบุฉบับ",
            current_version=0,
        )
    if expected is None:
        return VersionConflict(
            f"A final score is already recorded (version {current}): revise it with that version.",
            f"มีการบันทึกคะแนนขั้นสุดท้ายแล้ว (ฉบับที่ {current}) ให้แก้ไขโดยระบุฉบับดังกล่าว",
            current_version=current,
        )
    return VersionConflict(
        f"The final score changed since you loaded it (you had version {expected}, it is now "
        f"{current}): reload and revise again.",
        f"คะแนนขั้นสุดท้ายถูกแก้ไขไปแล้ว (ฉบับที่ {expected} ปัจจุบันคือฉบับที่ {current}) กรุณาโหลดใหม่แล้วแก้ไขอีกครั้ง",
        current_version=current,
    )
