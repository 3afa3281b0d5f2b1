"""Rounds with deadlines: a round's dates and phase, its provinces' own deadlines, each LAO's
standing (on time, late by n days, overdue), an area's counts with the series by day, and
the reminder lists (`hub.rules.rounds`, `hub.db.rounds`, `hub.services.rounds`).

Every figure comes from the history through the per-request loaders (`schema.loaders`): a
round's standings are one statement per list of LAOs, shared by every field that asks for
the same list, so neither the areas nor the LAOs of an answer add statements.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from hub.db.rounds import AreaTimeliness, RoundInfo, Standing, by_area
from hub.rules import permissions
from hub.rules import rounds as rules
from hub.rules.enums import Breakdown
from hub.rules.enums import (
    MissionRoundStatus as MissionRoundStatusEnum,
)
from hub.rules.enums import (
    Punctuality as PunctualityEnum,
)
from hub.rules.enums import (
    ReminderStage as ReminderStageEnum,
)
from hub.rules.enums import RoundKind as RoundKindEnum
from hub.rules.lpa import utc
from hub.rules.problems import Forbidden, not_found
from hub.services import rounds as service
from schema.context import Info
from schema.enums import MissionRoundStatus, Punctuality, ReminderStage, RoundKind, RoundPhase
from schema.geography import AreaLevel, District, Province
from schema.loaders import Loaders
from schema.pagination import Connection, build_connection, decode_cursor, page_size

if TYPE_CHECKING:
    from schema.lao import Lao


def _area_order(item: tuple[int | None, AreaTimeliness]) -> int:
    return item[0] or 0


def round_phase(round_: Round, now: dt.datetime, on: dt.date | None = None) -> str:
    """`Round.phase`: the phase on the Thai day `on`, by default the request's (`now`)."""
    return round_.round_info.phase(on or rules.thai_date(now)).name  # type: ignore[no-any-return]


def round_province_deadlines(
    round_: Round, now: dt.datetime | None
) -> list[ProvinceRoundDeadlines]:
    """`Round.provinceDeadlines`: the provinces whose deadlines differ, by id."""
    r = round_.round_info
    return [
        ProvinceRoundDeadlines(
            province_id=pid,
            deadline=o.deadline,
            district_deadline=o.district_deadline,
            province_deadline=o.province_deadline,
            reason=r.reasons.get(pid),
        )
        for pid, o in sorted(r.provinces.items())
    ]


def _readable(identity: Any, round_: RoundInfo) -> None:
    """A missions round's figures are missions data: clients need the scope `missions`."""
    if round_.kind is RoundKindEnum.MISSIONS and not permissions.can_read_missions(identity):
        raise Forbidden(
            "Transferred missions: this client has not been granted the scope 'missions'.",
            "ภารกิจถ่ายโอน: ไคลเอนต์นี้ไม่ได้รับสิทธิ์ขอบเขต 'missions'",
        )


async def _province_id_of(loaders: Loaders, code: str | None) -> int | None:
    if code is None:
        return None
    row = await loaders.province_by_code.load(code)
    if row is None:
        raise not_found(f"Province {code}", f"จังหวัดรหัส {code}")
    return int(row.id)


async def _district_id_of(loaders: Loaders, code: str | None) -> int | None:
    if code is None:
        return None
    row = await loaders.district_by_code.load(code)
    if row is None:
        raise not_found(f"District {code}", f"อำเภอรหัส {code}")
    return int(row.id)


@strawberry.type(
    description="การดำเนินการเทียบกำหนด — a step (the LAO's certification, the province's, a "
    "missions check) against its deadline, from the history: ON_TIME when it stood done at the "
    "end of the deadline day (Thai time), else LATE by the days to its first time after it, "
    "PENDING before the deadline, OVERDUE after."
)
class StepTimeliness:
    punctuality: Punctuality = strawberry.field(description="ทันกำหนด / ล่าช้า / ยังไม่ดำเนินการ.")
    label_th: str = strawberry.field(description="คำอธิบายภาษาไทย — the punctuality in Thai.")
    deadline: dt.date = strawberry.field(description="กำหนด — the deadline that applies.")
    done_at: dt.datetime | None = strawberry.field(
        description="ดำเนินการเมื่อ — when it was done: on time, the step standing at the "
        "deadline; late, its first time after it; null when not done."
    )
    days_late: int | None = strawberry.field(
        description="จำนวนวันที่ล่าช้า — done late: by how many days; overdue: days so far."
    )

    @classmethod
    def of(cls, judgement: rules.Judgement | None) -> StepTimeliness | None:
        if judgement is None:
            return None
        return cls(
            punctuality=judgement.punctuality.name,
            label_th=judgement.punctuality.label_th,
            deadline=judgement.deadline,
            done_at=judgement.done_at,
            days_late=judgement.days_late,
        )


@strawberry.type(description="กำหนดของจังหวัด — a province's own deadlines in a round.")
class ProvinceRoundDeadlines:
    province_id: strawberry.Private[int]
    deadline: dt.date | None = strawberry.field(description="กำหนดส่งของ อปท. (null: the round's).")
    district_deadline: dt.date | None = strawberry.field(
        description="กำหนดส่งของอำเภอ (null: the round's)."
    )
    province_deadline: dt.date | None = strawberry.field(
        description="กำหนดของจังหวัด (null: the round's)."
    )
    reason: str | None = strawberry.field(description="เหตุผล — why the province's differ.")

    @strawberry.field(description="จังหวัด — the province.")
    async def province(self, info: Info) -> Province:
        return Province.from_row(await info.context.loaders.province.load(self.province_id))


@strawberry.type(description="กำหนดการของรอบ — a round's dates as they apply to one province.")
class RoundDates:
    opens_on: dt.date = strawberry.field(description="วันเปิดรอบ — first day.")
    deadline: dt.date = strawberry.field(
        description="กำหนดส่ง — the LAOs' deadline (INFO: record and certify; missions: check)."
    )
    district_deadline: dt.date | None = strawberry.field(
        description="กำหนดส่งของอำเภอ — districts report to the province (KPI 16)."
    )
    province_deadline: dt.date | None = strawberry.field(
        description="กำหนดของจังหวัด — INFO: province certification; KPI 16: report to DLA."
    )
    closes_on: dt.date | None = strawberry.field(
        description="วันปิดรอบ — last day anything counts; null while not closed."
    )
    phase: RoundPhase = strawberry.field(description="ระยะของรอบในวันนี้ — phase today (Thai date).")

    @classmethod
    def of(cls, dates: rules.RoundDates, phase: RoundPhase) -> RoundDates:
        return cls(
            opens_on=dates.opens_on,
            deadline=dates.deadline,
            district_deadline=dates.district_deadline,
            province_deadline=dates.province_deadline,
            closes_on=dates.closes_on,
            phase=phase,
        )


@strawberry.type(description="จำนวนตามความทันกำหนด — how many LAOs in each punctuality.")
class PunctualityCounts:
    on_time: int = strawberry.field(description="ทันกำหนด.")
    late: int = strawberry.field(description="ล่าช้า.")
    pending: int = strawberry.field(description="ยังไม่ดำเนินการ ยังไม่ถึงกำหนด.")
    overdue: int = strawberry.field(description="ยังไม่ดำเนินการ เลยกำหนดแล้ว.")

    @classmethod
    def of(cls, counts: dict[PunctualityEnum, int]) -> PunctualityCounts:
        return cls(
            on_time=counts.get(PunctualityEnum.ON_TIME, 0),
            late=counts.get(PunctualityEnum.LATE, 0),
            pending=counts.get(PunctualityEnum.PENDING, 0),
            overdue=counts.get(PunctualityEnum.OVERDUE, 0),
        )


@strawberry.type(description="จำนวนตามสถานะภารกิจในรอบ — how many LAOs in each missions status.")
class MissionStatusCounts:
    checked: int = strawberry.field(description="ตรวจสอบ/ปรับปรุงแล้วในรอบนี้.")
    recorded: int = strawberry.field(description="มีข้อมูลเดิม ยังไม่ตรวจสอบในรอบนี้.")
    not_yet: int = strawberry.field(description="ยังไม่บันทึกข้อมูล.")


@strawberry.type(description="ยอดสะสมรายวัน — how many had done the step by the end of a Thai day.")
class RoundDayCount:
    day: dt.date = strawberry.field(description="วันที่ (เวลาประเทศไทย).")
    done: int = strawberry.field(
        description="INFO: certified by the LAO at the end of the day; missions: checked."
    )
    province_done: int = strawberry.field(
        description="INFO: certified by the province at the end of the day (0 otherwise)."
    )
    days_after_deadline: int = strawberry.field(
        description="วันเทียบกำหนด — the day minus the area's deadline (negative: before it)."
    )


@strawberry.type(
    description="ความทันกำหนดของพื้นที่ — an area's LAOs in a round: on time, late, not yet, and "
    "how many had done it by each day."
)
class AreaRoundTimeliness:
    area: strawberry.Private[AreaTimeliness]
    province_id: strawberry.Private[int | None]
    district_id: strawberry.Private[int | None]
    total: int = strawberry.field(description="อปท. ทั้งหมดในพื้นที่ — LAOs of the area.")
    deadline: dt.date = strawberry.field(
        description="กำหนดของพื้นที่ — the area's deadline (the nation: the round's own)."
    )
    province_deadline: dt.date | None = strawberry.field(
        description="กำหนดของจังหวัด — the province's step, where there is one."
    )

    @strawberry.field(description="จังหวัด — the province (null for the nation).")
    async def province(self, info: Info) -> Province | None:
        if self.province_id is None:
            return None
        return Province.from_row(await info.context.loaders.province.load(self.province_id))

    @strawberry.field(description="อำเภอ — the district (district level only).")
    async def district(self, info: Info) -> District | None:
        if self.district_id is None:
            return None
        return District.from_row(await info.context.loaders.district.load(self.district_id))

    @strawberry.field(
        description="การดำเนินการของ อปท. — INFO: the LAOs' certification; missions: checked in the round."
    )
    def done(self) -> PunctualityCounts:
        return area_done(self)

    @strawberry.field(
        description="การรับรองของจังหวัด — INFO with a province deadline; null otherwise."
    )
    def province_step(self) -> PunctualityCounts | None:
        return area_province_step(self)

    @strawberry.field(description="สถานะภารกิจในรอบ — missions rounds only; null otherwise.")
    def mission_statuses(self) -> MissionStatusCounts | None:
        return area_mission_statuses(self)

    @strawberry.field(
        description="ยอดสะสมรายวัน — one entry per Thai day on which the counts changed, oldest "
        "first; between entries the counts stay as the entry before."
    )
    def series(self) -> list[RoundDayCount]:
        return area_series(self)

    @strawberry.field(description="ยอด ณ วันที่ — how many had done the step by the end of `day`.")
    def done_by(self, day: dt.date) -> RoundDayCount:
        return area_done_by(self, None, day)


def area_done(area: AreaRoundTimeliness, now: Any = None) -> PunctualityCounts:
    return PunctualityCounts.of(area.area.done)


def area_province_step(area: AreaRoundTimeliness, now: Any = None) -> PunctualityCounts | None:
    return PunctualityCounts.of(area.area.province) if area.area.province_deadline else None


def area_mission_statuses(area: AreaRoundTimeliness, now: Any = None) -> MissionStatusCounts | None:
    counts = area.area.mission_statuses
    if not counts:
        return None
    return MissionStatusCounts(
        checked=counts.get(MissionRoundStatusEnum.CHECKED, 0),
        recorded=counts.get(MissionRoundStatusEnum.RECORDED, 0),
        not_yet=counts.get(MissionRoundStatusEnum.NOT_YET, 0),
    )


def area_series(area: AreaRoundTimeliness, now: Any = None) -> list[RoundDayCount]:
    return [_day(area, p) for p in area.area.series]


def area_done_by(area: AreaRoundTimeliness, now: Any, day: dt.date) -> RoundDayCount:
    return _day(area, rules.count_by(day, area.area.series))


def _day(area: AreaRoundTimeliness, point: rules.DayCount) -> RoundDayCount:
    return RoundDayCount(
        day=point.day,
        done=point.done,
        province_done=point.province_done,
        days_after_deadline=(point.day - area.deadline).days,
    )


@strawberry.type(
    description="สถานะของ อปท. ในรอบ — one LAO in a round: its deadline and whether it was on "
    "time, late (by how many days) or not yet."
)
class RoundStanding:
    lao_id: strawberry.Private[int]
    deadline: dt.date = strawberry.field(description="กำหนดส่งของ อปท. (its province's).")
    province_deadline: dt.date | None = strawberry.field(description="กำหนดของจังหวัด.")
    done: StepTimeliness = strawberry.field(
        description="INFO: the LAO's certification, judged at its deadline; missions: checked in "
        "the round."
    )
    province_step: StepTimeliness | None = strawberry.field(
        description="INFO: the province's certification, judged at its deadline, if it has one."
    )
    mission_status: MissionRoundStatus | None = strawberry.field(
        description="สถานะภารกิจในรอบ — missions rounds only."
    )

    @classmethod
    def of(cls, s: Standing) -> RoundStanding:
        done = StepTimeliness.of(s.done)
        assert done is not None
        return cls(
            lao_id=s.lao_id,
            deadline=s.dates.deadline,
            province_deadline=s.dates.province_deadline,
            done=done,
            province_step=StepTimeliness.of(s.province),
            mission_status=s.mission_status.name if s.mission_status else None,
        )

    @strawberry.field(description="อปท.")
    async def lao(self, info: Info) -> Annotated[Lao, strawberry.lazy("schema.lao")]:
        from schema.lao import Lao

        return Lao.from_row(await info.context.loaders.lao.load(self.lao_id))


@strawberry.type(
    description="อปท. ที่ต้องติดตาม — an LAO with something still to do in a round; its people's "
    "contacts are `lao { phone recorders infoAdministrators }`."
)
class Reminder:
    lao_id: strawberry.Private[int]
    stage: ReminderStage = strawberry.field(description="เหตุที่ต้องติดตาม — what it has yet to do.")
    stage_label_th: str = strawberry.field(description="คำอธิบายภาษาไทย.")
    complete_domains: int = strawberry.field(
        description="จำนวนด้านที่บันทึกครบ (INFO) — how many of the 8 domains are complete."
    )
    deadline: dt.date = strawberry.field(description="กำหนดส่งของ อปท. (its province's).")
    days_overdue: int | None = strawberry.field(
        description="เลยกำหนดมาแล้ว (วัน) — null while the deadline has not passed."
    )

    @strawberry.field(description="อปท.")
    async def lao(self, info: Info) -> Annotated[Lao, strawberry.lazy("schema.lao")]:
        from schema.lao import Lao

        return Lao.from_row(await info.context.loaders.lao.load(self.lao_id))


@strawberry.type(
    description="รอบ — a round DLA sets: INFO data of a fiscal year, a KPI-16 round or a "
    "transferred-missions round, with its opening, deadlines and closing."
)
class Round:
    round_info: strawberry.Private[RoundInfo]
    id: int = strawberry.field(description="เลขที่รอบ — the round's id.")
    kind: RoundKind
    fiscal_year: int = strawberry.field(description="ปีงบประมาณ (พ.ศ.).")
    number: int = strawberry.field(description="รอบที่ — number within the fiscal year and kind.")
    title_th: str = strawberry.field(description="ชื่อรอบ.")
    title_en: str = strawberry.field(description="The round's name in English.")
    opens_on: dt.date = strawberry.field(description="วันเปิดรอบ — first day.")
    deadline: dt.date = strawberry.field(
        description="กำหนดส่ง — the LAOs' deadline (INFO: record and certify; missions: check; "
        "KPI 16: record the water systems); a province may have its own (`provinceDeadlines`)."
    )
    district_deadline: dt.date | None = strawberry.field(
        description="กำหนดส่งของอำเภอ — districts report to their province (KPI 16)."
    )
    province_deadline: dt.date | None = strawberry.field(
        description="กำหนดของจังหวัด — INFO: province certification; KPI 16: the report to DLA."
    )
    closes_on: dt.date | None = strawberry.field(
        description="วันปิดรอบ — last day anything counts; an INFO round closes with its fiscal year."
    )
    letter_reference: str | None = strawberry.field(description="เลขที่หนังสือ — DLA's letter.")
    version: int = strawberry.field(description="Version for optimistic concurrency.")
    updated_at: dt.datetime = strawberry.field(description="แก้ไขล่าสุดเมื่อ.")

    @classmethod
    def of(cls, r: RoundInfo) -> Round:
        title_th, title_en = r.title
        return cls(
            round_info=r,
            id=r.id,
            kind=r.kind.name,
            fiscal_year=r.fiscal_year,
            number=r.number,
            title_th=title_th,
            title_en=title_en,
            opens_on=r.dates.opens_on,
            deadline=r.dates.deadline,
            district_deadline=r.dates.district_deadline,
            province_deadline=r.dates.province_deadline,
            closes_on=r.dates.closes_on,
            letter_reference=r.letter_reference,
            version=r.version,
            updated_at=r.updated_at,
        )

    @strawberry.field(
        description="ระยะของรอบ — phase on a Thai day (default: today): UPCOMING, OPEN, "
        "PAST_DEADLINE (still accepted, late) or CLOSED."
    )
    def phase(self, info: Info, on: dt.date | None = None) -> RoundPhase:
        return round_phase(self, info.context.now, on)  # type: ignore[return-value]

    @strawberry.field(description="กำหนดของแต่ละจังหวัด — provinces whose deadlines differ.")
    def province_deadlines(self) -> list[ProvinceRoundDeadlines]:
        return round_province_deadlines(self, None)

    @strawberry.field(
        description="กำหนดการของจังหวัด — the round's dates as they apply to a province."
    )
    async def dates_for(self, info: Info, province_code: str) -> RoundDates | None:
        return await round_dates_for(self, info.context.loaders, info.context.now, province_code)

    async def _standings(
        self,
        loaders: Loaders,
        as_of: dt.datetime,
        visible: bool,
        province_code: str | None = None,
        district_code: str | None = None,
    ) -> list[Standing]:
        r = self.round_info
        if r.kind is RoundKindEnum.KPI16:
            from hub.db.rounds import not_supported

            raise not_supported(r)
        _readable(loaders.identity, r)
        key = (
            r.id,
            as_of,
            visible and r.kind is RoundKindEnum.INFO,  # missions are public: one list for both
            await _province_id_of(loaders, province_code),
            await _district_id_of(loaders, district_code),
        )
        rows = await loaders.round_standings.load(key)
        return rows or []

    def _areas(self, rows: list[Standing], level: AreaLevel | None) -> list[AreaRoundTimeliness]:
        if level is AreaLevel.NATION:
            level = None
        by: Breakdown = (
            "nation" if level is None else "province" if level is AreaLevel.PROVINCE else "district"
        )
        province_of = {s.district_id: s.province_id for s in rows}
        result = []
        for key, area in sorted(by_area(self.round_info, rows, by).items(), key=_area_order):
            district_id = key if level is AreaLevel.DISTRICT else None
            result.append(
                AreaRoundTimeliness(
                    area=area,
                    province_id=key
                    if level is AreaLevel.PROVINCE
                    else province_of.get(district_id or 0),
                    district_id=district_id,
                    total=area.total,
                    deadline=area.deadline,
                    province_deadline=area.province_deadline,
                )
            )
        return result

    @strawberry.field(
        description="ความทันกำหนดระดับประเทศ — how many LAOs of the country did the step on time, "
        "late or not yet as of `asOf` (default: now; a closed round as it stood when it closed), "
        "and the series by day. Every LAO counts (like `stats`); computed from the history."
    )
    async def timeliness(
        self, info: Info, as_of: dt.datetime | None = None
    ) -> AreaRoundTimeliness | None:
        return await round_timeliness(self, info.context.loaders, info.context.now, as_of)

    @strawberry.field(
        description="ความทันกำหนดรายพื้นที่ — the same per province or per district (within "
        "`provinceCode` if given), each against its own deadline (`NATION`: the one country)."
    )
    async def timeliness_by_area(
        self,
        info: Info,
        level: AreaLevel,
        province_code: str | None = None,
        as_of: dt.datetime | None = None,
    ) -> list[AreaRoundTimeliness] | None:
        return await round_timeliness_by_area(
            self, info.context.loaders, info.context.now, level, province_code, as_of
        )

    @strawberry.field(
        description="สถานะราย อปท. — each LAO's standing in the round, as of `asOf` (default: "
        "now), a page at a time (ordered by LAO). INFO rounds list the LAO-years the caller may "
        "see (the row rule: the public sees certified years only)."
    )
    async def standings(
        self,
        info: Info,
        province_code: str | None = None,
        district_code: str | None = None,
        punctuality: Punctuality | None = None,
        mission_status: MissionRoundStatus | None = None,
        as_of: dt.datetime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RoundStanding] | None:
        return await round_standings(
            self,
            info.context.loaders,
            info.context.now,
            province_code,
            district_code,
            punctuality,
            mission_status,
            as_of,
            first,
            after,
        )

    @strawberry.field(
        description="อปท. ที่ต้องติดตาม — the LAOs the caller covers with something still to do "
        "(default: their own work — not recorded, incomplete, not certified; missions not "
        "recorded or not checked), a page at a time, ordered by LAO. Provincial and district "
        "offices and DLA only; also as CSV at `/exports/reminders.csv`."
    )
    async def reminders(
        self,
        info: Info,
        province_code: str | None = None,
        district_code: str | None = None,
        stages: list[ReminderStage] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Reminder] | None:
        return await round_reminders(
            self,
            info.context.loaders,
            info.context.now,
            province_code,
            district_code,
            stages,
            first,
            after,
        )


@strawberry.type(
    description="ความทันกำหนดของปีข้อมูล — an LAO-year against its INFO round: its province's "
    "deadlines and whether the LAO and the province certified on time, late or not yet."
)
class LaoYearTimeliness:
    round_info: strawberry.Private[RoundInfo]
    deadline: dt.date = strawberry.field(description="กำหนดส่งของ อปท. (its province's).")
    province_deadline: dt.date | None = strawberry.field(description="กำหนดรับรองของจังหวัด.")
    certification: StepTimeliness = strawberry.field(
        description="การรับรองของ อปท. — the LAO's certification judged at its deadline, as of "
        "the date."
    )
    province_certification: StepTimeliness | None = strawberry.field(
        description="การรับรองของจังหวัด — null when the round has no province deadline."
    )

    @strawberry.field(description="รอบ — the fiscal year's INFO round.")
    def round(self) -> Round:
        return Round.of(self.round_info)


async def round_dates_for(
    round_: Round, loaders: Loaders, now: dt.datetime, province_code: str
) -> RoundDates | None:
    """`Round.datesFor`: the round's dates and phase (on the Thai day of `now`) as they
    apply to a province; NOT_FOUND for an unknown province."""
    province_id = await _province_id_of(loaders, province_code)
    r = round_.round_info
    phase = r.phase(rules.thai_date(now), province_id).name
    return RoundDates.of(r.dates_for(province_id), phase)


async def round_timeliness(
    round_: Round, loaders: Loaders, now: dt.datetime, as_of: dt.datetime | None = None
) -> AreaRoundTimeliness | None:
    """`Round.timeliness`: the nation's counts as of `as_of` (default `now`)."""
    rows = await round_._standings(loaders, utc(as_of or now), False)
    areas = round_._areas(rows, None)
    return areas[0] if areas else None


async def round_timeliness_by_area(
    round_: Round,
    loaders: Loaders,
    now: dt.datetime,
    level: AreaLevel,
    province_code: str | None = None,
    as_of: dt.datetime | None = None,
) -> list[AreaRoundTimeliness]:
    """`Round.timelinessByArea`: the counts of each area of `level` (within a province)."""
    rows = await round_._standings(loaders, utc(as_of or now), False, province_code)
    return round_._areas(rows, level)


async def round_standings(
    round_: Round,
    loaders: Loaders,
    now: dt.datetime,
    province_code: str | None = None,
    district_code: str | None = None,
    punctuality: Punctuality | None = None,
    mission_status: MissionRoundStatus | None = None,
    as_of: dt.datetime | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection[RoundStanding]:
    """`Round.standings`: a page of the LAOs' standings as of `as_of` (default `now`),
    filtered, ordered by LAO."""
    size = page_size(first)
    after_key = decode_cursor(after)
    when = utc(as_of or now)
    rows = await round_._standings(loaders, when, True, province_code, district_code)
    if punctuality is not None:
        wanted = PunctualityEnum[punctuality.value]
        rows = [s for s in rows if s.done.punctuality is wanted]
    if mission_status is not None:
        status = MissionRoundStatusEnum[mission_status.value]
        rows = [s for s in rows if s.mission_status is status]
    total = len(rows)
    if after_key is not None:
        rows = [s for s in rows if s.lao_id > after_key]
    page = [(RoundStanding.of(s), s.lao_id) for s in rows[: size + 1]]
    return build_connection(page, size, total, after_key)


async def round_reminders(
    round_: Round,
    loaders: Loaders,
    now: dt.datetime,
    province_code: str | None = None,
    district_code: str | None = None,
    stages: list[ReminderStage] | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection[Reminder]:
    """`Round.reminders`: a page of the LAOs the caller covers with something still to do
    (`hub.services.rounds.reminders`, on the request's plain reads: officers' and DLA's,
    who may write, read the primary)."""
    size = page_size(first)
    after_key = decode_cursor(after)
    found = await service.reminders(
        loaders.engine,
        loaders.identity,
        round_id=round_.id,
        province_code=province_code,
        district_code=district_code,
        stages=[ReminderStageEnum[s.value] for s in stages] if stages else None,
        as_of=now,
    )
    rows = [r for r in found.rows if after_key is None or r.lao_id > after_key]
    page = [
        (
            Reminder(
                lao_id=r.lao_id,
                stage=r.stage.name,
                stage_label_th=r.stage.label_th,
                complete_domains=r.complete_domains,
                deadline=r.done.deadline,
                days_overdue=r.done.days_late if not r.done.done else None,
            ),
            r.lao_id,
        )
        for r in rows[: size + 1]
    ]
    return build_connection(page, size, len(found.rows), after_key)


# Fields computed from the object and the request's moment alone (no database), by the
# function their resolver calls: (type, field) → function(object, now, **arguments). The
# planned read path calls the same function (`schema.plan_connections`).
COMPUTED_FIELDS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Round", "phase"): round_phase,
    ("Round", "provinceDeadlines"): round_province_deadlines,
    ("LaoYearTimeliness", "round"): lambda timeliness, now: Round.of(timeliness.round_info),
    ("AreaRoundTimeliness", "done"): area_done,
    ("AreaRoundTimeliness", "provinceStep"): area_province_step,
    ("AreaRoundTimeliness", "missionStatuses"): area_mission_statuses,
    ("AreaRoundTimeliness", "series"): area_series,
    ("AreaRoundTimeliness", "doneBy"): area_done_by,
}


# Fields computed by a function over the request's DataLoaders, which their resolver calls:
# (type, field) → function(object, loaders, now, **arguments). The planned read path calls
# the same function for every object of an answer at once (`schema.plan_connections`).
LOADED_FIELDS: dict[tuple[str, str], Callable[..., Awaitable[Any]]] = {
    ("Round", "datesFor"): round_dates_for,
    ("Round", "timeliness"): round_timeliness,
    ("Round", "timelinessByArea"): round_timeliness_by_area,
    ("Round", "standings"): round_standings,
    ("Round", "reminders"): round_reminders,
}
