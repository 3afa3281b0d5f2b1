"""Fiscal-year rules (DOMAIN.md "Fiscal years, deadlines and closing"): the dates of a Thai
fiscal year, and when a year may be opened or closed.

A year is opened once and closed once, for good: a closed year is never reopened, so what
was certified in it stays as certified. `hub.services.fiscal_years` asks these before it
writes.
"""

from __future__ import annotations

import datetime as dt

from hub.rules.lpa import BANGKOK, utc
from hub.rules.problems import InvalidState, NotFound, Refusal, YearClosed, invalid

BE_OFFSET = 543
MIN_YEAR_BE, MAX_YEAR_BE = 2500, 2700  # a sane range for a fiscal year of the hub


def year_bounds(year_be: int) -> tuple[dt.date, dt.date]:
    """Thai fiscal year `year_be` runs 1 Oct of the previous CE year to 30 Sep."""
    end_ce = year_be - BE_OFFSET
    return dt.date(end_ce - 1, 10, 1), dt.date(end_ce, 9, 30)


def _thai_date(moment: dt.datetime) -> str:
    return utc(moment).astimezone(BANGKOK).date().isoformat()


def opening_input_problem(
    year_be: int, record_deadline: dt.date, province_deadline: dt.date | None
) -> Refusal | None:
    """Why these arguments cannot open a year (the year out of range, a deadline outside
    it or after the province's), or None."""
    if not MIN_YEAR_BE <= year_be <= MAX_YEAR_BE:  # before any date arithmetic on it
        return invalid(
            "yearBe",
            "OUT_OF_RANGE",
            f"must be a Buddhist-Era year between {MIN_YEAR_BE} and {MAX_YEAR_BE}, got {year_be}",
            f"ต้องเป็นปี พ.ศ. ระหว่าง {MIN_YEAR_BE} ถึง {MAX_YEAR_BE} (ได้รับ {year_be})",
        )
    starts_on, ends_on = year_bounds(year_be)
    if not starts_on <= record_deadline <= ends_on or (
        province_deadline and not record_deadline <= province_deadline
    ):
        return invalid(
            "recordDeadline",
            "OUT_OF_RANGE",
            f"must fall inside the fiscal year ({starts_on}–{ends_on}) and not after the province deadline",
            f"ต้องอยู่ในปีงบประมาณ ({starts_on} ถึง {ends_on}) และไม่หลังกำหนดของจังหวัด",
        )
    return None


def opening_refusal(year_be: int, closed_at: dt.datetime | None, exists: bool) -> Refusal | None:
    """Why year `year_be` cannot be opened (it exists: open, or closed for good), or None."""
    if not exists:
        return None
    if closed_at is not None:
        return YearClosed(
            f"Fiscal year {year_be} was closed on {_thai_date(closed_at)}: a closed year "
            "stays closed and cannot be opened again.",
            f"ปีงบประมาณ {year_be} ปิดแล้วเมื่อวันที่ {_thai_date(closed_at)} ปีที่ปิดแล้วไม่สามารถเปิดใหม่ได้",
            fiscal_year=year_be,
        )
    return InvalidState(
        f"Fiscal year {year_be} is already open.",
        f"ปีงบประมาณ {year_be} เปิดอยู่แล้ว",
    )


def closing_refusal(year_be: int, closed_at: dt.datetime | None, exists: bool) -> Refusal | None:
    """Why year `year_be` cannot be closed (unknown, or closed already), or None."""
    if not exists:
        return NotFound(f"Fiscal year {year_be} was not found.", f"ไม่พบปีงบประมาณ {year_be}")
    if closed_at is not None:
        return YearClosed(
            f"Fiscal year {year_be} is already closed (on {_thai_date(closed_at)}).",
            f"ปีงบประมาณ {year_be} ปิดแล้ว (เมื่อวันที่ {_thai_date(closed_at)})",
            fiscal_year=year_be,
        )
    return None
