"""KPI 16: DLA imports a province's reference list (`hub.services.kpi16_import`); district
and provincial offices report their figures up the chain (`hub.services.kpi16_reports`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from hub.db import kpi16 as kpi16_sql
from hub.rules.enums import Kpi16ReportLevel as Level
from hub.services import kpi16_import, kpi16_reports
from schema.context import Info
from schema.enums import ReportTimeliness
from schema.kpi16 import Kpi16Report
from schema.mutations.errors import (
    FiscalYearClosed,
    Forbidden,
    InvalidState,
    NotFound,
    ValidationFailed,
    answers_refusals,
)


@strawberry.type(
    description="นำเข้าฐานข้อมูลอ้างอิงแล้ว — a province's KPI-16 reference list was imported."
)
class Kpi16BaselineImported:
    province_code: str
    references: int
    replaced: int = strawberry.field(
        description="References of the previous list for this province and round."
    )


Kpi16ImportResult = Annotated[
    Kpi16BaselineImported | Forbidden | NotFound | ValidationFailed,
    strawberry.union("Kpi16ImportResult"),
]


@strawberry.type(
    description="ส่งรายงานผลตัวชี้วัดที่ 16 แล้ว — a report was submitted: its snapshot and timeliness."
)
class Kpi16ReportSubmitted:
    report: Kpi16Report
    timeliness: ReportTimeliness = strawberry.field(description="ON_TIME or LATE.")
    days_late: int | None = strawberry.field(description="เกินกำหนดกี่วัน — days after the deadline.")


Kpi16ReportResult = Annotated[
    Kpi16ReportSubmitted
    | Forbidden
    | NotFound
    | InvalidState
    | FiscalYearClosed
    | ValidationFailed,
    strawberry.union("Kpi16ReportResult"),
]


@strawberry.mutation(
    description="นำเข้าฐานข้อมูลอ้างอิงประปาหมู่บ้าน (ตัวชี้วัดที่ 16) — DLA imports a province's reference list (CSV: reference_code, lao_code, village_number, name, latitude, longitude); it replaces that province's list for the round. The report deadlines given are set on the round (created on the first import)."
)
@answers_refusals
async def import_kpi16_baseline(
    info: Info,
    fiscal_year: int,
    province_code: str,
    csv: str,
    round_no: int = 1,
    target_percent: float = 80.0,
    district_report_deadline: dt.date | None = None,
    province_report_deadline: dt.date | None = None,
) -> Kpi16ImportResult:
    done = await kpi16_import.import_references(
        info.context.write_engine,
        info.context.identity,
        fiscal_year=fiscal_year,
        round_no=round_no,
        province_code=province_code,
        csv_text=csv,
        target_percent=target_percent,
        district_report_deadline=district_report_deadline,
        province_report_deadline=province_report_deadline,
    )
    return Kpi16BaselineImported(
        province_code=province_code, references=done.references, replaced=done.replaced
    )


async def _submit(
    info: Info, level: Level, fiscal_year: int, round_no: int, area_code: str, note: str | None
) -> Kpi16ReportSubmitted:
    done = await kpi16_reports.submit_report(
        info.context.write_engine,
        info.context.identity,
        level=level,
        fiscal_year=fiscal_year,
        round_no=round_no,
        area_code=area_code,
        note=note,
    )
    async with info.context.engine.connect() as conn:
        row = await kpi16_sql.report_row(conn, done.report_id)
    return Kpi16ReportSubmitted(
        report=Kpi16Report.from_row(row),
        timeliness=done.timeliness.status.name,
        days_late=done.timeliness.days_late,
    )


@strawberry.mutation(
    description="อำเภอรายงานผลตัวชี้วัดที่ 16 ต่อจังหวัด — a district office submits its report (a "
    "snapshot of its figures now) to its province; once per round."
)
@answers_refusals
async def submit_kpi16_district_report(
    info: Info, fiscal_year: int, district_code: str, round_no: int = 1, note: str | None = None
) -> Kpi16ReportResult:
    return await _submit(info, Level.DISTRICT, fiscal_year, round_no, district_code, note)


@strawberry.mutation(
    description="จังหวัดรายงานผลตัวชี้วัดที่ 16 ต่อกรม — a provincial office submits its report (a "
    "snapshot of its figures now, and of its districts' reports) to DLA; once per round."
)
@answers_refusals
async def submit_kpi16_province_report(
    info: Info, fiscal_year: int, province_code: str, round_no: int = 1, note: str | None = None
) -> Kpi16ReportResult:
    return await _submit(info, Level.PROVINCE, fiscal_year, round_no, province_code, note)
