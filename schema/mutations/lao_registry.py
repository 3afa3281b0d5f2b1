"""DLA records changes to the LAO registry (`hub.services.lao_registry`): a type upgrade, a
code change, a name change and a merger, each with the day it took effect."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from hub.rules import enums
from hub.services import lao_registry
from schema.context import Info
from schema.enums import LaoType
from schema.lao import Lao
from schema.mutations.errors import (
    Forbidden,
    NotFound,
    RegistryConflict,
    ValidationFailed,
    answers_refusals,
)


@strawberry.type(
    description="บันทึกการเปลี่ยนแปลงทะเบียนแล้ว — the change is recorded: the LAO as it is now "
    "(read `asOf(date:)` for any day, `codeHistory`, `typeHistory`, `nameHistory`)."
)
class LaoRegistryChanged:
    lao_id: strawberry.Private[int]
    effective_on: dt.date = strawberry.field(description="มีผลตั้งแต่ — the first day it applies.")

    @strawberry.field(description="อปท. — the LAO changed (for a merger: the LAO absorbed).")
    async def lao(self, info: Info) -> Lao:
        return Lao.from_row(await info.context.loaders.lao.load(self.lao_id))


LaoRegistryResult = Annotated[
    LaoRegistryChanged | Forbidden | NotFound | RegistryConflict | ValidationFailed,
    strawberry.union("LaoRegistryResult"),
]


def _changed(found: lao_registry.Registered) -> LaoRegistryChanged:
    return LaoRegistryChanged(lao_id=found.lao_id, effective_on=found.effective_on)


@strawberry.mutation(
    description="บันทึกการยกฐานะ อปท. — DLA records an LAO's type upgrade (SAO → subdistrict "
    "municipality → town → city municipality) from `effectiveOn`, with the new code and name it "
    "takes that day when given. `laoCode` may be a former code."
)
@answers_refusals
async def record_lao_type_change(
    info: Info,
    lao_code: str,
    new_type: LaoType,
    effective_on: dt.date,
    new_code: str | None = None,
    new_name_th: str | None = None,
    new_name_en: str | None = None,
    reason: str | None = None,
) -> LaoRegistryResult:
    return _changed(
        await lao_registry.record_type_change(
            info.context.write_engine,
            info.context.identity,
            lao_code=lao_code,
            new_type=enums.LaoType[new_type.name],
            effective_on=effective_on,
            new_code=new_code,
            new_name_th=new_name_th,
            new_name_en=new_name_en,
            reason=reason,
        )
    )


@strawberry.mutation(
    description="บันทึกการเปลี่ยนรหัส อปท. — DLA records an LAO's new code from `effectiveOn`; the "
    "former code keeps finding the LAO."
)
@answers_refusals
async def record_lao_code_change(
    info: Info,
    lao_code: str,
    new_code: str,
    effective_on: dt.date,
    reason: str | None = None,
) -> LaoRegistryResult:
    return _changed(
        await lao_registry.record_code_change(
            info.context.write_engine,
            info.context.identity,
            lao_code=lao_code,
            new_code=new_code,
            effective_on=effective_on,
            reason=reason,
        )
    )


@strawberry.mutation(
    description="บันทึกการเปลี่ยนชื่อ อปท. — DLA records an LAO's new name from `effectiveOn` "
    "(`newNameEn`: the new English name, or none)."
)
@answers_refusals
async def record_lao_name_change(
    info: Info,
    lao_code: str,
    new_name_th: str,
    effective_on: dt.date,
    new_name_en: str | None = None,
    reason: str | None = None,
) -> LaoRegistryResult:
    return _changed(
        await lao_registry.record_name_change(
            info.context.write_engine,
            info.context.identity,
            lao_code=lao_code,
            new_name_th=new_name_th,
            new_name_en=new_name_en,
            effective_on=effective_on,
            reason=reason,
        )
    )


@strawberry.mutation(
    description="บันทึกการรวม อปท. — DLA records that the LAO `laoCode` is merged into "
    "`successorCode` from `effectiveOn`; it stays readable, as merged into its successor."
)
@answers_refusals
async def record_lao_merger(
    info: Info,
    lao_code: str,
    successor_code: str,
    effective_on: dt.date,
    reason: str | None = None,
) -> LaoRegistryResult:
    return _changed(
        await lao_registry.record_merger(
            info.context.write_engine,
            info.context.identity,
            lao_code=lao_code,
            successor_code=successor_code,
            effective_on=effective_on,
            reason=reason,
        )
    )
