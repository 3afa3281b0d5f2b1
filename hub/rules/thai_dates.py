"""Dates as Thai and English readers write them: Buddhist-Era years and Thai month names
in Thai ("2 ธ.ค. 2569"), day-month-year in English ("2 Dec 2026"), moments shown in
Bangkok time, and whole days left before a deadline.

Pure functions; the console and the printable report use them, so a date reads the same on
every screen and on paper.
"""

from __future__ import annotations

import datetime as dt

from hub.rules.lpa import BANGKOK, utc

BE_OFFSET = 543

MONTHS_TH_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
MONTHS_TH_LONG = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
MONTHS_EN_SHORT = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def local_date(value: dt.date | dt.datetime) -> dt.date:
    """The calendar day in Bangkok of a moment (a date is its own day)."""
    if isinstance(value, dt.datetime):
        return utc(value).astimezone(BANGKOK).date()
    return value


def format_date(value: dt.date | dt.datetime, lang: str = "th", *, long: bool = False) -> str:
    """`2 ธ.ค. 2569` (Thai, Buddhist Era) or `2 Dec 2026` (English)."""
    day = local_date(value)
    if lang == "th":
        months = MONTHS_TH_LONG if long else MONTHS_TH_SHORT
        return f"{day.day} {months[day.month - 1]} {day.year + BE_OFFSET}"
    return f"{day.day} {MONTHS_EN_SHORT[day.month - 1]} {day.year}"


def format_moment(value: dt.datetime, lang: str = "th") -> str:
    """A moment in Bangkok time to the minute: `2 ธ.ค. 2569 14:05 น.` / `2 Dec 2026 14:05`."""
    local = utc(value).astimezone(BANGKOK)
    clock = local.strftime("%H:%M")
    return (
        f"{format_date(local.date(), lang)} {clock} น."
        if lang == "th"
        else (f"{format_date(local.date(), lang)} {clock}")
    )


def days_left(deadline: dt.date | dt.datetime, now: dt.datetime) -> int:
    """Whole Bangkok days from `now` until the deadline's day: 0 on the day, negative after."""
    return (local_date(deadline) - local_date(now)).days
