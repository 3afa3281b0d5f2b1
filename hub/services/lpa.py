"""LPA indicator 7: DLA appoints and revokes assessors; an assessor records and revises the
final score of an LAO, one transaction each (rules: `hub.rules.lpa_assessment`).

An appointment is a role assignment `LPA_ASSESSOR` bound to one province, granted by the DLA
administrator who made it; revoking it stamps `revoked_at` (the grant stays, as history).
Both are in the change log (`role_assignments`).

A final score is one row per LAO-year and LPA year (`lpa_assessments`, holding the current
version) and one row per version (`lpa_assessment_revisions`). The LAO-year is locked while
the score is written (PostgreSQL: its row; SQLite: the writer's database lock), so of two
concurrent writes with the same version exactly one is saved and the other is refused with
the new version. Each version is in the change log (`lpa_assessments`, with the LAO).

The hub's own people are checked against the database when they write: an assessor whose
appointment was revoked a moment ago is refused at once, whatever their access token still
says. (A person of an external identity provider has no appointment row: their token's
roles stand.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db.lpa import stored_rubrics
from hub.db.models import (
    FiscalYear,
    Lao,
    LaoYear,
    LpaAssessment,
    LpaAssessmentRevision,
    Province,
    RoleAssignment,
    User,
)
from hub.rules import lpa
from hub.rules.enums import Role
from hub.rules.identity import Identity
from hub.rules.lpa_assessment import (
    appointing_refusal,
    final_score_problem,
    scoring_refusal,
    scoring_refused_outright,
    version_conflict,
)
from hub.rules.permissions import LaoPlace
from hub.rules.problems import Forbidden, VersionConflict, invalid, not_found
from hub.services import audit
from hub.services.audit import now

ASSESSOR = (Role.LPA_ASSESSOR,)
APPOINTERS = (Role.DLA_ADMIN,)


# --- appointments --------------------------------------------------------------------------


@dataclass(frozen=True)
class Appointment:
    grant_id: int
    username: str
    display_name: str
    province_code: str
    granted_at: dt.datetime
    revoked_at: dt.datetime | None = None


async def _person_and_province(
    conn: AsyncConnection, username: str, province_code: str
) -> tuple[int, str, int]:
    person = (
        await conn.execute(select(User.id, User.display_name).where(User.username == username))
    ).first()
    if person is None:
        raise not_found(f"User {username}", f"ผู้ใช้ {username}")
    province = (
        await conn.execute(select(Province.id).where(Province.code == province_code))
    ).scalar_one_or_none()
    if province is None:
        raise not_found(f"Province {province_code}", f"จังหวัดรหัส {province_code}")
    return person.id, person.display_name, province


async def _live_appointment(conn: AsyncConnection, user_id: int, province_id: int) -> int | None:
    return (
        await conn.execute(
            select(RoleAssignment.id).where(
                RoleAssignment.user_id == user_id,
                RoleAssignment.role == Role.LPA_ASSESSOR,
                RoleAssignment.province_id == province_id,
                RoleAssignment.revoked_at.is_(None),
            )
        )
    ).scalar_one_or_none()


async def appoint_assessor(
    writer: AsyncEngine, identity: Identity, *, username: str, province_code: str
) -> Appointment:
    """DLA appoints a person LPA assessor of a province; refused when already appointed."""
    if refusal := appointing_refusal(identity):
        raise refusal
    async with writer.begin() as conn:
        user_id, display_name, province_id = await _person_and_province(
            conn, username, province_code
        )
        if await _live_appointment(conn, user_id, province_id) is not None:
            raise invalid(
                "provinceCode",
                "ALREADY_APPOINTED",
                f"{username} is already an LPA assessor of province {province_code}",
                f"{username} เป็นผู้ตรวจประเมิน LPA ของจังหวัดรหัส {province_code} อยู่แล้ว",
            )
        at = now()
        grant_id = (
            await conn.execute(
                insert(RoleAssignment)
                .values(
                    user_id=user_id,
                    role=Role.LPA_ASSESSOR,
                    province_id=province_id,
                    granted_by_user_id=identity.user_id,
                    granted_at=at,
                )
                .returning(RoleAssignment.id)
            )
        ).scalar_one()
        await audit.append(
            conn,
            audit.actor_of(identity, APPOINTERS),
            entity="role_assignments",
            entity_id=grant_id,
            action="appoint_lpa_assessor",
            changes={
                "user": (None, username),
                "role": (None, Role.LPA_ASSESSOR.name),
                "province": (None, province_code),
            },
            at=at,
        )
        return Appointment(grant_id, username, display_name, province_code, at)


async def revoke_assessor(
    writer: AsyncEngine,
    identity: Identity,
    *,
    username: str,
    province_code: str,
    reason: str | None = None,
) -> Appointment:
    """DLA ends a person's appointment as LPA assessor of a province."""
    if refusal := appointing_refusal(identity):
        raise refusal
    async with writer.begin() as conn:
        user_id, display_name, province_id = await _person_and_province(
            conn, username, province_code
        )
        grant = (
            await conn.execute(
                select(RoleAssignment.id, RoleAssignment.granted_at).where(
                    RoleAssignment.user_id == user_id,
                    RoleAssignment.role == Role.LPA_ASSESSOR,
                    RoleAssignment.province_id == province_id,
                    RoleAssignment.revoked_at.is_(None),
                )
            )
        ).first()
        if grant is None:
            raise not_found(
                f"An appointment of {username} as LPA assessor of province {province_code}",
                f"การแต่งตั้ง {username} เป็นผู้ตรวจประเมิน LPA ของจังหวัดรหัส {province_code}",
            )
        at = now()
        await conn.execute(
            update(RoleAssignment).where(RoleAssignment.id == grant.id).values(revoked_at=at)
        )
        await audit.append(
            conn,
            audit.actor_of(identity, APPOINTERS),
            entity="role_assignments",
            entity_id=grant.id,
            action="revoke_lpa_assessor",
            changes={
                "user": (username, None),
                "role": (Role.LPA_ASSESSOR.name, None),
                "province": (province_code, None),
            },
            reason=reason.strip() if reason and reason.strip() else None,
            at=at,
        )
        return Appointment(grant.id, username, display_name, province_code, grant.granted_at, at)


# --- final scores --------------------------------------------------------------------------


@dataclass(frozen=True)
class FinalScore:
    place: LaoPlace
    lao_year_id: int
    fiscal_year: int
    lpa_year: int
    version: int
    score: int
    rubric_version: int
    reason: str
    evidence: str
    inspected_on: dt.date
    assessed_at: dt.datetime
    assessor_name: str | None


async def _assessor_name(conn: AsyncConnection, identity: Identity) -> str | None:
    if identity.issuer is not None:
        return f"{identity.subject} ({identity.issuer})"
    if identity.user_id is None:
        return identity.subject
    name: str | None = (
        await conn.execute(select(User.display_name).where(User.id == identity.user_id))
    ).scalar_one_or_none()
    return name


async def _still_appointed(conn: AsyncConnection, identity: Identity, province_id: int) -> None:
    """The hub's own assessor still holds the appointment (it may have been revoked since
    their token was issued)."""
    if identity.issuer is not None or identity.user_id is None:
        return
    if await _live_appointment(conn, identity.user_id, province_id) is None:
        raise Forbidden(
            "Your appointment as LPA assessor of this province has ended.",
            "การแต่งตั้งท่านเป็นผู้ตรวจประเมิน LPA ของจังหวัดนี้สิ้นสุดแล้ว",
        )


async def record_final_score(
    writer: AsyncEngine,
    identity: Identity,
    *,
    lao_code: str,
    lpa_year: int,
    score: int,
    reason: str | None,
    evidence: str | None,
    inspected_on: dt.date | None = None,
    expected_version: int | None = None,
) -> FinalScore:
    """Record (no version) or revise (the version revised) an LAO's final score of an LPA
    year; the inspection date defaults to today (Thai time)."""
    if refusal := scoring_refused_outright(identity):
        raise refusal
    async with writer.begin() as conn:
        lao = (
            await conn.execute(
                select(Lao.id, Lao.type, Lao.district_id, Lao.province_id).where(
                    Lao.code == lao_code
                )
            )
        ).first()
        if lao is None:
            raise not_found(f"LAO {lao_code}", f" อปท. รหัส {lao_code}")
        place = LaoPlace(lao.id, lao.type, lao.district_id, lao.province_id)
        if refusal := scoring_refusal(identity, place):
            raise refusal
        await _still_appointed(conn, identity, place.province_id)

        fiscal_year = lpa.fiscal_year_assessed(lpa_year)
        statement = (
            select(LaoYear.id, FiscalYear.starts_on)
            .join(FiscalYear, FiscalYear.year_be == LaoYear.fiscal_year)
            .where(LaoYear.lao_id == lao.id, LaoYear.fiscal_year == fiscal_year)
        )
        if conn.dialect.name == "postgresql":
            statement = statement.with_for_update(of=LaoYear)
        year = (await conn.execute(statement)).first()
        if year is None:
            raise not_found(
                f"Fiscal year {fiscal_year} of LAO {lao_code} (assessed by LPA {lpa_year})",
                f"ข้อมูลปีงบประมาณ {fiscal_year} ของ อปท. รหัส {lao_code} (ประเมิน LPA ปี {lpa_year})",
            )
        rubric_version, rubric = lpa.rubric_in_force(await stored_rubrics(conn), lpa_year)
        at = now()
        inspected = inspected_on or lpa.thai_date(at)
        if problem := final_score_problem(
            rubric,
            score=score,
            reason=reason,
            evidence=evidence,
            inspected_on=inspected,
            today=lpa.thai_date(at),
            year_starts_on=year.starts_on,
        ):
            raise problem
        assert reason is not None and evidence is not None
        reason, evidence = reason.strip(), evidence.strip()

        before = (
            await conn.execute(
                select(
                    LpaAssessment.id,
                    LpaAssessment.version,
                    LpaAssessment.score,
                    LpaAssessment.evidence,
                    LpaAssessment.inspected_on,
                    LpaAssessment.rubric_year_be,
                ).where(LpaAssessment.lao_year_id == year.id, LpaAssessment.lpa_year_be == lpa_year)
            )
        ).first()
        if conflict := version_conflict(before.version if before else None, expected_version):
            raise conflict
        name = await _assessor_name(conn, identity)
        values = {
            "score": score,
            "rubric_year_be": rubric_version,
            "reason": reason,
            "evidence": evidence,
            "inspected_on": inspected,
            "assessed_by_user_id": identity.user_id,
            "assessor_name": name,
            "assessed_at": at,
        }
        if before is None:
            version = 1
            assessment_id = (
                await conn.execute(
                    insert(LpaAssessment)
                    .values(lao_year_id=year.id, lpa_year_be=lpa_year, version=1, **values)
                    .returning(LpaAssessment.id)
                )
            ).scalar_one()
        else:
            assessment_id, version = before.id, before.version + 1
            updated = await conn.execute(
                update(LpaAssessment)
                .where(LpaAssessment.id == before.id, LpaAssessment.version == before.version)
                .values(version=version, **values)
            )
            if updated.rowcount != 1:  # cannot happen under the lock; never write over it
                raise VersionConflict(current_version=before.version + 1)
        await conn.execute(
            insert(LpaAssessmentRevision).values(
                assessment_id=assessment_id, version=version, **values
            )
        )
        await audit.append(
            conn,
            audit.actor_of(identity, ASSESSOR, place),
            entity="lpa_assessments",
            entity_id=assessment_id,
            action="record_final_score" if before is None else "revise_final_score",
            changes={
                "lpa_year": (None if before is None else lpa_year, lpa_year),
                "version": (None if before is None else before.version, version),
                "score": (None if before is None else before.score, score),
                "evidence": (None if before is None else before.evidence, evidence),
                "inspected_on": (None if before is None else before.inspected_on, inspected),
                "rubric_version": (
                    None if before is None else before.rubric_year_be,
                    rubric_version,
                ),
            },
            lao_id=lao.id,
            reason=reason,
            at=at,
        )
        return FinalScore(
            place,
            year.id,
            fiscal_year,
            lpa_year,
            version,
            score,
            rubric_version,
            reason,
            evidence,
            inspected,
            at,
            name,
        )
