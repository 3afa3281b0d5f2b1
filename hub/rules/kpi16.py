"""KPI 16: the recording rate of village water-supply systems against DLA's reference list.

DOMAIN.md "KPI 16": for each round DLA sends every province its list of village water-supply
systems (`kpi16_references`); the rate is the share of those systems recorded in INFO.

Matching rule. A reference system of a round is

* **recorded** when a non-retired water-supply system row (`retired_on IS NULL`) of an
  LAO-year of the round's fiscal year carries the same `dla_reference_code`;
* **checked** when, in addition, such a row's `last_checked_on` is on or after the day the
  round opened.

Several rows carrying one code count once. Breakdowns: the nation, per province (the
reference's `province_id`) and per district (the district of the reference's LAO;
references with no LAO count for their province and the nation only). The rate is
recorded / reference systems, and the target is met when rate × 100 ≥ the round's
`target_percent`. The matching and the breakdowns run in SQL (`hub.db.kpi16.coverage`);
the rate and the target are decided here.

One reference's match, explained (`explain_match`): the same rule over the records carrying
its code, each judged (counted and checked, counted, retired, of another fiscal year), so a
clerk sees which record matched and why, or why none did. A reference is CHECKED, RECORDED
(recorded, not checked since the round opened) or MISSING; "recorded" in the coverage counts
is CHECKED + RECORDED. `hub.db.kpi16` states the same rule in SQL for lists filtered by match.

Reports up the chain (seed 003:83, 115): districts report their figures to the province,
provinces to DLA, each by the round's deadline for its level, a Thai calendar day
(Asia/Bangkok) included. `report_timeliness` says whether a report came ON_TIME or LATE (and
by how many days), or, not yet submitted, is DUE or OVERDUE (and by how many days so far).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from hub.rules.enums import Kpi16CandidateVerdict as Verdict
from hub.rules.enums import Kpi16Match, Kpi16ReportLevel, ReportTimeliness
from hub.rules.identity import Identity
from hub.rules.lpa import BANGKOK, utc
from hub.rules.problems import Forbidden, InvalidState, Refusal, YearClosed, invalid

NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Coverage:
    reference_systems: int
    recorded: int
    checked: int
    rate: float | None  # recorded / reference_systems, 0..1; None without references
    target_percent: float
    met: bool | None  # None without references

    @classmethod
    def of(
        cls, reference_systems: int, recorded: int, checked: int, target_percent: float
    ) -> Coverage:
        return cls(
            reference_systems=reference_systems,
            recorded=recorded,
            checked=checked,
            rate=recording_rate(recorded, reference_systems),
            target_percent=target_percent,
            met=target_met(recorded, reference_systems, target_percent),
        )


def recording_rate(recorded: int, reference: int) -> float | None:
    """recorded / reference (0..1), None when there is no reference system."""
    if reference <= 0:
        return None
    return recorded / reference


def target_met(recorded: int, reference: int, target_percent: float) -> bool | None:
    """Whether recorded / reference reaches `target_percent` (exact decimal comparison)."""
    if reference <= 0:
        return None
    return Decimal(recorded) * 100 >= Decimal(str(target_percent)) * reference


# --- one reference's match, explained ------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A water-supply record (of any LAO-year) carrying a reference's code."""

    record_id: int
    lao_id: int
    fiscal_year: int
    retired_on: dt.date | None
    last_checked_on: dt.date | None


@dataclass(frozen=True)
class Judged:
    candidate: Candidate
    verdict: Verdict

    @property
    def counted(self) -> bool:
        return self.verdict in (Verdict.COUNTED_CHECKED, Verdict.COUNTED)


@dataclass(frozen=True)
class MatchExplanation:
    match: Kpi16Match
    because_en: str
    because_th: str
    deciding: Candidate | None  # the record the match rests on (None: MISSING)
    judged: tuple[Judged, ...]  # every record carrying the code, with its verdict


def judge(candidate: Candidate, fiscal_year: int, opened_on: dt.date) -> Verdict:
    """Whether one record counts for a round of `fiscal_year` opened on `opened_on`."""
    if candidate.fiscal_year != fiscal_year:
        return Verdict.OTHER_FISCAL_YEAR
    if candidate.retired_on is not None:
        return Verdict.RETIRED
    if candidate.last_checked_on is not None and candidate.last_checked_on >= opened_on:
        return Verdict.COUNTED_CHECKED
    return Verdict.COUNTED


def explain_match(
    code: str, fiscal_year: int, opened_on: dt.date, candidates: Sequence[Candidate]
) -> MatchExplanation:
    """How reference `code` stands in the round, and the record it rests on.

    The deciding record is the counted one checked most recently (the lowest record id among
    equals), so "checked" names the check that made it so.
    """
    judged = tuple(
        Judged(c, judge(c, fiscal_year, opened_on))
        for c in sorted(candidates, key=lambda c: (-c.fiscal_year, c.record_id))
    )
    counted = [j.candidate for j in judged if j.counted]
    checked = [j.candidate for j in judged if j.verdict is Verdict.COUNTED_CHECKED]
    if checked:
        deciding = max(checked, key=lambda c: (c.last_checked_on, -c.record_id))
        return MatchExplanation(
            Kpi16Match.CHECKED,
            f"A live record of fiscal year {fiscal_year} carries code {code} and was checked on "
            f"{deciding.last_checked_on}, on or after the day the round opened ({opened_on}).",
            f"มีรายการประปาของปีงบประมาณ {fiscal_year} ที่ใช้รหัส {code} และตรวจสอบเมื่อ "
            f"{deciding.last_checked_on} ซึ่งไม่ก่อนวันเปิดรอบ ({opened_on})",
            deciding,
            judged,
        )
    if counted:
        deciding = counted[0]
        when_en = (
            f"last checked on {deciding.last_checked_on}"
            if deciding.last_checked_on
            else "never checked"
        )
        when_th = (
            f"ตรวจสอบล่าสุดเมื่อ {deciding.last_checked_on}"
            if deciding.last_checked_on
            else "ยังไม่เคยตรวจสอบ"
        )
        return MatchExplanation(
            Kpi16Match.RECORDED,
            f"A live record of fiscal year {fiscal_year} carries code {code}, {when_en}: "
            f"not checked since the round opened ({opened_on}).",
            f"มีรายการประปาของปีงบประมาณ {fiscal_year} ที่ใช้รหัส {code} แต่{when_th} "
            f"ยังไม่ได้ตรวจสอบตั้งแต่เปิดรอบ ({opened_on})",
            deciding,
            judged,
        )
    others_en = (
        f" ({len(judged)} record(s) carry it but do not count: retired, or of another fiscal year)"
        if judged
        else ""
    )
    others_th = f" (มี {len(judged)} รายการที่ใช้รหัสนี้แต่ไม่นับ: ยกเลิกแล้วหรืออยู่ในปีอื่น)" if judged else ""
    return MatchExplanation(
        Kpi16Match.MISSING,
        f"No live record of fiscal year {fiscal_year} carries code {code}{others_en}.",
        f"ไม่มีรายการประปาของปีงบประมาณ {fiscal_year} ที่ใช้รหัส {code}{others_th}",
        None,
        judged,
    )


# --- reports up the chain ------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeliness:
    status: ReportTimeliness
    days_late: int | None  # LATE: days after the deadline; OVERDUE: days past it so far


def thai_day(moment: dt.datetime) -> dt.date:
    """The Thai calendar day (Asia/Bangkok) of a moment."""
    return utc(moment).astimezone(BANGKOK).date()


def report_timeliness(
    deadline: dt.date | None, submitted_at: dt.datetime | None, now: dt.datetime
) -> Timeliness:
    """A report against its deadline: submitted on or before the deadline's Thai day is on
    time; without a deadline a submitted report is on time and a missing one due."""
    if submitted_at is not None:
        day = thai_day(submitted_at)
        if deadline is None or day <= deadline:
            return Timeliness(ReportTimeliness.ON_TIME, None)
        return Timeliness(ReportTimeliness.LATE, (day - deadline).days)
    today = thai_day(now)
    if deadline is None or today <= deadline:
        return Timeliness(ReportTimeliness.DUE, None)
    return Timeliness(ReportTimeliness.OVERDUE, (today - deadline).days)


def submission_refusal(
    identity: Identity,
    level: Kpi16ReportLevel,
    province_id: int,
    district_id: int | None,
    *,
    fiscal_year: int,
    year_closed: bool,
    opened_on: dt.date,
    today: dt.date,
    reference_systems: int,
    submitted_at: dt.datetime | None,
    note: str | None,
) -> Refusal | None:
    """Why this report cannot be submitted now, or None.

    A district's report is submitted by an officer of that district office, a province's by
    an officer of that provincial office (DLA receives reports; it does not write them). The
    round's fiscal year must be open, the round opened, the area given references by DLA,
    and the report not submitted already: a report is a snapshot, submitted once.
    """
    if level is Kpi16ReportLevel.DISTRICT:
        if district_id not in identity.district_ids():
            return Forbidden(
                "Only an officer of the district office submits its KPI-16 report to the province.",
                "เฉพาะเจ้าหน้าที่ของสำนักงานส่งเสริมการปกครองท้องถิ่นอำเภอนั้นเท่านั้นที่รายงานผลตัวชี้วัดที่ 16 ต่อจังหวัดได้",
            )
    elif province_id not in identity.province_ids():
        return Forbidden(
            "Only an officer of the provincial office submits its KPI-16 report to DLA.",
            "เฉพาะเจ้าหน้าที่ของสำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดนั้นเท่านั้นที่รายงานผลตัวชี้วัดที่ 16 ต่อกรมได้",
        )
    if note is not None and len(note) > NOTE_MAX_LENGTH:
        return invalid(
            "note",
            "TOO_LONG",
            f"at most {NOTE_MAX_LENGTH:,} characters",
            f"ไม่เกิน {NOTE_MAX_LENGTH:,} ตัวอักษร",
        )
    if year_closed:
        return YearClosed(
            f"Fiscal year {fiscal_year} is closed: its KPI-16 reports can no longer be submitted.",
            f"ปีงบประมาณ {fiscal_year} ปิดแล้ว ไม่สามารถส่งรายงานตัวชี้วัดที่ 16 ได้",
            fiscal_year=fiscal_year,
        )
    if today < opened_on:
        return InvalidState(
            f"The round opens on {opened_on}: there is nothing to report yet.",
            f"รอบการประเมินเปิดวันที่ {opened_on} ยังไม่มีผลให้รายงาน",
        )
    if reference_systems == 0:
        return InvalidState(
            "DLA's reference list for this round holds no system of this area: there is nothing to report.",
            "ฐานข้อมูลอ้างอิงของกรมในรอบนี้ไม่มีระบบประปาในพื้นที่นี้ จึงไม่มีผลให้รายงาน",
        )
    if submitted_at is not None:
        day = thai_day(submitted_at)
        return InvalidState(
            f"This report was already submitted on {day}; a report is submitted once.",
            f"ส่งรายงานนี้แล้วเมื่อวันที่ {day} รายงานส่งได้ครั้งเดียว",
        )
    return None


def deadlines_problem(
    opened_on: dt.date, district: dt.date | None, province: dt.date | None
) -> Refusal | None:
    """Why a round's report deadlines cannot be set so: each on or after the day the round
    opened, and the districts' not after the province's (districts report first)."""
    for argument, day in (
        ("districtReportDeadline", district),
        ("provinceReportDeadline", province),
    ):
        if day is not None and day < opened_on:
            return invalid(
                argument,
                "OUT_OF_RANGE",
                f"must not be before the round opened ({opened_on})",
                f"ต้องไม่ก่อนวันเปิดรอบ ({opened_on})",
            )
    if district is not None and province is not None and district > province:
        return invalid(
            "districtReportDeadline",
            "OUT_OF_RANGE",
            f"districts report first: must not be after the province deadline ({province})",
            f"อำเภอต้องรายงานก่อน: ต้องไม่หลังกำหนดของจังหวัด ({province})",
        )
    return None
