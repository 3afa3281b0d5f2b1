"""Per-fiscal-year roll-ups for the nation, provinces and districts: their GraphQL types.

Each figure comes from one grouped SQL statement in `hub.db.rollups` / `hub.db.kpi16` covering every
area at once; the request's `area_figures` DataLoader (`schema.loaders`) shares it between
all the provinces (or districts) a query asks about, so `provinces { stats(...) }` costs the
same few statements as one province.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from hub.rules.enums import Breakdown
from hub.rules.enums import CertificationState as State
from schema.context import Info
from schema.loaders import AreaFigures


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


@strawberry.type(
    description="สรุปรายปี — an area's certification progress, LPA scores and KPI-16 coverage."
)
class AreaYearStats:
    fiscal_year: int
    certification: CertificationProgress
    lpa_distribution: list[LpaScoreCount] = strawberry.field(
        description="คะแนน LPA ตัวชี้วัดที่ 7 (ชั่วคราว) — provisional scores as of `asOf`, one count per "
        "score of the rubric in force (5, 3, 1, 0 under 2564); see also `lpa` on the area."
    )
    kpi16: Kpi16Coverage | None = strawberry.field(
        description="ตัวชี้วัดที่ 16 — coverage in the year's latest KPI-16 round; null when the year has none."
    )


SCORES = (5, 3, 1, 0)  # the 2564 rubric's scores, highest first: an area without LAOs


def _stats(year: int, figures: AreaFigures | None) -> AreaYearStats:
    """The GraphQL figures of one area (zeros for an area without LAOs)."""
    if figures is None:
        return AreaYearStats(
            fiscal_year=year,
            certification=CertificationProgress(
                draft=0, lao_certified=0, province_certified=0, total=0
            ),
            lpa_distribution=[LpaScoreCount(score=s, count=0) for s in SCORES],
            kpi16=None,
        )
    counts, cov = figures.progress, figures.coverage
    return AreaYearStats(
        fiscal_year=year,
        certification=CertificationProgress(
            draft=counts[State.DRAFT],
            lao_certified=counts[State.LAO_CERTIFIED],
            province_certified=counts[State.PROVINCE_CERTIFIED],
            total=sum(counts.values()),
        ),
        # The rubric in force gives the scores, highest first (`hub.db.rollups.lpa_distribution`).
        lpa_distribution=[LpaScoreCount(score=s, count=n) for s, n in figures.scores.items()]
        or [LpaScoreCount(score=s, count=0) for s in SCORES],
        kpi16=Kpi16Coverage(
            round_no=figures.kpi16_round_no,
            reference_systems=cov.reference_systems,
            recorded=cov.recorded,
            checked=cov.checked,
            rate=cov.rate,
            target_percent=cov.target_percent,
            met=cov.met,
        )
        if cov is not None and figures.kpi16_round_no is not None
        else None,
    )


async def area_stats(
    info: Info, level: Breakdown, fiscal_year: int, as_of: dt.datetime | None, area_id: int | None
) -> AreaYearStats:
    when = as_of or info.context.now
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    figures = await info.context.loaders.area_figures.load((level, fiscal_year, when, area_id))
    return _stats(fiscal_year, figures)
