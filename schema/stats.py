"""Per-fiscal-year roll-ups for the nation, provinces and districts: their GraphQL types.

Each figure comes from one statement over the maintained roll-ups (`hub.db.rollups`,
`hub.db.lpa_tallies`, `hub.db.kpi16_counts`) covering every area at once, run only when the
figure is selected; the request's DataLoaders (`schema.loaders`: `area_progress`,
`area_scores`, `area_kpi16`) share it between all the provinces (or districts) a query asks
about, so `provinces { stats(...) }` costs the same few statements as one province, and
`certification` alone costs one. `certification_of`, `lpa_distribution_of` and `kpi16_of`
build an area's figures from them, for these resolvers and for the planned path
(`schema.plan_stats`) alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

import strawberry

from hub.rules.enums import Breakdown
from hub.rules.enums import CertificationState as State
from schema.context import Info

if TYPE_CHECKING:
    from schema.loaders import Kpi16Figures


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


# --- an area's figures from its level's roll-ups: the resolvers' and the planner's -----------


def certification_of(counts: Mapping[State, int] | None) -> CertificationProgress:
    """An area's progress from its counts per state (None: no LAO)."""
    counts = counts or {}
    return CertificationProgress(
        draft=counts.get(State.DRAFT, 0),
        lao_certified=counts.get(State.LAO_CERTIFIED, 0),
        province_certified=counts.get(State.PROVINCE_CERTIFIED, 0),
        total=sum(counts.values()),
    )


def lpa_distribution_of(scores: Mapping[int, int] | None) -> list[LpaScoreCount]:
    """An area's counts per score of the rubric in force, highest first
    (`hub.db.rollups.lpa_distribution`); the 2564 scores at zero when it has none."""
    return [LpaScoreCount(score=s, count=n) for s, n in (scores or {}).items()] or [
        LpaScoreCount(score=s, count=0) for s in SCORES
    ]


def kpi16_of(figures: Kpi16Figures | None) -> Kpi16Coverage | None:
    """An area's coverage in the year's latest round; None when it has no references."""
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


def moment(now: dt.datetime, as_of: dt.datetime | None) -> dt.datetime:
    """The moment LPA scores are taken at: `as_of` (naive: UTC), else the request's now."""
    when = as_of or now
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


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
        return certification_of(await info.context.loaders.area_progress.load(key))

    @strawberry.field(
        description="คะแนน LPA ตัวชี้วัดที่ 7 (ชั่วคราว) — provisional scores as of `asOf`, one count per "
        "score of the rubric in force (5, 3, 1, 0 under 2564); see also `lpa` on the area."
    )
    async def lpa_distribution(self, info: Info) -> list[LpaScoreCount]:
        key = (self.level, self.fiscal_year, self.as_of, self.area_id)
        return lpa_distribution_of(await info.context.loaders.area_scores.load(key))

    @strawberry.field(
        description="ตัวชี้วัดที่ 16 — coverage in the year's latest KPI-16 round; null when the year has none."
    )
    async def kpi16(self, info: Info) -> Kpi16Coverage | None:
        key = (self.level, self.fiscal_year, self.area_id)
        return kpi16_of(await info.context.loaders.area_kpi16.load(key))


def area_stats(
    info: Info, level: Breakdown, fiscal_year: int, as_of: dt.datetime | None, area_id: int | None
) -> AreaYearStats:
    """An area's figures: each computed (for every area of the level at once) when selected."""
    when = moment(info.context.now, as_of)
    return AreaYearStats(level=level, area_id=area_id, as_of=when, fiscal_year=fiscal_year)
