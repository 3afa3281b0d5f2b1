"""KPI-16 reports up the chain (seed 003:83, 115): a district office reports its figures to the
province, a provincial office to DLA, once per round.

A report is a snapshot: the area's coverage (`hub.db.kpi16.coverage`) at the moment it is
submitted, who submitted it and the deadline it was due by (`hub.db.kpi16.report_deadlines`);
a province's report also notes how many of its districts had reported. Who may submit, and
when, is `hub.rules.kpi16.submission_refusal`'s; lateness is computed from the submission
time, never typed in (`report_timeliness`). One transaction, in the change log.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from sqlalchemy import exc, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import kpi16, kpi16_counts
from hub.db.models import District, FiscalYear, Kpi16Report, Kpi16Round, Province
from hub.rules.enums import Breakdown, Kpi16ReportLevel, Role
from hub.rules.identity import Identity
from hub.rules.kpi16 import (
    Coverage,
    Timeliness,
    report_timeliness,
    submission_refusal,
    thai_day,
)
from hub.rules.problems import InvalidState, not_found
from hub.rules.webhooks import EventType
from hub.services import audit, webhooks
from hub.services.audit import now

SUBMITTERS = {
    Kpi16ReportLevel.DISTRICT: (Role.DISTRICT_OFFICER,),
    Kpi16ReportLevel.PROVINCE: (Role.PROVINCE_OFFICER,),
}


@dataclass(frozen=True)
class Submitted:
    report_id: int
    level: Kpi16ReportLevel
    province_id: int
    district_id: int | None
    submitted_at: dt.datetime
    deadline: dt.date | None
    timeliness: Timeliness
    figures: Coverage
    districts_expected: int | None
    districts_reported: int | None


def _already() -> InvalidState:
    return InvalidState(
        "This report was submitted at the same moment by someone else; a report is submitted once.",
        "มีผู้ส่งรายงานนี้พร้อมกันแล้ว รายงานส่งได้ครั้งเดียว",
    )


async def submit_report(
    writer: AsyncEngine,
    identity: Identity,
    *,
    level: Kpi16ReportLevel,
    fiscal_year: int,
    round_no: int,
    area_code: str,
    note: str | None = None,
) -> Submitted:
    """Submit the district's (`area_code` a district code) or province's report."""
    if note is not None:
        note = unicodedata.normalize("NFC", note).strip() or None
    async with writer.begin() as conn:
        round_row = (
            await conn.execute(
                select(Kpi16Round.id, Kpi16Round.opened_on, Kpi16Round.target_percent).where(
                    Kpi16Round.fiscal_year == fiscal_year, Kpi16Round.round_no == round_no
                )
            )
        ).first()
        if round_row is None:
            raise not_found(
                f"KPI-16 round {round_no} of fiscal year {fiscal_year}",
                f"รอบการประเมินที่ {round_no} ปีงบประมาณ {fiscal_year} ของตัวชี้วัดที่ 16",
            )
        district_id: int | None
        if level is Kpi16ReportLevel.DISTRICT:
            area = (
                await conn.execute(
                    select(District.id, District.province_id).where(District.code == area_code)
                )
            ).first()
            if area is None:
                raise not_found(f"District {area_code}", f"อำเภอรหัส {area_code}")
            area_id, province_id, district_id = area.id, area.province_id, area.id
        else:
            found = (
                await conn.execute(select(Province.id).where(Province.code == area_code))
            ).scalar_one_or_none()
            if found is None:
                raise not_found(f"Province {area_code}", f"จังหวัดรหัส {area_code}")
            area_id, province_id, district_id = found, found, None
        closed_at = (
            await conn.execute(
                select(FiscalYear.closed_at).where(FiscalYear.year_be == fiscal_year)
            )
        ).scalar_one_or_none()
        submitted_before = (
            await conn.execute(
                select(Kpi16Report.submitted_at).where(
                    Kpi16Report.round_id == round_row.id,
                    Kpi16Report.level == level,
                    Kpi16Report.area_id == area_id,
                )
            )
        ).scalar_one_or_none()
        by: Breakdown = "district" if level is Kpi16ReportLevel.DISTRICT else "province"
        figures = (
            await kpi16_counts.coverage(conn, round_row.id, by, province_id=province_id)
        ).get(area_id) or Coverage.of(0, 0, 0, float(round_row.target_percent))
        stamp = now()
        refusal = submission_refusal(
            identity,
            level,
            province_id,
            district_id,
            fiscal_year=fiscal_year,
            year_closed=closed_at is not None,
            opened_on=round_row.opened_on,
            today=thai_day(stamp),
            reference_systems=figures.reference_systems,
            submitted_at=submitted_before,
            note=note,
        )
        if refusal is not None:
            raise refusal
        book = await kpi16.report_deadlines(conn, round_row.id)
        deadline = book.of(level, province_id) if book is not None else None
        expected = reported = None
        if level is Kpi16ReportLevel.PROVINCE:
            board = await kpi16.report_board(
                conn, round_row.id, Kpi16ReportLevel.DISTRICT, None, province_id=province_id
            )
            expected = len(board)
            reported = sum(1 for row in board if row.report is not None)
        actor = audit.actor_of(identity, SUBMITTERS[level])
        values = {
            "round_id": round_row.id,
            "level": level,
            "area_id": area_id,
            "province_id": province_id,
            "district_id": district_id,
            "deadline": deadline,
            "submitted_at": stamp,
            "submitted_by_user_id": identity.user_id,
            "submitted_by_subject": audit.named(actor),
            "actor_role": actor.role,
            "reference_systems": figures.reference_systems,
            "recorded": figures.recorded,
            "checked": figures.checked,
            "target_percent": figures.target_percent,
            "districts_expected": expected,
            "districts_reported": reported,
            "note": note,
        }
        try:
            report_id = (
                await conn.execute(insert(Kpi16Report).values(**values).returning(Kpi16Report.id))
            ).scalar_one()
        except exc.IntegrityError as error:  # a concurrent submission of the same report
            raise _already() from error
        await audit.append(
            conn,
            actor,
            entity="kpi16_reports",
            entity_id=report_id,
            action=f"submit_{by}_report",
            changes={
                k: (None, values[k])
                for k in (
                    "round_id",
                    "level",
                    "area_id",
                    "deadline",
                    "reference_systems",
                    "recorded",
                    "checked",
                    "target_percent",
                    "districts_expected",
                    "districts_reported",
                    "note",
                )
            },
            at=stamp,
        )
        timeliness = report_timeliness(deadline, stamp, stamp)
        await webhooks.emit(
            conn,
            EventType.KPI16_REPORT_SUBMITTED,
            {
                "reportId": report_id,
                "fiscalYear": fiscal_year,
                "round": round_no,
                "level": level.name,
                "areaCode": area_code,
                "deadline": deadline.isoformat() if deadline is not None else None,
                "timeliness": timeliness.status.name,
                "daysLate": timeliness.days_late,
                "referenceSystems": figures.reference_systems,
                "recorded": figures.recorded,
                "checked": figures.checked,
            },
            at=stamp,
        )
        return Submitted(
            report_id=report_id,
            level=level,
            province_id=province_id,
            district_id=district_id,
            submitted_at=stamp,
            deadline=deadline,
            timeliness=timeliness,
            figures=figures,
            districts_expected=expected,
            districts_reported=reported,
        )
