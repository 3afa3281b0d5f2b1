"""Opening and closing fiscal years (DLA administrators; `hub.services.fiscal_years`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from hub.services import fiscal_years
from schema.context import Info
from schema.mutations.errors import (
    FiscalYearClosed,
    Forbidden,
    InvalidState,
    NotFound,
    ValidationFailed,
    answers_refusals,
)


@strawberry.type(description="ปีงบประมาณ — a fiscal year was opened or closed.")
class FiscalYearUpdated:
    year_be: int
    is_open: bool
    lao_years: int | None = strawberry.field(description="LAO-years created (when opened).")
    copied_from: int | None = strawberry.field(
        description="The year whose data each LAO starts from, if copied."
    )


FiscalYearResult = Annotated[
    FiscalYearUpdated | Forbidden | NotFound | InvalidState | FiscalYearClosed | ValidationFailed,
    strawberry.union("FiscalYearResult"),
]


@strawberry.mutation(
    description="เปิดปีงบประมาณ — DLA opens a fiscal year with its deadlines; with `copyPrevious` each LAO starts from last year's data as a draft. "
    "Earlier years stay as they are (LAOs keep working in every open year until DLA closes it); a closed year is never opened again."
)
@answers_refusals
async def open_fiscal_year(
    info: Info,
    year_be: int,
    record_deadline: dt.date,
    province_deadline: dt.date | None = None,
    copy_previous: bool = True,
) -> FiscalYearResult:
    opened = await fiscal_years.open_year(
        info.context.write_engine,
        info.context.identity,
        year_be=year_be,
        record_deadline=record_deadline,
        province_deadline=province_deadline,
        copy_previous=copy_previous,
    )
    return FiscalYearUpdated(
        year_be=year_be, is_open=True, lao_years=opened.lao_years, copied_from=opened.copied_from
    )


@strawberry.mutation(
    description="ปิดปีงบประมาณ — DLA closes a fiscal year: read-only for every role afterwards."
)
@answers_refusals
async def close_fiscal_year(
    info: Info, year_be: int, reason: str | None = None
) -> FiscalYearResult:
    await fiscal_years.close_year(
        info.context.write_engine, info.context.identity, year_be=year_be, reason=reason
    )
    return FiscalYearUpdated(year_be=year_be, is_open=False, lao_years=None, copied_from=None)
