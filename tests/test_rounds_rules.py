"""The rules of rounds (`hub.rules.rounds`): phases, a province's deadline, lateness from the
certification history, the series by day, missions status, reminders, DLA's input."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.rules import rounds
from hub.rules.enums import (
    CertificationState,
    MissionRoundStatus,
    Punctuality,
    ReminderStage,
    RoundKind,
    RoundPhase,
)
from hub.rules.problems import InvalidInput
from hub.rules.rounds import DayCount, ProvinceDeadlines, RoundDates

D, L, P = (
    CertificationState.DRAFT,
    CertificationState.LAO_CERTIFIED,
    CertificationState.PROVINCE_CERTIFIED,
)
# FY 2569's INFO round: opened 1 Oct 2568, LAOs by 15 Jun 2569, the province by 31 Jul 2569.
INFO = RoundDates(dt.date(2025, 10, 1), dt.date(2026, 6, 15), None, dt.date(2026, 7, 31))


def thai(year: int, month: int, day: int, hour: int = 12) -> dt.datetime:
    """A moment given in Thai wall-clock time (UTC+7), as an aware UTC datetime."""
    bangkok = dt.timezone(dt.timedelta(hours=7))
    return dt.datetime(year, month, day, hour, tzinfo=bangkok).astimezone(dt.UTC)


# --- dates -----------------------------------------------------------------------------------


def test_a_moment_falls_on_its_thai_day():
    assert rounds.thai_date(dt.datetime(2026, 6, 15, 16, 59, tzinfo=dt.UTC)) == dt.date(2026, 6, 15)
    assert rounds.thai_date(dt.datetime(2026, 6, 15, 17, 0, tzinfo=dt.UTC)) == dt.date(2026, 6, 16)
    assert rounds.thai_date(dt.datetime(2026, 6, 15, 17, 0)) == dt.date(2026, 6, 16)  # naive: UTC
    assert rounds.thai_date(dt.datetime(9999, 12, 31, 20, tzinfo=dt.UTC)) == dt.date.max
    assert rounds.thai_date(dt.datetime(1, 1, 1, tzinfo=dt.UTC)) == dt.date(1, 1, 1)
    assert rounds.end_of_thai_day(dt.date(2026, 6, 15)) < thai(2026, 6, 16, 0)
    assert rounds.start_of_thai_day(dt.date(2026, 6, 15)) == thai(2026, 6, 15, 0)


def test_a_closed_round_is_judged_until_its_closing_day():
    closed = RoundDates(
        dt.date(2024, 10, 25), dt.date(2024, 12, 30), closes_on=dt.date(2025, 3, 31)
    )
    assert rounds.until_closed(closed, thai(2030, 1, 1)) == rounds.end_of_thai_day(
        dt.date(2025, 3, 31)
    )
    assert rounds.until_closed(closed, thai(2025, 1, 1)) == thai(2025, 1, 1)
    assert rounds.until_closed(INFO, thai(2030, 1, 1)) == thai(2030, 1, 1)


def test_the_fiscal_year_of_a_day_runs_from_october():
    assert rounds.fiscal_year_of(dt.date(2024, 10, 25)) == 2568
    assert rounds.fiscal_year_of(dt.date(2024, 9, 30)) == 2567
    assert rounds.fiscal_year_of(dt.date(2026, 1, 26)) == 2569


def test_phases_from_opening_to_closing():
    dates = RoundDates(dt.date(2024, 10, 25), dt.date(2024, 12, 30), closes_on=dt.date(2025, 3, 31))
    assert rounds.phase(dates, dt.date(2024, 10, 24)) is RoundPhase.UPCOMING
    assert rounds.phase(dates, dt.date(2024, 10, 25)) is RoundPhase.OPEN
    assert rounds.phase(dates, dt.date(2024, 12, 30)) is RoundPhase.OPEN
    assert rounds.phase(dates, dt.date(2024, 12, 31)) is RoundPhase.PAST_DEADLINE
    assert rounds.phase(dates, dt.date(2025, 3, 31)) is RoundPhase.PAST_DEADLINE
    assert rounds.phase(dates, dt.date(2025, 4, 1)) is RoundPhase.CLOSED
    # Not closed yet: past the deadline for good; an INFO round closes with its year.
    assert rounds.phase(INFO, dt.date(2030, 1, 1)) is RoundPhase.PAST_DEADLINE
    assert rounds.phase(INFO, dt.date(2026, 1, 1), year_closed=True) is RoundPhase.CLOSED


def test_a_province_override_moves_only_the_deadlines_it_sets():
    tak = ProvinceDeadlines(deadline=dt.date(2026, 6, 30))
    dates = rounds.effective(INFO, tak)
    assert dates.deadline == dt.date(2026, 6, 30)
    assert dates.province_deadline == INFO.province_deadline
    assert dates.opens_on == INFO.opens_on
    assert rounds.effective(INFO, None) is INFO
    assert ProvinceDeadlines().empty and not tak.empty


# --- judging a step against its deadline ------------------------------------------------------


def test_done_on_the_deadline_day_thai_time_is_on_time():
    deadline = dt.date(2026, 6, 15)
    as_of = thai(2026, 8, 1)
    on_time = rounds.judge(thai(2026, 6, 15, 23), deadline, as_of)
    assert on_time is not None
    assert (on_time.punctuality, on_time.days_late, on_time.done) == (
        Punctuality.ON_TIME,
        None,
        True,
    )
    late = rounds.judge(thai(2026, 6, 16, 0), deadline, as_of)
    assert late is not None and (late.punctuality, late.days_late) == (Punctuality.LATE, 1)
    late = rounds.judge(thai(2026, 7, 15), deadline, as_of)
    assert late is not None and late.days_late == 30


def test_not_done_is_pending_until_the_deadline_then_overdue_by_days_so_far():
    deadline = dt.date(2026, 6, 15)
    pending = rounds.judge(None, deadline, thai(2026, 6, 15, 23))
    assert pending is not None and (pending.punctuality, pending.days_late) == (
        Punctuality.PENDING,
        None,
    )
    overdue = rounds.judge(None, deadline, thai(2026, 6, 25))
    assert overdue is not None and (overdue.punctuality, overdue.days_late) == (
        Punctuality.OVERDUE,
        10,
    )
    assert rounds.judge(None, None, thai(2026, 6, 25)) is None  # no deadline: nothing to judge


# --- a certification judged at its deadline, from the history -------------------------------------

DEADLINE, PROVINCE_DEADLINE = dt.date(2026, 6, 15), dt.date(2026, 7, 31)


def punctuality(judgement: rounds.Judgement | None) -> tuple[object, ...]:
    assert judgement is not None
    return judgement.punctuality, judgement.done_at, judgement.days_late


def test_certified_at_the_end_of_the_deadline_day_is_on_time():
    t1, t2 = thai(2026, 6, 10), thai(2026, 6, 15, 23)
    assert punctuality(rounds.lao_certification([(t1, D, L)], DEADLINE, thai(2026, 8, 1))) == (
        Punctuality.ON_TIME,
        t1,
        None,
    )
    assert rounds.lao_certification([(t2, D, L)], DEADLINE, thai(2026, 8, 1)).punctuality is (  # type: ignore[union-attr]
        Punctuality.ON_TIME
    )
    # Cancelled after the deadline, never again: it stood certified at the deadline.
    history = [(t1, D, L), (thai(2026, 6, 20), L, D)]
    assert punctuality(rounds.lao_certification(history, DEADLINE, thai(2026, 8, 1)))[0] is (
        Punctuality.ON_TIME
    )


def test_cancelled_before_the_deadline_and_certified_after_is_late_by_the_days_to_it():
    t1, t2, t3, t4 = thai(2026, 6, 1), thai(2026, 6, 10), thai(2026, 6, 20), thai(2026, 7, 1)
    history = [(t1, D, L), (t2, L, D), (t3, D, L), (t4, L, P)]
    as_of = thai(2026, 8, 1)
    assert punctuality(rounds.lao_certification(history, DEADLINE, as_of)) == (
        Punctuality.LATE,
        t3,
        5,
    )
    assert punctuality(rounds.province_certification(history, PROVINCE_DEADLINE, as_of)) == (
        Punctuality.ON_TIME,
        t4,
        None,
    )
    # As of a date the history stops there: before the deadline pending, after it overdue.
    assert punctuality(rounds.lao_certification(history, DEADLINE, thai(2026, 6, 12)))[0] is (
        Punctuality.PENDING
    )
    assert punctuality(rounds.lao_certification(history, DEADLINE, thai(2026, 6, 18))) == (
        Punctuality.OVERDUE,
        None,
        3,
    )
    assert punctuality(rounds.lao_certification(history, DEADLINE, thai(2026, 6, 5))) == (
        Punctuality.ON_TIME,
        t1,
        None,
    )


def test_late_is_the_first_certification_after_the_deadline_even_if_cancelled_since():
    t1, t2 = thai(2026, 6, 18), thai(2026, 6, 25)
    history = [(t1, D, L), (t2, L, D)]
    assert punctuality(rounds.lao_certification(history, DEADLINE, thai(2026, 8, 1))) == (
        Punctuality.LATE,
        t1,
        3,
    )


def test_a_province_cancelling_is_judged_on_its_own_step():
    t1, t2, t3 = thai(2026, 6, 1), thai(2026, 6, 10), thai(2026, 6, 12)
    history = [(t1, D, L), (t2, L, P), (t3, P, L)]
    as_of = thai(2026, 8, 5)
    assert punctuality(rounds.lao_certification(history, DEADLINE, as_of))[0] is Punctuality.ON_TIME
    # Certified by the province on 10 Jun, cancelled on 12 Jun: not standing on 31 Jul.
    assert punctuality(rounds.province_certification(history, PROVINCE_DEADLINE, as_of)) == (
        Punctuality.OVERDUE,
        None,
        5,
    )
    assert rounds.province_certification(history, None, as_of) is None  # no province deadline
    assert punctuality(rounds.lao_certification([], DEADLINE, as_of))[0] is Punctuality.OVERDUE


def test_events_given_out_of_order_are_taken_by_time():
    t1, t2 = thai(2026, 6, 1), thai(2026, 6, 10)
    late = rounds.lao_certification([(t2, L, D), (t1, D, L)], DEADLINE, thai(2026, 7, 1))
    assert punctuality(late)[0] is Punctuality.OVERDUE


def test_on_the_deadline_day_the_series_counts_exactly_those_on_time():
    histories = [
        [(thai(2026, 6, 10), D, L)],
        [(thai(2026, 6, 1), D, L), (thai(2026, 6, 5), L, D), (thai(2026, 6, 20), D, L)],
        [(thai(2026, 6, 12), D, L), (thai(2026, 6, 30), L, D)],
        [(thai(2026, 6, 16, 1), D, L)],
        [],
    ]
    as_of = thai(2026, 8, 1)
    on_time = sum(
        rounds.lao_certification(h, DEADLINE, as_of).punctuality is Punctuality.ON_TIME  # type: ignore[union-attr]
        for h in histories
    )
    series = rounds.daily_counts(
        (rounds.thai_date(at), *rounds.certified_deltas(before, after))
        for h in histories
        for at, before, after in h
    )
    assert on_time == rounds.count_by(DEADLINE, series).done == 2


def test_each_transition_changes_the_counts_of_its_own_levels():
    assert rounds.certified_deltas(D, L) == (1, 0)
    assert rounds.certified_deltas(L, D) == (-1, 0)
    assert rounds.certified_deltas(L, P) == (0, 1)
    assert rounds.certified_deltas(P, L) == (0, -1)


def test_the_series_by_day_runs_the_totals_and_answers_any_day():
    d = dt.date
    series = rounds.daily_counts(
        [
            (d(2026, 6, 3), 1, 0),
            (d(2026, 6, 1), 1, 0),
            (d(2026, 6, 3), -1, 0),
            (d(2026, 6, 9), 1, 1),
        ]
    )
    assert series == [
        DayCount(d(2026, 6, 1), 1, 0),
        DayCount(d(2026, 6, 3), 1, 0),
        DayCount(d(2026, 6, 9), 2, 1),
    ]
    assert rounds.count_by(d(2026, 5, 31), series) == DayCount(d(2026, 5, 31), 0, 0)
    assert rounds.count_by(d(2026, 6, 5), series) == DayCount(d(2026, 6, 5), 1, 0)
    assert rounds.count_by(d(2027, 1, 1), series) == DayCount(d(2027, 1, 1), 2, 1)
    assert rounds.daily_counts([]) == []


# --- missions rounds ----------------------------------------------------------------------------


def test_only_moments_inside_the_round_count_as_checked():
    dates = RoundDates(dt.date(2024, 10, 25), dt.date(2024, 12, 30), closes_on=dt.date(2025, 3, 31))
    before, inside, later = thai(2024, 10, 24, 23), thai(2024, 11, 2), thai(2024, 12, 1)
    after = thai(2025, 4, 1, 0)
    assert rounds.first_in_round([later, before, inside], dates, thai(2025, 6, 1)) == inside
    assert rounds.first_in_round([before, after], dates, thai(2025, 6, 1)) is None
    assert rounds.first_in_round([later], dates, thai(2024, 11, 15)) is None  # not yet as of then
    start, end = rounds.window(dates, thai(2030, 1, 1))
    assert start == thai(2024, 10, 25, 0) and rounds.thai_date(end) == dt.date(2025, 3, 31)


def test_missions_status_checked_recorded_or_not_yet():
    at = thai(2024, 11, 2)
    assert rounds.mission_status(True, at) is MissionRoundStatus.CHECKED
    assert rounds.mission_status(False, at) is MissionRoundStatus.CHECKED  # confirmed: none
    assert rounds.mission_status(True, None) is MissionRoundStatus.RECORDED
    assert rounds.mission_status(False, None) is MissionRoundStatus.NOT_YET


# --- reminders ----------------------------------------------------------------------------------


def test_reminder_stages_follow_the_state_and_completeness():
    assert rounds.reminder_stage(D, False, False) is ReminderStage.NOTHING_RECORDED
    assert rounds.reminder_stage(D, False, True) is ReminderStage.INCOMPLETE
    assert rounds.reminder_stage(D, True, True) is ReminderStage.NOT_CERTIFIED
    assert rounds.reminder_stage(L, True, True) is ReminderStage.AWAITING_PROVINCE
    assert rounds.reminder_stage(P, True, True) is None
    assert (
        rounds.mission_reminder_stage(MissionRoundStatus.NOT_YET)
        is ReminderStage.MISSIONS_NOT_RECORDED
    )
    assert (
        rounds.mission_reminder_stage(MissionRoundStatus.RECORDED)
        is ReminderStage.MISSIONS_NOT_CHECKED
    )
    assert rounds.mission_reminder_stage(MissionRoundStatus.CHECKED) is None
    assert ReminderStage.AWAITING_PROVINCE not in rounds.LAO_TASKS


# --- DLA's input ----------------------------------------------------------------------------------


def field_of(problem: object) -> str | None:
    assert isinstance(problem, InvalidInput), problem
    return problem.field


def test_dates_in_order_in_their_year_are_accepted():
    kpi16 = RoundDates(
        dt.date(2026, 1, 26), dt.date(2026, 3, 6), dt.date(2026, 3, 6), dt.date(2026, 3, 20)
    )
    assert rounds.dates_problem(RoundKind.KPI16, 2569, kpi16) is None
    assert rounds.dates_problem(RoundKind.INFO, 2569, INFO) is None


@pytest.mark.parametrize(
    ("kind", "year", "dates", "field"),
    [
        (RoundKind.INFO, 2400, INFO, "fiscalYear"),
        (
            RoundKind.INFO,
            2569,
            RoundDates(dt.date(2026, 7, 1), dt.date(2026, 6, 15)),
            "dates.deadline",
        ),
        (
            RoundKind.KPI16,
            2569,
            RoundDates(dt.date(2026, 1, 26), dt.date(2026, 3, 6), dt.date(2026, 3, 1)),
            "dates.districtDeadline",
        ),
        (
            RoundKind.KPI16,
            2569,
            RoundDates(
                dt.date(2026, 1, 26),
                dt.date(2026, 3, 6),
                None,
                dt.date(2026, 3, 20),
                dt.date(2026, 3, 19),
            ),
            "dates.closesOn",
        ),
        (
            RoundKind.INFO,
            2569,
            RoundDates(dt.date(2025, 10, 1), dt.date(2026, 10, 15)),
            "dates.deadline",
        ),
        (
            RoundKind.MISSIONS,
            2568,
            RoundDates(dt.date(2025, 10, 25), dt.date(2025, 12, 30)),
            "dates.opensOn",
        ),
    ],
)
def test_dates_out_of_order_or_out_of_their_year_name_the_field(kind, year, dates, field):
    assert field_of(rounds.dates_problem(kind, year, dates)) == field


def test_an_info_round_closes_with_its_year_not_by_date():
    assert (
        field_of(rounds.closing_input_problem(RoundKind.INFO, dt.date(2026, 9, 30)))
        == "dates.closesOn"
    )
    assert rounds.closing_input_problem(RoundKind.INFO, None) is None
    assert rounds.closing_input_problem(RoundKind.MISSIONS, dt.date(2026, 9, 30)) is None


def test_a_province_override_must_keep_the_dates_in_order():
    kpi16 = RoundDates(
        dt.date(2026, 1, 26),
        dt.date(2026, 3, 6),
        dt.date(2026, 3, 6),
        dt.date(2026, 3, 20),
        dt.date(2026, 4, 30),
    )
    assert (
        rounds.override_problem(kpi16, ProvinceDeadlines(district_deadline=dt.date(2026, 3, 10)))
        is None
    )
    # A deadline before the round opens names the deadline given.
    early = ProvinceDeadlines(deadline=dt.date(2026, 1, 1))
    assert field_of(rounds.override_problem(kpi16, early)) == "deadlines.deadline"
    # Past the round's own district deadline, which the override does not move: names its own.
    late = ProvinceDeadlines(deadline=dt.date(2026, 3, 10))
    assert field_of(rounds.override_problem(kpi16, late)) == "deadlines.deadline"
    # Past the closing: names the province deadline given, never the closing it cannot set.
    after = ProvinceDeadlines(province_deadline=dt.date(2026, 5, 10))
    assert field_of(rounds.override_problem(kpi16, after)) == "deadlines.provinceDeadline"


def test_titles_name_the_round_in_thai_and_english():
    assert rounds.title(RoundKind.KPI16, 2569, 1) == (
        "ตัวชี้วัดที่ 16 รอบที่ 1 ปีงบประมาณ 2569",
        "KPI 16, round 1 of fiscal year 2569",
    )
    assert "2570" in rounds.title(RoundKind.INFO, 2570, 1)[0]
    assert "รอบที่ 2" in rounds.title(RoundKind.MISSIONS, 2568, 2)[0]
