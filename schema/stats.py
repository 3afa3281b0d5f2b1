"""Per-fiscal-year roll-ups for the nation, provinces and districts: their GraphQL types.

Each figure comes from one grouped SQL statement in `hub.db.rollups` / `hub.db.kpi16` covering every
area at once, run only when the figure is selected; the request's DataLoaders
(`schema.loaders`: `area_progress`, `area_scores`, `area_kpi16`) share it between all the
provinces (or districts) a query asks about, so `provinces { stats(...) }` costs the same
few statements as one province, and `certification` alone costs one.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from hub.rules.enums import Breakdown
from hub.rules.enums import CertificationState as State
from schema.context import Info


@strawberry.type(
    description="ความคืบหน้าการรับรองข้อมูล — how many LAOs are in each certification state."
)
class CertificationProgress:
    draft: int = strawberry.field(description="อปท. ยังไม่รับรองข้อมูล — not yet certified by the LAO.")
    lao_certified: int = strawberry.field(
        description="อปท. รับรองข้อมูลแล้ว — certified by the LAO only."
    )
    province_certified: int = strawberry.field(
        description="จังหวัดรับรองข้อมูลแล้ว — certified by the province."
    )
    total: int = strawberry.field(description="อปท. ทั้งหมด — all LAOs of the area.")


@strawberry.type(
    description="การกระจายคะแนน LPA — how many LAOs have one provisional indicator-7 score."
)
class LpaScoreCount:
    score: int
    count: int


@strawberry.type(
    description="ตัวชี้วัดที่ 16 — village water-supply systems recorded against DLA's reference list."
)
class Kpi16Coverage:
    round_no: int = strawberry.field(
        description="รอบการประเมิน — assessment round of the fiscal year."
    )
    reference_systems: int = strawberry.field(
        description="ระบบประปาตามฐานข้อมูลอ้างอิงของ สถ. — on the reference list."
    )
    recorded: int = strawberry.field(description="บันทึกแล้ว — reference systems recorded in INFO.")
    checked: int = strawberry.field(
        description="ตรวจสอบแล้วในรอบนี้ — recorded and checked since the round opened."
    )
    rate: float | None = strawberry.field(description="ร้อยละที่บันทึก — recorded / reference, 0–1.")
    target_percent: float = strawberry.field(
        description="ค่าเป้าหมาย (ร้อยละ) — the round's target, percent."
    )
    met: bool | None = strawberry.field(description="ผ่านเป้าหมาย — whether the target is met.")


SCORES = (5, 3, 1, 0)  # the 2564 rubric's scores, highest first: one count each


@strawberry.type(
    description="สรุปรายปี — an area's certification progress, LPA scores and KPI-16 coverage."
)
class AreaYearStats:
    level: strawberry.Private[Breakdown]
    area_id: strawberry.Private[int | None]  # None: the nation
    as_of: strawberry.Private[dt.datetime]
    fiscal_year: int

    @strawberry.field
    async def certification(self, info: Info) -> CertificationProgress:
        key = (self.level, self.fiscal_year, self.area_id)
        counts = await info.context.loaders.area_progress.load(key) or {}
        return CertificationProgress(
            draft=counts.get(State.DRAFT, 0),
            lao_certified=counts.get(State.LAO_CERTIFIED, 0),
            province_certified=counts.get(State.PROVINCE_CERTIFIED, 0),
            total=sum(counts.values()),
        )

    @strawberry.field(
        description="คะแนน LPA ตัวชี้วัดที่ 7 (ชั่วคราว) — provisional scores as of `asOf`, one count per "
        "score of the rubric in force (5, 3, 1, 0 under 2564); see also `lpa` on the area."
    )
    async def lpa_distribution(self, info: Info) -> list[LpaScoreCount]:
        key = (self.level, self.fiscal_year, self.as_of, self.area_id)
        scores = await info.context.loaders.area_scores.load(key) or {}
        # The rubric in force gives the scores, highest first (`hub.db.rollups.lpa_distribution`).
        return [LpaScoreCount(score=s, count=n) for s, n in scores.items()] or [
            LpaScoreCount(score=s, count=0) for s in SCORES
        ]

    @strawberry.field(
        description="ตัวชี้วัดที่ 16 — coverage in the year's latest KPI-16 round; null when the year has none."
    )
    async def kpi16(self, info: Info) -> Kpi16Coverage | None:
        key = (self.level, self.fiscal_year, self.area_id)
        figures = await info.context.loaders.area_kpi16.load(key)
        if figures is None or figures.coverage is None:
            return None
        cov = figures.coverage
        return Kpi16Coverage(
            round_no=figures.round_no,
            reference_systems=cov.reference_systems,
            recorded=cov.recorded,
            checked=cov.checked,
            rate=cov.rate,
            target_percent=cov.target_percent,
            met=cov.met,
        )


def area_stats(
    info: Info, level: Breakdown, fiscal_year: int, as_of: dt.datetime | None, area_id: int | None
) -> AreaYearStats:
    """An area's figures: each computed (for every area of the level at once) when selected."""
    when = as_of or info.context.now
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return AreaYearStats(level=level, area_id=area_id, as_of=when, fiscal_year=fiscal_year)
