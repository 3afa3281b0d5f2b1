"""LPA indicator 7 per area (nation, province, district) as of any date: distributions of the
provisional and final scores, timeliness against the deadline, and the LAOs listed.

The counts come from one grouped statement per level (`hub.db.lpa.lpa_figures`, through the
request's `lpa_figures` DataLoader), computed only when a count is asked for and shared by
every area of the level; the list is one statement a page (`hub.db.lpa.lpa_list`) plus its
COUNT. Neither runs a statement per LAO.

Each figure of a report is declared once (`REPORT_FIGURES`): what it needs (the area's counts,
the rubric in force, the area's deadline) and the plain function that computes it from
those. The resolvers below load what a figure needs and call it; the planned path
(`schema.plan_stats`) reads the same inputs for every area of a level at once and calls the
same functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db import lpa as lpa_sql
from hub.db.models import District as DistrictRow
from hub.rules import lpa
from hub.rules.enums import Breakdown
from hub.rules.enums import Timeliness as TimelinessEnum
from hub.rules.identity import Identity
from hub.rules.permissions import LaoPlace
from schema.context import Info
from schema.enums import Timeliness
from schema.loaders import fetch_all
from schema.lpa import (
    LpaFinalScore,
    LpaRubric,
    LpaScore,
    aware,
    final_from_row,
    moment,
    rubric_type,
    score_from_row,
)
from schema.pagination import Connection, paginate_on

if TYPE_CHECKING:
    from schema.lao import Lao


@strawberry.type(
    description="จำนวน อปท. ตามระดับของเกณฑ์ — LAOs whose provisional score fell under one level."
)
class LpaLevelCount:
    rule: str = strawberry.field(description="รหัสกรณี — the rubric rule.")
    score: int = strawberry.field(description="คะแนน — its score.")
    description_th: str = strawberry.field(description="เกณฑ์ — the level's wording, in Thai.")
    count: int = strawberry.field(description="จำนวน อปท. — LAOs.")


@strawberry.type(description="จำนวน อปท. ตามคะแนน — LAOs with one score.")
class LpaScoreTally:
    score: int = strawberry.field(description="คะแนน — the score.")
    count: int = strawberry.field(description="จำนวน อปท. — LAOs.")


@strawberry.type(
    description="ความตรงเวลาของพื้นที่ — the area's LAOs by timeliness against the deadline, as of the date."
)
class LpaTimelinessCounts:
    on_time: int = strawberry.field(description="รับรองภายในกำหนด — certified by the deadline.")
    late: int = strawberry.field(description="รับรองหลังกำหนด — certified after the deadline.")
    overdue: int = strawberry.field(
        description="เลยกำหนดแล้วยังไม่รับรอง — past the deadline, not certified."
    )
    not_due: int = strawberry.field(
        description="ยังไม่ถึงกำหนด — not certified yet, the deadline ahead."
    )
    without_deadline: int = strawberry.field(
        description="ไม่มีกำหนดส่ง — LAOs whose year has no deadline."
    )


# --- the figures of a report, declared once ---------------------------------------------------

COUNTS, RUBRIC, DEADLINE = "counts", "rubric", "deadline"  # what a figure may need


@dataclass(frozen=True)
class ReportInputs:
    """What a report's figures are computed from; an input no selected figure needs is None."""

    counts: lpa_sql.LpaCounts | None = None  # the area's (empty when it has no LAO)
    rubric: tuple[int, lpa.Rubric] | None = None  # (version, rubric) in force for the LPA year
    deadline: dt.date | None = None  # the area's deadline (None: none, or not needed)


def _counts_of(i: ReportInputs) -> lpa_sql.LpaCounts:
    assert i.counts is not None
    return i.counts


def _rubric_of(i: ReportInputs) -> tuple[int, lpa.Rubric]:
    assert i.rubric is not None
    return i.rubric


def _rubric_type(i: ReportInputs) -> LpaRubric:
    version, rubric = _rubric_of(i)
    return rubric_type(version, rubric, built_in=rubric is lpa.DEFAULT_RUBRIC_2564)


def _provisional(i: ReportInputs) -> list[LpaLevelCount]:
    counts, (_, rubric) = _counts_of(i), _rubric_of(i)
    return [
        LpaLevelCount(
            rule=v.rule, score=v.score, description_th=v.th, count=counts.rules.get(v.rule, 0)
        )
        for v in rubric.levels
    ]


def _provisional_scores(i: ReportInputs) -> list[LpaScoreTally]:
    counts, (_, rubric) = _counts_of(i), _rubric_of(i)
    by_score = {s: 0 for s in rubric.scores}
    for rule, n in counts.rules.items():
        by_score[rubric.score(rule)] += n
    return [LpaScoreTally(score=s, count=n) for s, n in by_score.items()]


def _final_scores(i: ReportInputs) -> list[LpaScoreTally]:
    counts, (_, rubric) = _counts_of(i), _rubric_of(i)
    scores = sorted(set(rubric.scores) | set(counts.finals), reverse=True)
    return [LpaScoreTally(score=s, count=counts.finals.get(s, 0)) for s in scores]


def _timeliness(i: ReportInputs) -> LpaTimelinessCounts:
    t = _counts_of(i).timeliness
    return LpaTimelinessCounts(
        on_time=t.get(TimelinessEnum.ON_TIME, 0),
        late=t.get(TimelinessEnum.LATE, 0),
        overdue=t.get(TimelinessEnum.OVERDUE, 0),
        not_due=t.get(TimelinessEnum.NOT_DUE, 0),
        without_deadline=t.get(None, 0),
    )


@dataclass(frozen=True)
class ReportFigure:
    """One figure of `LpaReport`: the inputs it needs and how it is computed from them."""

    needs: frozenset[str]
    compute: Callable[[ReportInputs], Any]


# By the field's Python name.
REPORT_FIGURES: dict[str, ReportFigure] = {
    "rubric": ReportFigure(frozenset({RUBRIC}), _rubric_type),
    "deadline": ReportFigure(frozenset({DEADLINE}), lambda i: i.deadline),
    "lao_count": ReportFigure(frozenset({COUNTS}), lambda i: _counts_of(i).laos),
    "provisional": ReportFigure(frozenset({COUNTS, RUBRIC}), _provisional),
    "provisional_scores": ReportFigure(frozenset({COUNTS, RUBRIC}), _provisional_scores),
    "final_scores": ReportFigure(frozenset({COUNTS, RUBRIC}), _final_scores),
    "final_recorded": ReportFigure(frozenset({COUNTS}), lambda i: _counts_of(i).final_recorded),
    "final_missing": ReportFigure(
        frozenset({COUNTS}), lambda i: _counts_of(i).laos - _counts_of(i).final_recorded
    ),
    "timeliness": ReportFigure(frozenset({COUNTS}), _timeliness),
}


def area_deadline(deadlines: lpa.Deadlines, province_id: int | None) -> dt.date | None:
    """The deadline an area is judged against: its province's (a province, a district), or
    the default (the nation: `province_id` None)."""
    return deadlines.default if province_id is None else deadlines.for_province(province_id)


@strawberry.input(
    description="ตัวกรองรายชื่อ — which LAOs `LpaReport.laos` lists; all given must match."
)
class LpaLaoFilter:
    provisional_score: int | None = strawberry.field(
        default=None, description="คะแนนชั่วคราว — provisional score as of the date."
    )
    final_score: int | None = strawberry.field(
        default=None, description="คะแนนขั้นสุดท้าย — final score in force at the date."
    )
    final_recorded: bool | None = strawberry.field(
        default=None,
        description="บันทึกคะแนนขั้นสุดท้ายแล้ว — whether a final score was recorded by the date.",
    )
    timeliness: Timeliness | None = strawberry.field(
        default=None, description="ความตรงเวลา — timeliness as of the date."
    )
    district_code: str | None = strawberry.field(
        default=None, description="รหัสอำเภอ — only the LAOs of this district."
    )


@strawberry.type(
    description="คะแนน LPA ของ อปท. — one LAO's provisional and final indicator-7 scores as of the date."
)
class LpaLaoScore:
    row: strawberry.Private[Any]
    provisional: LpaScore = strawberry.field(
        description="คะแนนชั่วคราว — the hub's provisional score, with its timeliness."
    )
    final: LpaFinalScore | None = strawberry.field(
        description="คะแนนขั้นสุดท้าย — the assessor's score in force at the date; null before any."
    )

    @strawberry.field(description="อปท. — the LAO.")
    def lao(self) -> Annotated["Lao", strawberry.lazy("schema.lao")]:  # noqa: UP037
        return _lao_of(self)  # type: ignore[no-any-return]


@strawberry.type(
    description="รายงาน LPA ตัวชี้วัดที่ 7 ของพื้นที่ — an area's LPA indicator 7 as of a date: provisional "
    "and final score distributions, timeliness, and its LAOs one by one."
)
class LpaReport:
    level: strawberry.Private[Breakdown]
    area_id: strawberry.Private[int | None]
    lpa_year: int = strawberry.field(description="ปีประเมิน LPA (พ.ศ.).")
    fiscal_year: int = strawberry.field(description="ปีงบประมาณที่ประเมิน — the fiscal year assessed.")
    as_of: dt.datetime = strawberry.field(
        description="ณ วันที่ — the moment everything is as of (the inspection date)."
    )

    async def _counts(self, info: Info) -> lpa_sql.LpaCounts:
        key = (self.level, self.lpa_year, self.as_of, self.area_id)
        return await info.context.loaders.lpa_figures.load(key) or lpa_sql.LpaCounts()

    async def _rubric(self, info: Info) -> tuple[int, lpa.Rubric]:
        return await info.context.loaders.rubrics.load(self.lpa_year)

    async def _deadline(self, info: Info) -> dt.date | None:
        deadlines = await info.context.loaders.deadlines.load(self.fiscal_year)
        province_id = self.area_id
        if self.level == "district":
            province_id = (await info.context.loaders.district.load(self.area_id)).province_id
        return area_deadline(deadlines, province_id)

    async def _figure(self, info: Info, name: str) -> Any:
        """The figure `REPORT_FIGURES[name]`, from what it needs (each loaded once a request)."""
        figure = REPORT_FIGURES[name]
        inputs = ReportInputs(
            counts=await self._counts(info) if COUNTS in figure.needs else None,
            rubric=await self._rubric(info) if RUBRIC in figure.needs else None,
            deadline=await self._deadline(info) if DEADLINE in figure.needs else None,
        )
        return figure.compute(inputs)

    @strawberry.field(description="เกณฑ์ที่ใช้ — the rubric version in force for the LPA year.")
    async def rubric(self, info: Info) -> LpaRubric:
        return await self._figure(info, "rubric")  # type: ignore[no-any-return]

    @strawberry.field(
        description="กำหนดส่ง — the deadline the area's LAO certification is judged against (null: none)."
    )
    async def deadline(self, info: Info) -> dt.date | None:
        return await self._figure(info, "deadline")  # type: ignore[no-any-return]

    @strawberry.field(description="จำนวน อปท. — LAOs of the area.")
    async def lao_count(self, info: Info) -> int:
        return await self._figure(info, "lao_count")  # type: ignore[no-any-return]

    @strawberry.field(
        description="การกระจายคะแนนชั่วคราวตามระดับ — LAOs per rubric level (provisional, as of the date)."
    )
    async def provisional(self, info: Info) -> list[LpaLevelCount]:
        return await self._figure(info, "provisional")  # type: ignore[no-any-return]

    @strawberry.field(
        description="การกระจายคะแนนชั่วคราว — LAOs per provisional score, highest first."
    )
    async def provisional_scores(self, info: Info) -> list[LpaScoreTally]:
        return await self._figure(info, "provisional_scores")  # type: ignore[no-any-return]

    @strawberry.field(
        description="การกระจายคะแนนขั้นสุดท้าย — LAOs per final score in force at the date, highest "
        "first (those without one are `finalMissing`)."
    )
    async def final_scores(self, info: Info) -> list[LpaScoreTally]:
        return await self._figure(info, "final_scores")  # type: ignore[no-any-return]

    @strawberry.field(description="บันทึกคะแนนขั้นสุดท้ายแล้ว — LAOs with a final score by the date.")
    async def final_recorded(self, info: Info) -> int:
        return await self._figure(info, "final_recorded")  # type: ignore[no-any-return]

    @strawberry.field(description="ยังไม่มีคะแนนขั้นสุดท้าย — LAOs without a final score by the date.")
    async def final_missing(self, info: Info) -> int:
        return await self._figure(info, "final_missing")  # type: ignore[no-any-return]

    @strawberry.field(
        description="ความตรงเวลา — LAOs by timeliness against the deadline, as of the date."
    )
    async def timeliness(self, info: Info) -> LpaTimelinessCounts:
        return await self._figure(info, "timeliness")  # type: ignore[no-any-return]

    @strawberry.field(
        description="รายชื่อ อปท. — the area's LAOs with their scores as of the date, a page at a time "
        "(ordered by id); only LAO-years the caller may read are listed (drafts: those covering or "
        "assessing the LAO)."
    )
    async def laos(
        self,
        info: Info,
        filter: LpaLaoFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[LpaLaoScore]:
        deadlines = await info.context.loaders.deadlines.load(self.fiscal_year)
        return await lpa_laos_of(
            info.context.read_engine,
            info.context.identity,
            self,
            await self._rubric(info),
            deadlines,
            filter or LpaLaoFilter(),
            first,
            after,
        )


async def lpa_laos_of(
    engine: AsyncEngine | AsyncConnection,
    identity: Identity,
    report: LpaReport,
    rubric: tuple[int, lpa.Rubric],
    deadlines: lpa.Deadlines,
    f: LpaLaoFilter,
    first: int | None,
    after: str | None,
) -> Connection[LpaLaoScore]:
    """`LpaReport.laos`: a page of the area's LAO-years `identity` may read, with their
    scores as of the report's moment (one statement and its COUNT, `hub.db.lpa.lpa_list`);
    the resolver and the planned path (`schema.plan_stats`) call it."""
    district_id = report.area_id if report.level == "district" else None
    if f.district_code is not None:
        lookup = select(DistrictRow.id).where(DistrictRow.code == f.district_code)
        found = await fetch_all(engine, lookup)
        district_id = found[0][0] if found else -1  # an unknown district lists nothing
        if report.level == "district" and district_id != report.area_id:
            district_id = -1
    where = lpa_sql.ListFilter(
        rules=rubric[1].rules_scoring(f.provisional_score)
        if f.provisional_score is not None
        else None,
        final_score=f.final_score,
        final_recorded=f.final_recorded,
        timeliness=TimelinessEnum[f.timeliness.value] if f.timeliness is not None else None,
        district_id=district_id,
    )
    statement, key = lpa_sql.lpa_list(
        identity,
        report.lpa_year,
        report.as_of,
        deadlines,
        province_id=report.area_id if report.level == "province" else None,
        where=where,
    )

    def node(row: Any) -> LpaLaoScore:
        place = LaoPlace(row.id, row.type, row.district_id, row.province_id)
        return LpaLaoScore(
            row=row,
            provisional=score_from_row(row, rubric, report.lpa_year, report.as_of, deadlines),
            final=final_from_row(row, place, report.fiscal_year, prefix="final_")
            if row.final_id is not None
            else None,
        )

    return await paginate_on(engine, statement, key, first, after, node)


def _lao_of(score: LpaLaoScore, now: dt.datetime | None = None) -> Any:
    """The listed LAO, from the row its score was read with."""
    from schema.lao import Lao

    return Lao.from_row(score.row)


# Fields computed from the object alone (`schema.root.COMPUTED_FIELDS`): a listed LAO.
COMPUTED_FIELDS: dict[tuple[str, str], Callable[..., Any]] = {("LpaLaoScore", "lao"): _lao_of}


def report_of(
    level: Breakdown, lpa_year: int, as_of: dt.datetime, area_id: int | None
) -> LpaReport:
    """An area's report (`area_id` None: the nation's) for an LPA year as of a moment."""
    return LpaReport(
        level=level,
        area_id=area_id,
        lpa_year=lpa_year,
        fiscal_year=lpa.fiscal_year_assessed(lpa_year),
        as_of=aware(as_of),
    )


def lpa_report(
    info: Info, level: Breakdown, lpa_year: int, as_of: dt.datetime | None, area_id: int | None
) -> LpaReport:
    return report_of(level, lpa_year, moment(info, as_of), area_id)
