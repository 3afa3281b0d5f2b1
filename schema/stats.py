"""Per-fiscal-year roll-ups for the nation, provinces and districts.

Each figure comes from one grouped SQL statement in `hub.db.rollups` / `hub.db.kpi16` covering every
area at once; a per-request DataLoader shares it between all the provinces (or districts) a
query asks about, so `provinces { stats(...) }` costs the same few statements as one province.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import strawberry
from sqlalchemy import select
from strawberry.dataloader import DataLoader

from hub.db import kpi16, rollups
from hub.db.models import Kpi16Round
from hub.rules.enums import CertificationState as State
from schema.context import Info

Level = Literal["nation", "province", "district"]


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
        description="คะแนน LPA ตัวชี้วัดที่ 7 (ชั่วคราว) — provisional scores 5, 3, 1, 0 as of `asOf`."
    )
    kpi16: Kpi16Coverage | None = strawberry.field(
        description="ตัวชี้วัดที่ 16 — coverage in the year's latest KPI-16 round; null when the year has none."
    )


StatsKey = tuple[Level, int, dt.datetime, int | None]  # (level, fiscal year, as of, area id)


def stats_loader(info_engine: Any) -> DataLoader[StatsKey, AreaYearStats]:
    async def load(keys: list[StatsKey]) -> list[AreaYearStats]:
        computed: dict[tuple[Level, int, dt.datetime], dict[int | None, AreaYearStats]] = {}
        for level, year, as_of, _ in keys:
            if (level, year, as_of) not in computed:
                computed[(level, year, as_of)] = await _compute(info_engine, level, year, as_of)
        return [
            computed[(level, year, as_of)].get(area) or _empty(year)
            for level, year, as_of, area in keys
        ]

    return DataLoader(load_fn=load)


def _empty(year: int) -> AreaYearStats:
    return AreaYearStats(
        fiscal_year=year,
        certification=CertificationProgress(
            draft=0, lao_certified=0, province_certified=0, total=0
        ),
        lpa_distribution=[LpaScoreCount(score=s, count=0) for s in (5, 3, 1, 0)],
        kpi16=None,
    )


async def _compute(
    engine: Any, level: Level, year: int, as_of: dt.datetime
) -> dict[int | None, AreaYearStats]:
    async with engine.connect() as conn:
        progress = await rollups.certification_progress(conn, year, by=level)
        scores = await rollups.lpa_distribution(conn, year, as_of, by=level)
        round_row = (
            await conn.execute(
                select(Kpi16Round.id, Kpi16Round.round_no)
                .where(Kpi16Round.fiscal_year == year)
                .order_by(Kpi16Round.round_no.desc())
                .limit(1)
            )
        ).first()
        coverage = await kpi16.coverage(conn, round_row.id, by=level) if round_row else {}
    result: dict[int | None, AreaYearStats] = {}
    for key, counts in progress.items():
        distribution = scores.get(key, {})
        cov = coverage.get(key)
        result[key] = AreaYearStats(
            fiscal_year=year,
            certification=CertificationProgress(
                draft=counts[State.DRAFT],
                lao_certified=counts[State.LAO_CERTIFIED],
                province_certified=counts[State.PROVINCE_CERTIFIED],
                total=sum(counts.values()),
            ),
            lpa_distribution=[
                LpaScoreCount(score=s, count=distribution.get(s, 0)) for s in (5, 3, 1, 0)
            ],
            kpi16=Kpi16Coverage(
                round_no=round_row.round_no,
                reference_systems=cov.reference_systems,
                recorded=cov.recorded,
                checked=cov.checked,
                rate=cov.rate,
                target_percent=cov.target_percent,
                met=cov.met,
            )
            if cov is not None and round_row is not None
            else None,
        )
    return result


async def area_stats(
    info: Info, level: Level, fiscal_year: int, as_of: dt.datetime | None, area_id: int | None
) -> AreaYearStats:
    when = as_of or info.context.now
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    if info.context.loaders.extra.get("stats") is None:
        info.context.loaders.extra["stats"] = stats_loader(info.context.engine)
    return await info.context.loaders.extra["stats"].load((level, fiscal_year, when, area_id))
