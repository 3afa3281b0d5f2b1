"""Opening and closing fiscal years: a year is opened once and closed once, for good."""

import datetime as dt

from hub.rules.fiscal_years import closing_refusal, opening_refusal

CLOSED_ON = dt.datetime(2026, 11, 15, 3, 0, tzinfo=dt.UTC)


def test_a_new_year_opens():
    assert opening_refusal(2571, None, exists=False) is None


def test_an_open_year_is_already_open():
    refusal = opening_refusal(2571, None, exists=True)
    assert refusal is not None and refusal.kind == "INVALID_STATE"
    assert refusal.message_en == "Fiscal year 2571 is already open."
    assert refusal.message_th == "ปีงบประมาณ 2571 เปิดอยู่แล้ว"


def test_a_closed_year_is_closed_not_already_open_and_stays_closed():
    refusal = opening_refusal(2570, CLOSED_ON, exists=True)
    assert refusal is not None and refusal.kind == "YEAR_CLOSED"
    assert "was closed on 2026-11-15" in refusal.message_en
    assert "cannot be opened again" in refusal.message_en
    assert "already open" not in refusal.message_en
    assert "ปิดแล้ว" in refusal.message_th and "ไม่สามารถเปิดใหม่ได้" in refusal.message_th


def test_the_closing_date_is_the_thai_calendar_date():
    late_evening_utc = dt.datetime(2026, 11, 15, 20, 0)  # naive UTC, as SQLite returns it
    refusal = opening_refusal(2570, late_evening_utc, exists=True)
    assert refusal is not None and "2026-11-16" in refusal.message_en


def test_closing_needs_an_open_year():
    assert closing_refusal(2570, None, exists=True) is None
    unknown = closing_refusal(2599, None, exists=False)
    assert unknown is not None and unknown.kind == "NOT_FOUND"
    again = closing_refusal(2570, CLOSED_ON, exists=True)
    assert again is not None and again.kind == "YEAR_CLOSED"
    assert "already closed" in again.message_en and "ปิดแล้ว" in again.message_th
