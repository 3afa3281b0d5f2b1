"""Rounds and deadlines (DOMAIN.md "Fiscal years, deadlines and closing", "KPI 16",
"Transferred missions"): when a round is open, a province's deadline, and lateness.

A round asks LAOs for something by a deadline: the INFO data of fiscal year N (record and
certify; the province certifies by its own deadline), KPI-16 round r of year N (LAOs record
their village water-supply systems, districts report to the province, provinces to DLA),
or a transferred-missions round (LAOs check and update their mission records). DLA sets
its dates; an override may move one province's deadlines (a province that was given more
time, or Tak's districts reporting by 6 Mar 2569). Nothing here reads a clock: "today" and
"as of" are arguments.

Dates are Thai calendar days (Asia/Bangkok, UTC+7, no daylight saving): a step done at a
moment is on time when that moment's Thai date is on or before the deadline, and it is late
by (its Thai date − the deadline) days. On a day d a round is

    UPCOMING        d < opens_on
    OPEN            opens_on ≤ d ≤ deadline
    PAST_DEADLINE   deadline < d ≤ closes_on (or no closing yet): still accepted, reported late
    CLOSED          d > closes_on; an INFO round also once DLA has closed its fiscal year

Lateness is computed from the history, never typed in, and judged at the deadline: an
LAO-year's certification is ON_TIME when its state at the end of the deadline day (of its
province) was certified, whatever happened after; otherwise LATE by the days from the deadline to its first certification after it
(DRAFT → LAO_CERTIFIED), PENDING while the deadline has not passed and OVERDUE (by the days
so far) once it has. The province's step is judged the same way against its own deadline
(LAO_CERTIFIED → PROVINCE_CERTIFIED, standing PROVINCE_CERTIFIED). Only the history up to
"as of" counts; a closed round is judged as it stood when it closed (`until_closed`). So
"how many had certified by day X" — the LAOs whose state at the end of day X was certified
(`certified_deltas` turns each event into the change it makes to those counts) — is, on
the deadline day, exactly the number on time.

A missions round is done by an LAO once it has acted on its mission records within the
round (recorded, changed or cancelled one, or confirmed them checked): its status is
CHECKED; an LAO with records from before the round that has not acted is RECORDED; one
with no records at all is NOT_YET.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hub.rules.enums import (
    CertificationState,
    MissionRoundStatus,
    Punctuality,
    ReminderStage,
    RoundKind,
    RoundPhase,
)
from hub.rules.fiscal_years import BE_OFFSET, MAX_YEAR_BE, MIN_YEAR_BE, year_bounds
from hub.rules.lpa import BANGKOK, utc
from hub.rules.problems import Refusal, invalid

CERTIFIED = (CertificationState.LAO_CERTIFIED, CertificationState.PROVINCE_CERTIFIED)
# The reminder stages that are the LAO's own work (the default of a reminder list).
LAO_TASKS = (
    ReminderStage.NOTHING_RECORDED,
    ReminderStage.INCOMPLETE,
    ReminderStage.NOT_CERTIFIED,
    ReminderStage.MISSIONS_NOT_RECORDED,
    ReminderStage.MISSIONS_NOT_CHECKED,
)


@dataclass(frozen=True)
class RoundDates:
    """A round's days: opening, the LAOs' deadline, the district's and the province's step
    (optional), and its closing (None: not closed yet)."""

    opens_on: dt.date
    deadline: dt.date
    district_deadline: dt.date | None = None
    province_deadline: dt.date | None = None
    closes_on: dt.date | None = None


@dataclass(frozen=True)
class ProvinceDeadlines:
    """One province's override of a round's deadlines; None keeps the round's own."""

    deadline: dt.date | None = None
    district_deadline: dt.date | None = None
    province_deadline: dt.date | None = None

    @property
    def empty(self) -> bool:
        return (self.deadline, self.district_deadline, self.province_deadline) == (None,) * 3


def effective(dates: RoundDates, override: ProvinceDeadlines | None) -> RoundDates:
    """The round's dates for a province: its override's deadlines where it sets them."""
    if override is None:
        return dates
    return dataclasses.replace(
        dates,
        deadline=override.deadline or dates.deadline,
        district_deadline=override.district_deadline or dates.district_deadline,
        province_deadline=override.province_deadline or dates.province_deadline,
    )


UTC_TO_THAI = dt.timedelta(hours=7)  # Thailand keeps no daylight saving time


def _utc(moment: dt.datetime) -> dt.datetime:
    """`lpa.utc`, without converting what is already UTC (every stored moment): lateness
    is computed for every LAO of the country at once."""
    return moment if moment.tzinfo is dt.UTC else utc(moment)


def thai_date(moment: dt.datetime) -> dt.date:
    """The Thai calendar day of `moment` (naive moments are taken as UTC)."""
    try:
        return (_utc(moment) + UTC_TO_THAI).date()
    except OverflowError:  # the last hours of year 9999, UTC: already 10000 in Thailand
        return dt.date.max


def start_of_thai_day(day: dt.date) -> dt.datetime:
    """The first moment of Thai day `day`, in UTC."""
    return dt.datetime.combine(day, dt.time.min, BANGKOK).astimezone(dt.UTC)


def end_of_thai_day(day: dt.date) -> dt.datetime:
    """The last moment of Thai day `day`, in UTC: "certified by day X" means up to this."""
    return dt.datetime.combine(day, dt.time.max, BANGKOK).astimezone(dt.UTC)


def fiscal_year_of(day: dt.date) -> int:
    """The Buddhist-Era fiscal year (1 Oct – 30 Sep) that `day` falls in."""
    return day.year + BE_OFFSET + (1 if day.month >= 10 else 0)


def phase(dates: RoundDates, today: dt.date, *, year_closed: bool = False) -> RoundPhase:
    """Where the round stands on Thai day `today` (see the module docstring)."""
    if year_closed or (dates.closes_on is not None and today > dates.closes_on):
        return RoundPhase.CLOSED
    if today < dates.opens_on:
        return RoundPhase.UPCOMING
    if today <= dates.deadline:
        return RoundPhase.OPEN
    return RoundPhase.PAST_DEADLINE


@dataclass(frozen=True)
class Judgement:
    """A step judged against its deadline as of a moment."""

    punctuality: Punctuality
    deadline: dt.date
    done_at: dt.datetime | None  # when it was done (on time: the step standing at the
    # deadline; late: its first time after it) or None: not done as of the moment
    days_late: int | None  # done late: by how many days; overdue: days so far; else None

    @property
    def done(self) -> bool:
        return self.done_at is not None


def judge(
    done_at: dt.datetime | None, deadline: dt.date | None, as_of: dt.datetime
) -> Judgement | None:
    """A step done once, at `done_at` (None: not done as of `as_of`), against `deadline`
    (a missions check: its first moment in the round); None when the step has no deadline
    (nothing to be late for)."""
    if deadline is None:
        return None
    if done_at is not None:
        late_by = (thai_date(done_at) - deadline).days
        if late_by > 0:
            return Judgement(Punctuality.LATE, deadline, done_at, late_by)
        return Judgement(Punctuality.ON_TIME, deadline, done_at, None)
    overdue_by = (thai_date(as_of) - deadline).days
    if overdue_by > 0:
        return Judgement(Punctuality.OVERDUE, deadline, None, overdue_by)
    return Judgement(Punctuality.PENDING, deadline, None, None)


# One certification transition: when, from which state, to which. Events are taken in the
# order given (the database's: by time, then id), which a stable sort by time keeps.
Transition = tuple[dt.datetime, CertificationState, CertificationState]


def _sorted(events: Iterable[Transition]) -> list[Transition]:
    return sorted(((_utc(e[0]), e[1], e[2]) for e in events), key=_first)


def _first(event: Transition) -> dt.datetime:
    return event[0]


def _state_at(events: Sequence[Transition], moment: dt.datetime) -> CertificationState:
    """The state after the last of the (sorted) events at or before `moment` (DRAFT: none)."""
    state = CertificationState.DRAFT
    for at, _, after in events:
        if at > moment:
            break
        state = after
    return state


def _step_judged(
    events: Iterable[Transition],
    step: tuple[CertificationState, CertificationState],
    standing: Sequence[CertificationState],
    deadline: dt.date | None,
    as_of: dt.datetime,
) -> Judgement | None:
    """A certification step against its deadline, from the history up to `as_of` (see the
    module docstring): done when the state at the end of the deadline day stood certified;
    else late by its first time after it; else pending until the deadline, overdue after."""
    if deadline is None:
        return None
    history, limit, end = _sorted(events), _utc(as_of), end_of_thai_day(deadline)
    cutoff = min(end, limit)
    if _state_at(history, cutoff) in standing:
        done_at = max(
            (at for at, before, after in history if (before, after) == step and at <= cutoff),
            default=None,  # a history not starting from DRAFT (imported): standing, undated
        )
        return Judgement(Punctuality.ON_TIME, deadline, done_at, None)
    if limit <= end:
        return Judgement(Punctuality.PENDING, deadline, None, None)
    late = [at for at, before, after in history if (before, after) == step and end < at <= limit]
    if late:
        return Judgement(Punctuality.LATE, deadline, late[0], (thai_date(late[0]) - deadline).days)
    return Judgement(Punctuality.OVERDUE, deadline, None, (thai_date(limit) - deadline).days)


def lao_certification(
    events: Iterable[Transition], deadline: dt.date | None, as_of: dt.datetime
) -> Judgement | None:
    """The LAO's certification of its year against `deadline`, as of `as_of`."""
    step = (CertificationState.DRAFT, CertificationState.LAO_CERTIFIED)
    return _step_judged(events, step, CERTIFIED, deadline, as_of)


def province_certification(
    events: Iterable[Transition], deadline: dt.date | None, as_of: dt.datetime
) -> Judgement | None:
    """The province's certification of the LAO-year against `deadline`, as of `as_of`."""
    step = (CertificationState.LAO_CERTIFIED, CertificationState.PROVINCE_CERTIFIED)
    return _step_judged(events, step, (CertificationState.PROVINCE_CERTIFIED,), deadline, as_of)


def certified_deltas(before: CertificationState, after: CertificationState) -> tuple[int, int]:
    """What one transition changes in (LAOs certified by the LAO, LAOs certified by the
    province): a certification +1, a cancellation −1, each level on its own."""
    lao = int(after in CERTIFIED) - int(before in CERTIFIED)
    province = int(after is CertificationState.PROVINCE_CERTIFIED) - int(
        before is CertificationState.PROVINCE_CERTIFIED
    )
    return lao, province


@dataclass(frozen=True)
class DayCount:
    """How many had done the round's step(s) by the end of a Thai day."""

    day: dt.date
    done: int  # LAO-certified (INFO) or checked (missions)
    province_done: int  # province-certified (INFO); 0 for other rounds


def daily_counts(changes: Iterable[tuple[dt.date, int, int]]) -> list[DayCount]:
    """The running totals of (day, change of `done`, change of `province_done`): one entry
    per day on which something changed, oldest first; a day whose changes cancel out keeps
    its entry (the same totals as the day before)."""
    per_day: dict[dt.date, list[int]] = {}
    for day, done, province in changes:
        totals = per_day.setdefault(day, [0, 0])
        totals[0] += done
        totals[1] += province
    result, done_total, province_total = [], 0, 0
    for day in sorted(per_day):
        done_total += per_day[day][0]
        province_total += per_day[day][1]
        result.append(DayCount(day, done_total, province_total))
    return result


def count_by(day: dt.date, series: Sequence[DayCount]) -> DayCount:
    """The totals at the end of `day` from a `daily_counts` series (zeros before it starts)."""
    latest = DayCount(day, 0, 0)
    for point in series:
        if point.day > day:
            break
        latest = DayCount(day, point.done, point.province_done)
    return latest


def in_round(moment: dt.datetime, dates: RoundDates) -> bool:
    """Whether `moment` falls within the round: from its opening day to its closing day."""
    day = thai_date(moment)
    return dates.opens_on <= day and (dates.closes_on is None or day <= dates.closes_on)


def until_closed(dates: RoundDates, as_of: dt.datetime) -> dt.datetime:
    """`as_of`, or the end of the round's closing day when that is earlier: a closed round
    is judged as it stood when it closed (nothing counts after it; overdue stops growing)."""
    if dates.closes_on is None:
        return utc(as_of)
    return min(utc(as_of), end_of_thai_day(dates.closes_on))


def window(dates: RoundDates, as_of: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The moments (UTC, inclusive) that count for the round as of `as_of`: from the start
    of its opening day to the end of its closing day, and not after `as_of`."""
    return start_of_thai_day(dates.opens_on), until_closed(dates, as_of)


def first_in_round(
    moments: Iterable[dt.datetime], dates: RoundDates, as_of: dt.datetime
) -> dt.datetime | None:
    """The first of `moments` within the round and not after `as_of` (None: none)."""
    limit = utc(as_of)
    inside = [utc(m) for m in moments if utc(m) <= limit and in_round(m, dates)]
    return min(inside, default=None)


def mission_status(has_records: bool, checked_at: dt.datetime | None) -> MissionRoundStatus:
    """An LAO's missions in a round: acted on in it, recorded before only, or nothing."""
    if checked_at is not None:
        return MissionRoundStatus.CHECKED
    return MissionRoundStatus.RECORDED if has_records else MissionRoundStatus.NOT_YET


def reminder_stage(
    state: CertificationState, complete: bool, anything_recorded: bool
) -> ReminderStage | None:
    """Why an LAO-year is on an INFO round's reminder list (None: province-certified)."""
    if state is CertificationState.PROVINCE_CERTIFIED:
        return None
    if state is CertificationState.LAO_CERTIFIED:
        return ReminderStage.AWAITING_PROVINCE
    if complete:
        return ReminderStage.NOT_CERTIFIED
    return ReminderStage.INCOMPLETE if anything_recorded else ReminderStage.NOTHING_RECORDED


def mission_reminder_stage(status: MissionRoundStatus) -> ReminderStage | None:
    """Why an LAO is on a missions round's reminder list (None: checked in the round)."""
    return {
        MissionRoundStatus.NOT_YET: ReminderStage.MISSIONS_NOT_RECORDED,
        MissionRoundStatus.RECORDED: ReminderStage.MISSIONS_NOT_CHECKED,
    }.get(status)


def title(kind: RoundKind, fiscal_year: int, number: int) -> tuple[str, str]:
    """The round's name in Thai and English."""
    if kind is RoundKind.INFO:
        return (
            f"ข้อมูล INFO ปีงบประมาณ {fiscal_year}",
            f"INFO data, fiscal year {fiscal_year}",
        )
    if kind is RoundKind.KPI16:
        return (
            f"ตัวชี้วัดที่ 16 รอบที่ {number} ปีงบประมาณ {fiscal_year}",
            f"KPI 16, round {number} of fiscal year {fiscal_year}",
        )
    return (
        f"ภารกิจถ่ายโอน รอบที่ {number} ปีงบประมาณ {fiscal_year}",
        f"Transferred missions, round {number} of fiscal year {fiscal_year}",
    )


# --- checking DLA's input -----------------------------------------------------------------

_NAMES = {
    "opens_on": ("opensOn", "วันเปิดรอบ"),
    "deadline": ("deadline", "กำหนดส่งของ อปท."),
    "district_deadline": ("districtDeadline", "กำหนดส่งของอำเภอ"),
    "province_deadline": ("provinceDeadline", "กำหนดของจังหวัด"),
    "closes_on": ("closesOn", "วันปิดรอบ"),
}


_ORDER = ("opens_on", "deadline", "district_deadline", "province_deadline", "closes_on")


def _order_problem(
    dates: RoundDates, prefix: str, inputs: Sequence[str] = _ORDER
) -> Refusal | None:
    """The first date out of order (opening ≤ deadline ≤ district's ≤ province's ≤ closing),
    named by the caller's input among `inputs` (the later date where the caller gave it)."""
    given = [(name, getattr(dates, name)) for name in _ORDER if getattr(dates, name) is not None]
    for (before, earlier), (name, later) in itertools.pairwise(given):
        if later >= earlier:
            continue
        api, thai = _NAMES[name]
        before_api, before_thai = _NAMES[before]
        if name in inputs:
            return invalid(
                f"{prefix}.{api}",
                "OUT_OF_ORDER",
                f"must not be before {before_api} ({earlier}), got {later}",
                f"ต้องไม่ก่อน{before_thai} ({earlier}) (ได้รับ {later})",
            )
        return invalid(
            f"{prefix}.{before_api}",
            "OUT_OF_ORDER",
            f"must not be after {api} ({later}), got {earlier}",
            f"ต้องไม่หลัง{thai} ({later}) (ได้รับ {earlier})",
        )
    return None


def dates_problem(kind: RoundKind, fiscal_year: int, dates: RoundDates) -> Refusal | None:
    """Why DLA cannot give a round of `kind` in `fiscal_year` these dates (or None): the
    year out of range, the dates out of order, an INFO deadline outside its fiscal year, a
    KPI-16 or missions round not opening in its fiscal year."""
    if not MIN_YEAR_BE <= fiscal_year <= MAX_YEAR_BE:
        return invalid(
            "fiscalYear",
            "OUT_OF_RANGE",
            f"must be a Buddhist-Era year between {MIN_YEAR_BE} and {MAX_YEAR_BE}, got {fiscal_year}",
            f"ต้องเป็นปี พ.ศ. ระหว่าง {MIN_YEAR_BE} ถึง {MAX_YEAR_BE} (ได้รับ {fiscal_year})",
        )
    if problem := _order_problem(dates, "dates"):
        return problem
    starts_on, ends_on = year_bounds(fiscal_year)
    if kind is RoundKind.INFO and not starts_on <= dates.deadline <= ends_on:
        return invalid(
            "dates.deadline",
            "OUT_OF_RANGE",
            f"must fall inside fiscal year {fiscal_year} ({starts_on}–{ends_on})",
            f"ต้องอยู่ในปีงบประมาณ {fiscal_year} ({starts_on} ถึง {ends_on})",
        )
    if kind is not RoundKind.INFO and not starts_on <= dates.opens_on <= ends_on:
        return invalid(
            "dates.opensOn",
            "OUT_OF_RANGE",
            f"must fall inside fiscal year {fiscal_year} ({starts_on}–{ends_on})",
            f"ต้องอยู่ในปีงบประมาณ {fiscal_year} ({starts_on} ถึง {ends_on})",
        )
    return None


def closing_input_problem(kind: RoundKind, closes_on: dt.date | None) -> Refusal | None:
    """An INFO round closes when DLA closes its fiscal year (`closeFiscalYear`), which
    makes the year read-only; its closing is not set as a date."""
    if kind is RoundKind.INFO and closes_on is not None:
        return invalid(
            "dates.closesOn",
            "READ_ONLY",
            "an INFO round closes when DLA closes its fiscal year (closeFiscalYear)",
            "รอบข้อมูล INFO ปิดเมื่อ สถ. ปิดปีงบประมาณ (closeFiscalYear)",
        )
    return None


def override_problem(dates: RoundDates, override: ProvinceDeadlines) -> Refusal | None:
    """Why a province's deadlines cannot be `override` (or None): the province's dates must
    stay in order between the round's opening and closing."""
    given = [
        name
        for name in ("deadline", "district_deadline", "province_deadline")
        if getattr(override, name) is not None
    ]
    return _order_problem(effective(dates, override), "deadlines", given)
