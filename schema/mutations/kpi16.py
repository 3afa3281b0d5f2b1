"""Importing a province's KPI-16 reference list (DLA administrators;
`hub.services.kpi16_import`)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hub.services import kpi16_import
from schema.context import Info
from schema.mutations.errors import Forbidden, NotFound, ValidationFailed, answers_refusals


@strawberry.type(
    description="นำเข้าฐานข้อมูลอ้างอิงแล้ว — a province's KPI-16 reference list was imported."
)
class Kpi16BaselineImported:
    province_code: str
    references: int
    replaced: int = strawberry.field(
        description="References of the previous list for this province and round."
    )


Kpi16ImportResult = Annotated[
    Kpi16BaselineImported | Forbidden | NotFound | ValidationFailed,
    strawberry.union("Kpi16ImportResult"),
]


@strawberry.mutation(
    description="นำเข้าฐานข้อมูลอ้างอิงประปาหมู่บ้าน (ตัวชี้วัดที่ 16) — DLA imports a province's reference list (CSV: reference_code, lao_code, village_number, name, latitude, longitude); it replaces that province's list for the round."
)
@answers_refusals
async def import_kpi16_baseline(
    info: Info,
    fiscal_year: int,
    province_code: str,
    csv: str,
    round_no: int = 1,
    target_percent: float = 80.0,
) -> Kpi16ImportResult:
    done = await kpi16_import.import_references(
        info.context.write_engine,
        info.context.identity,
        fiscal_year=fiscal_year,
        round_no=round_no,
        province_code=province_code,
        csv_text=csv,
        target_percent=target_percent,
    )
    return Kpi16BaselineImported(
        province_code=province_code, references=done.references, replaced=done.replaced
    )
