"""The root Query type and the assembled schema."""

from __future__ import annotations

import strawberry
from sqlalchemy import func, select
from strawberry.extensions import MaskErrors

from hub import enums
from hub.models import FiscalYear as FiscalYearRow
from hub.models import Lao as LaoRow
from hub.models import LaoCode
from hub.models import Province as ProvinceRow
from loaders.batch import fetch_all
from schema.context import Info
from schema.types import FiscalYear, Lao, LaoType, LaoTypeCount, Province


@strawberry.type
class Query:
    @strawberry.field(description="จังหวัดทั้งหมด — all provinces, by DOPA code.")
    async def provinces(self, info: Info) -> list[Province]:
        rows = await fetch_all(info.context.engine, select(ProvinceRow).order_by(ProvinceRow.code))
        return [Province(row=r[0]) for r in rows]

    @strawberry.field(description="จังหวัด — one province by its 2-digit DOPA code.")
    async def province(self, info: Info, code: str) -> Province | None:
        rows = await fetch_all(
            info.context.engine, select(ProvinceRow).where(ProvinceRow.code == code)
        )
        return Province(row=rows[0][0]) if rows else None

    @strawberry.field(
        description="อปท. — one LAO by its DLA code. A former code finds the LAO it now belongs to."
    )
    async def lao(self, info: Info, code: str) -> Lao | None:
        current = select(LaoRow).where(LaoRow.code == code)
        rows = await fetch_all(info.context.engine, current)
        if not rows:
            former = (
                select(LaoRow)
                .join(LaoCode, LaoCode.lao_id == LaoRow.id)
                .where(LaoCode.code == code)
                .order_by(LaoCode.valid_from.desc())
                .limit(1)
            )
            rows = await fetch_all(info.context.engine, former)
        return Lao(row=rows[0][0]) if rows else None

    @strawberry.field(description="จำนวน อปท. ตามประเภท — how many LAOs there are of each type.")
    async def lao_counts_by_type(self, info: Info) -> list[LaoTypeCount]:
        statement = select(LaoRow.type, func.count()).group_by(LaoRow.type)
        counts = {t: n for t, n in await fetch_all(info.context.engine, statement)}
        return [
            LaoTypeCount(type=LaoType[t.name], label_th=t.label_th, count=counts.get(t, 0))  # type: ignore[index]
            for t in enums.LaoType
        ]

    @strawberry.field(description="ปีงบประมาณ — fiscal years, newest first.")
    async def fiscal_years(self, info: Info) -> list[FiscalYear]:
        statement = select(FiscalYearRow).order_by(FiscalYearRow.year_be.desc())
        return [
            FiscalYear(
                year_be=y.year_be,
                starts_on=y.starts_on.isoformat(),
                ends_on=y.ends_on.isoformat(),
                record_deadline=y.record_deadline.isoformat(),
                is_open=y.is_open,
            )
            for (y,) in await fetch_all(info.context.engine, statement)
        ]


def build_schema(*, mask_errors: bool = False) -> strawberry.Schema:
    """The hub's schema; with `mask_errors`, unexpected errors reach callers without internals."""
    extensions = []
    if mask_errors:
        extensions.append(
            MaskErrors(error_message="Internal error; quote the X-Request-Id header to support.")
        )
    return strawberry.Schema(query=Query, extensions=extensions)


schema = build_schema()
