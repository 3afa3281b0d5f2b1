"""LPA indicator 7 "records important data within the time frame" (full score 5).

DOMAIN.md "LPA indicator 7": the LPA assessor checks, as of the inspection date, that all
8 domains are recorded and certified. The rubric's scores and wording are DATA, versioned
per LPA year (table `lpa_rubrics`, column `levels_json`), because the 2564 form is a draft;
which situation applies (the rule) is decided here, in one place:

==========================================  =====  =======================================
rule                                        2564   when (as of the date)
==========================================  =====  =======================================
COMPLETE_LAO_AND_PROVINCE_CERTIFIED         5      all 8 complete, state PROVINCE_CERTIFIED
COMPLETE_LAO_CERTIFIED                      3      all 8 complete, state LAO_CERTIFIED
COMPLETE_NOT_CERTIFIED                      1      all 8 complete, state DRAFT (rubric gap)
RECORDED_NOT_CERTIFIED                      1      something recorded, not all 8 complete
NOTHING_RECORDED                            0      nothing recorded
==========================================  =====  =======================================

The 2564 rubric is silent on "complete but not certified by the LAO"; it is scored 1 under
its own rule code so the gap stays visible. The score is **provisional**: an assessor
records the final score with a reason (`lpa_assessments`). `hub.db.rollups.lpa_distribution`
computes the same rule in SQL.

A score as of a date is a function of the history up to that date only, never of what
happened later (the indicator is judged "as of the inspection date"): the state is the
`to_state` of the last certification event at or before it, and the completeness (mask of
complete domains, whether anything was recorded) is the last entry at or before it of the
LAO-year's completeness history (`completeness_history`, appended by every change). So a
province certification cancelled, and data cleared, after an inspection do not lower the
score of that inspection. Event times are compared in UTC (naive datetimes are taken as UTC,
which is how SQLite returns stored timestamps); deadlines are Thai calendar dates
(Asia/Bangkok, UTC+7).

Rubric versions [design]: LPA year N assesses fiscal year N (`fiscal_year_assessed`); a rubric
is published for an LPA year and stays in force until a later one is published, so the
version scoring LPA year N is the latest published at or before N (`rubric_in_force`). The
2564 draft form is built in (`DEFAULT_RUBRIC_2564`, version 2564), so a database without any
rubric row still scores, and names the version it scored with.

Timeliness as of a date (`timeliness_as_of`): LAO certification is judged against the
fiscal year's deadline (the end of that Thai calendar day). As of a moment A:

==========  ================================================================================
ON_TIME     it stood certified (by the LAO, or also the province) at the deadline, or at A
            if A comes first
LATE        the deadline passed uncertified, and the LAO certified after it, at or before A
            (`days_late`: Thai calendar days from the deadline to that certification)
OVERDUE     the deadline passed and the LAO has not certified since, as of A
            (`days_late`: days from the deadline to A)
NOT_DUE     A is before the deadline and it is not certified at A
==========  ================================================================================

Which deadline an LAO-year is judged against is `Deadlines` (per province when set, else the
year's); the database layer says where it comes from (`hub.db.lpa.certification_deadlines`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hub.rules.completeness import ALL_DOMAINS_MASK
from hub.rules.enums import CertificationState, Timeliness

BANGKOK = dt.timezone(dt.timedelta(hours=7), "Asia/Bangkok")

COMPLETE_LAO_AND_PROVINCE_CERTIFIED = "COMPLETE_LAO_AND_PROVINCE_CERTIFIED"
COMPLETE_LAO_CERTIFIED = "COMPLETE_LAO_CERTIFIED"
COMPLETE_NOT_CERTIFIED = "COMPLETE_NOT_CERTIFIED"
RECORDED_NOT_CERTIFIED = "RECORDED_NOT_CERTIFIED"
NOTHING_RECORDED = "NOTHING_RECORDED"
RULES = (
    COMPLETE_LAO_AND_PROVINCE_CERTIFIED,
    COMPLETE_LAO_CERTIFIED,
    COMPLETE_NOT_CERTIFIED,
    RECORDED_NOT_CERTIFIED,
    NOTHING_RECORDED,
)


# One certification transition, as far as scoring cares: when, and to what state.
EventLike = tuple[dt.datetime, CertificationState]
# One entry of an LAO-year's completeness history: from when, its mask, anything recorded.
CompletenessLike = tuple[dt.datetime, int, bool]
NOTHING = (0, False)  # the completeness before the first entry: nothing recorded


@dataclass(frozen=True)
class RubricLevel:
    rule: str  # one of RULES
    score: int
    th: str
    en: str


@dataclass(frozen=True)
class Rubric:
    """The scores and wording of indicator 7 for one LPA year; one level per rule."""

    levels: tuple[RubricLevel, ...]

    def __post_init__(self) -> None:
        rules = [level.rule for level in self.levels]
        unknown = sorted(set(rules) - set(RULES))
        missing = [r for r in RULES if r not in rules]
        if unknown or missing or len(rules) != len(set(rules)):
            raise ValueError(
                f"a rubric needs exactly one level per rule {', '.join(RULES)}"
                f" (unknown: {unknown}, missing: {missing})"
            )

    def level(self, rule: str) -> RubricLevel:
        for level in self.levels:
            if level.rule == rule:
                return level
        raise KeyError(rule)

    def score(self, rule: str) -> int:
        return self.level(rule).score

    @property
    def full_score(self) -> int:
        return max(level.score for level in self.levels)

    @property
    def scores(self) -> list[int]:
        """The distinct scores, highest first (5, 3, 1, 0 for 2564)."""
        return sorted({level.score for level in self.levels}, reverse=True)

    def rules_scoring(self, score: int) -> tuple[str, ...]:
        """The rules whose level has `score` (none when it is not one of the levels)."""
        return tuple(level.rule for level in self.levels if level.score == score)


DEFAULT_RUBRIC_2564 = Rubric(
    levels=(
        RubricLevel(
            COMPLETE_LAO_AND_PROVINCE_CERTIFIED,
            5,
            "บันทึกข้อมูลครบทั้ง 8 ด้าน ถูกต้องและเป็นปัจจุบัน ณ วันตรวจประเมิน และ อปท. และจังหวัดรับรองข้อมูลแล้ว",
            "All 8 domains recorded correctly and current as of the inspection date,"
            " certified by the LAO and the province",
        ),
        RubricLevel(
            COMPLETE_LAO_CERTIFIED,
            3,
            "บันทึกข้อมูลครบทั้ง 8 ด้าน ถูกต้องและเป็นปัจจุบัน ณ วันตรวจประเมิน"
            " และ อปท. รับรองข้อมูลแล้ว แต่จังหวัดยังไม่รับรอง",
            "All 8 domains recorded correctly and current as of the inspection date,"
            " certified by the LAO only",
        ),
        RubricLevel(
            COMPLETE_NOT_CERTIFIED,
            1,
            "บันทึกข้อมูลครบทั้ง 8 ด้าน แต่ อปท. ยังไม่รับรองข้อมูล"
            " (เกณฑ์ไม่ได้กำหนดกรณีนี้ ให้คะแนนเท่ากับบันทึกข้อมูลแต่ยังไม่รับรอง)",
            "All 8 domains recorded but not certified by the LAO"
            " (the rubric is silent; scored as recorded but not certified)",
        ),
        RubricLevel(
            RECORDED_NOT_CERTIFIED,
            1,
            "บันทึกข้อมูลไม่ครบถ้วน และ อปท. ยังไม่รับรองข้อมูล",
            "Data recorded incompletely and not certified by the LAO",
        ),
        RubricLevel(
            NOTHING_RECORDED,
            0,
            "ไม่สามารถบันทึกข้อมูลทั้ง 8 ด้านได้ (ไม่มีข้อมูลที่ อปท. บันทึก)",
            "Could not record the 8 domains (nothing recorded by the LAO)",
        ),
    )
)


BUILT_IN_VERSION = 2564  # the LPA year of the built-in rubric: the 2564 draft form


def fiscal_year_assessed(lpa_year: int) -> int:
    """The fiscal year whose data LPA year `lpa_year` assesses [design: the same year]."""
    return lpa_year


def lpa_year_assessing(fiscal_year: int) -> int:
    """The LPA year that assesses fiscal year `fiscal_year` (inverse of the above)."""
    return fiscal_year


def rubric_versions(stored: Mapping[int, Rubric]) -> dict[int, Rubric]:
    """Every rubric version by LPA year, oldest first: those published (`stored`) and the
    built-in 2564 form unless a 2564 version was published."""
    versions = {BUILT_IN_VERSION: DEFAULT_RUBRIC_2564, **stored}
    return dict(sorted(versions.items()))


def rubric_in_force(stored: Mapping[int, Rubric], lpa_year: int) -> tuple[int, Rubric]:
    """(version, rubric) that scores LPA year `lpa_year`: the latest version published at or
    before it; for a year before every version, the oldest one."""
    versions = rubric_versions(stored)
    earlier = [year for year in versions if year <= lpa_year]
    version = max(earlier) if earlier else min(versions)
    return version, versions[version]


def rubric_to_json(rubric: Rubric) -> str:
    """The `lpa_rubrics.levels_json` text of a rubric."""
    return json.dumps(
        [{"rule": v.rule, "score": v.score, "th": v.th, "en": v.en} for v in rubric.levels],
        ensure_ascii=False,
    )


def rubric_from_json(text: str) -> Rubric:
    """A rubric from `lpa_rubrics.levels_json`; ValueError when it is malformed."""
    try:
        data: Any = json.loads(text)
        levels = tuple(
            RubricLevel(str(v["rule"]), int(v["score"]), str(v["th"]), str(v["en"])) for v in data
        )
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"not a rubric: {error}") from error
    return Rubric(levels)


@dataclass(frozen=True)
class LpaScore:
    score: int
    rule: str
    rule_th: str
    rule_en: str
    state_as_of: CertificationState
    certified_on_time: bool | None = None  # None: no deadline given, or never certified
    timeliness: TimelinessAsOf | None = None  # with a deadline: as of the score's date


_LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)


def utc(moment: dt.datetime) -> dt.datetime:
    """`moment` as an aware UTC datetime (naive values are taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # within a day of year 1 or 9999: nothing the hub holds is nearer
        return dt.datetime.min.replace(tzinfo=dt.UTC) if moment.year == 1 else _LATEST


def end_of_day(day: dt.date) -> dt.datetime:
    """The last instant of a Thai calendar day, in UTC."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), BANGKOK).astimezone(
        dt.UTC
    ) - dt.timedelta(microseconds=1)


def state_as_of(events: Sequence[EventLike], as_of: dt.datetime) -> CertificationState:
    """The `to_state` of the last event at or before `as_of`; DRAFT when there is none.

    Events at the same instant count in the order given (pass them in recording order).
    """
    limit = utc(as_of)
    state = CertificationState.DRAFT
    latest: dt.datetime | None = None
    for at, to_state in events:
        moment = utc(at)
        if moment <= limit and (latest is None or moment >= latest):
            latest, state = moment, to_state
    return state


def completeness_as_of(history: Sequence[CompletenessLike], as_of: dt.datetime) -> tuple[int, bool]:
    """(complete mask, anything recorded) of the last entry at or before `as_of`;
    nothing recorded when there is none. Entries at the same instant count in the order given.
    """
    limit = utc(as_of)
    value = NOTHING
    latest: dt.datetime | None = None
    for at, mask, recorded in history:
        moment = utc(at)
        if moment <= limit and (latest is None or moment >= latest):
            latest, value = moment, (mask, recorded)
    return value


def timeliness(events: Sequence[EventLike], deadline: dt.date) -> bool | None:
    """Whether the LAO certified by the deadline (end of that day, Thai time).

    True when the LAO-year stood certified (by the LAO, or also by the province) at the
    deadline; False when it was not, but the LAO certified after it (including re-certifying
    after a cancellation); None when it has not certified since (or never did).
    """
    certified = {CertificationState.LAO_CERTIFIED, CertificationState.PROVINCE_CERTIFIED}
    if state_as_of(events, end_of_day(deadline)) in certified:
        return True
    limit = end_of_day(deadline)
    if any(
        to_state is CertificationState.LAO_CERTIFIED and utc(at) > limit for at, to_state in events
    ):
        return False
    return None


@dataclass(frozen=True)
class Deadlines:
    """The deadline LAO certification of one fiscal year is judged against: the province's
    when one is set for it, else the year's (None: no deadline, no timeliness)."""

    default: dt.date | None
    by_province: Mapping[int, dt.date] = field(default_factory=dict)

    def for_province(self, province_id: int) -> dt.date | None:
        return self.by_province.get(province_id, self.default)


@dataclass(frozen=True)
class TimelinessAsOf:
    status: Timeliness
    deadline: dt.date
    certified_late_at: dt.datetime | None = None  # LATE: the LAO's first certification after it
    days_late: int | None = None  # LATE: days to that certification; OVERDUE: days to the date


def thai_date(moment: dt.datetime) -> dt.date:
    """The Thai calendar day of a moment (the calendar's last day for one past it)."""
    try:
        return utc(moment).astimezone(BANGKOK).date()
    except OverflowError:  # within 7 hours of the end of year 9999
        return dt.date.max


def timeliness_as_of(
    events: Sequence[EventLike], deadline: dt.date, as_of: dt.datetime
) -> TimelinessAsOf:
    """Whether the LAO-year was certified by `deadline`, as it stood at `as_of` (module table).

    `events` as for `provisional_score`; only those at or before `as_of` count.
    """
    certified = {CertificationState.LAO_CERTIFIED, CertificationState.PROVINCE_CERTIFIED}
    limit = utc(as_of)
    end = end_of_day(deadline)
    if state_as_of(events, min(end, limit)) in certified:
        return timeliness_of(Timeliness.ON_TIME, deadline, as_of)
    if limit <= end:
        return timeliness_of(Timeliness.NOT_DUE, deadline, as_of)
    late = [
        utc(at)
        for at, to_state in events
        if to_state is CertificationState.LAO_CERTIFIED and end < utc(at) <= limit
    ]
    if late:
        return timeliness_of(Timeliness.LATE, deadline, as_of, min(late))
    return timeliness_of(Timeliness.OVERDUE, deadline, as_of)


def timeliness_of(
    status: Timeliness,
    deadline: dt.date,
    as_of: dt.datetime,
    certified_late_at: dt.datetime | None = None,
) -> TimelinessAsOf:
    """The timeliness of a status decided (here or in SQL, `hub.db.lpa`), with its days late:
    LATE, Thai calendar days from the deadline to the late certification; OVERDUE, to `as_of`."""
    if status is Timeliness.LATE and certified_late_at is not None:
        late_at = utc(certified_late_at)
        return TimelinessAsOf(status, deadline, late_at, (thai_date(late_at) - deadline).days)
    if status is Timeliness.OVERDUE:
        return TimelinessAsOf(status, deadline, None, (thai_date(as_of) - deadline).days)
    return TimelinessAsOf(status, deadline)


def rule_for(state: CertificationState, complete_mask: int, anything_recorded: bool) -> str:
    """Which rubric rule applies (see the module table)."""
    complete = complete_mask & ALL_DOMAINS_MASK == ALL_DOMAINS_MASK
    if complete and state is CertificationState.PROVINCE_CERTIFIED:
        return COMPLETE_LAO_AND_PROVINCE_CERTIFIED
    if complete and state is CertificationState.LAO_CERTIFIED:
        return COMPLETE_LAO_CERTIFIED
    if complete:
        return COMPLETE_NOT_CERTIFIED
    if anything_recorded or complete_mask != 0:
        return RECORDED_NOT_CERTIFIED
    return NOTHING_RECORDED


def rule_timeline(
    events: Sequence[EventLike], completeness: Sequence[CompletenessLike]
) -> list[tuple[dt.datetime, str]]:
    """The LAO-year's rule from each instant its history moves it: (at, rule) pairs in time
    order, one per instant at which the rule differs from the one before it (before the
    first, NOTHING_RECORDED). The rule as of any moment is that of the last pair at or before
    it, as `provisional_score` gives it; the maintained LPA tallies (`hub.db.lpa_tallies`)
    are these moves counted per area.
    """
    instants = sorted({utc(at) for at, _ in events} | {utc(at) for at, _, _ in completeness})
    moves: list[tuple[dt.datetime, str]] = []
    previous = NOTHING_RECORDED
    for moment in instants:
        mask, recorded = completeness_as_of(completeness, moment)
        rule = rule_for(state_as_of(events, moment), mask, recorded)
        if rule != previous:
            moves.append((moment, rule))
            previous = rule
    return moves


def provisional_score(
    events: Sequence[EventLike],
    as_of: dt.datetime,
    completeness: Sequence[CompletenessLike],
    rubric: Rubric = DEFAULT_RUBRIC_2564,
    deadline: dt.date | None = None,
) -> LpaScore:
    """The provisional indicator-7 score of one LAO-year as of `as_of`.

    `events` is its certification history as (at, to_state) pairs (rows of
    `select(CertificationEvent.at, CertificationEvent.to_state)` work) and `completeness` its
    completeness history as (at, complete mask, anything recorded) triples (rows of
    `select(CompletenessChange.at, .complete_domains, .anything_recorded)`); only what
    happened at or before `as_of` counts. With a `deadline`, the score also says whether the
    LAO certified on time (`certified_on_time`: ever; `timeliness`: as of `as_of`).
    """
    state = state_as_of(events, as_of)
    complete_mask, anything_recorded = completeness_as_of(completeness, as_of)
    level = rubric.level(rule_for(state, complete_mask, anything_recorded))
    return LpaScore(
        score=level.score,
        rule=level.rule,
        rule_th=level.th,
        rule_en=level.en,
        state_as_of=state,
        certified_on_time=None if deadline is None else timeliness(events, deadline),
        timeliness=None if deadline is None else timeliness_as_of(events, deadline, as_of),
    )
