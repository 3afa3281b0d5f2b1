"""LPA indicator 7 per area (nation, province, district) as of any date: distributions of the
provisional and final scores, timeliness against the deadline, and the LAOs listed.

The counts come from one grouped statement per level (`hub.db.lpa.lpa_figures`, through the
request's `lpa_figures` DataLoader), computed only when a count is asked for and shared by
every area of the level; the list is one statement a page (`hub.db.lpa.lpa_list`) plus its
COUNT. Neither runs a statement per LAO.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import select

from hub.db import lpa as lpa_sql
from hub.db.models import District as DistrictRow
from hub.rules import lpa
from hub.rules.enums import Breakdown
from hub.rules.enums import Timeliness as TimelinessEnum
from hub.rules.permissions import LaoPlace
from schema.context import Info
from schema.enums import Timeliness
from schema.loaders import fetch_all
from schema.lpa import (
    LpaFinalScore,
    LpaRubric,
    LpaScore,
    final_from_row,
    moment,
    rubric_type,
    score_from_row,
)
from schema.pagination import Connection, paginate

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
        from schema.lao import Lao

        return Lao.from_row(self.row)


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

    @strawberry.field(description="เกณฑ์ที่ใช้ — the rubric version in force for the LPA year.")
    async def rubric(self, info: Info) -> LpaRubric:
        version, rubric = await self._rubric(info)
        return rubric_type(version, rubric, built_in=rubric is lpa.DEFAULT_RUBRIC_2564)

    @strawberry.field(
        description="กำหนดส่ง — the deadline the area's LAO certification is judged against (null: none)."
    )
    async def deadline(self, info: Info) -> dt.date | None:
        deadlines = await info.context.loaders.deadlines.load(self.fiscal_year)
        if self.area_id is None:
            return deadlines.default
        province_id = self.area_id
        if self.level == "district":
            province_id = (await info.context.loaders.district.load(self.area_id)).province_id
        return deadlines.for_province(province_id)

    @strawberry.field(description="จำนวน อปท. — LAOs of the area.")
    async def lao_count(self, info: Info) -> int:
        return (await self._counts(info)).laos

    @strawberry.field(
        description="การกระจายคะแนนชั่วคราวตามระดับ — LAOs per rubric level (provisional, as of the date)."
    )
    async def provisional(self, info: Info) -> list[LpaLevelCount]:
        counts = await self._counts(info)
        _, rubric = await self._rubric(info)
        return [
            LpaLevelCount(
                rule=v.rule, score=v.score, description_th=v.th, count=counts.rules.get(v.rule, 0)
            )
            for v in rubric.levels
        ]

    @strawberry.field(
        description="การกระจายคะแนนชั่วคราว — LAOs per provisional score, highest first."
    )
    async def provisional_scores(self, info: Info) -> list[LpaScoreTally]:
        counts = await self._counts(info)
        _, rubric = await self._rubric(info)
        by_score = {s: 0 for s in rubric.scores}
        for rule, n in counts.rules.items():
            by_score[rubric.score(rule)] += n
        return [LpaScoreTally(score=s, count=n) for s, n in by_score.items()]

    @strawberry.field(
        description="การกระจายคะแนนขั้นสุดท้าย — LAOs per final score in force at the date, highest "
        "first (those without one are `finalMissing`)."
    )
    async def final_scores(self, info: Info) -> list[LpaScoreTally]:
        counts = await self._counts(info)
        _, rubric = await self._rubric(info)
        scores = sorted(set(rubric.scores) | set(counts.finals), reverse=True)
        return [LpaScoreTally(score=s, count=counts.finals.get(s, 0)) for s in scores]

    @strawberry.field(description="บันทึกคะแนนขั้นสุดท้ายแล้ว — LAOs with a final score by the date.")
    async def final_recorded(self, info: Info) -> int:
        return (await self._counts(info)).final_recorded

    @strawberry.field(description="ยังไม่มีคะแนนขั้นสุดท้าย — LAOs without a final score by the date.")
    async def final_missing(self, info: Info) -> int:
        counts = await self._counts(info)
        return counts.laos - counts.final_recorded

    @strawberry.field(
        description="ความตรงเวลา — LAOs by timeliness against the deadline, as of the date."
    )
    async def timeliness(self, info: Info) -> LpaTimelinessCounts:
        t = (await self._counts(info)).timeliness
        return LpaTimelinessCounts(
            on_time=t.get(TimelinessEnum.ON_TIME, 0),
            late=t.get(TimelinessEnum.LATE, 0),
            overdue=t.get(TimelinessEnum.OVERDUE, 0),
            not_due=t.get(TimelinessEnum.NOT_DUE, 0),
            without_deadline=t.get(None, 0),
        )

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
        f = filter or LpaLaoFilter()
        rubric = await self._rubric(info)
        deadlines = await info.context.loaders.deadlines.load(self.fiscal_year)
        district_id = self.area_id if self.level == "district" else None
        if f.district_code is not None:
            found = await fetch_all(
                info.context.engine,
                select(DistrictRow.id).where(DistrictRow.code == f.district_code),
            )
            district_id = found[0][0] if found else -1  # an unknown district lists nothing
            if self.level == "district" and district_id != self.area_id:
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
            info.context.identity,
            self.lpa_year,
            self.as_of,
            deadlines,
            province_id=self.area_id if self.level == "province" else None,
            where=where,
        )

        def node(row: Any) -> LpaLaoScore:
            place = LaoPlace(row.id, row.type, row.district_id, row.province_id)
            return LpaLaoScore(
                row=row,
                provisional=score_from_row(row, rubric, self.lpa_year, self.as_of, deadlines),
                final=final_from_row(row, place, self.fiscal_year, prefix="final_")
                if row.final_id is not None
                else None,
            )

        return await paginate(info, statement, key, first, after, node)


def lpa_report(
    info: Info, level: Breakdown, lpa_year: int, as_of: dt.datetime | None, area_id: int | None
) -> LpaReport:
    return LpaReport(
        level=level,
        area_id=area_id,
        lpa_year=lpa_year,
        fiscal_year=lpa.fiscal_year_assessed(lpa_year),
        as_of=moment(info, as_of),
    )
