"""The LAO registry as dated history, read: names over time, the LAO as it was on a day, and
mergers (`hub.rules.lao_registry` decides what a day's values are).

Everything here is public, like the LAO profile. Each field loads through the request's
DataLoaders (`schema.loaders`: codes, types, names and mergers of many LAOs in one statement
each), so a page of LAOs read "as of" a day costs the same few statements as one LAO.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from hub.rules import lao_registry as rules
from hub.rules.lao_registry import Period
from schema import shapes
from schema.context import Info
from schema.enums import LaoType

if TYPE_CHECKING:
    from schema.lao import Lao
    from schema.loaders import Loaders


@strawberry.type(description="ชื่อ อปท. ในช่วงเวลาหนึ่ง — a name the LAO had, and when.")
class LaoNamePeriod:
    name_th: str = strawberry.field(description="ชื่อ อปท. — Thai name.")
    name_en: str | None = strawberry.field(description="English name, where known.")
    valid_from: dt.date = strawberry.field(description="ใช้ตั้งแต่ — first day.")
    valid_to: dt.date | None = strawberry.field(
        description="ใช้ถึง (ไม่รวม) — end, exclusive; null while current."
    )


async def _lao(info: Info, lao_id: int) -> Lao:
    from schema.lao import Lao

    return Lao.from_row(await info.context.loaders.lao.load(lao_id))


@strawberry.type(
    description="การรวม อปท. — an LAO absorbed into another (its successor) from a date; the "
    "absorbed LAO stays readable, with its years and history."
)
class LaoMerger:
    lao_id: strawberry.Private[int]
    successor_id: strawberry.Private[int]
    effective_on: dt.date = strawberry.field(description="มีผลตั้งแต่ — the first day merged.")

    @strawberry.field(description="อปท. ที่ถูกรวม — the LAO absorbed.")
    async def absorbed(self, info: Info) -> Annotated[Lao, strawberry.lazy("schema.lao")]:
        return await _lao(info, self.lao_id)

    @strawberry.field(description="อปท. ที่รับรวม — the LAO it was merged into.")
    async def successor(self, info: Info) -> Annotated[Lao, strawberry.lazy("schema.lao")]:
        return await _lao(info, self.successor_id)


def merger_of_row(row: Any) -> LaoMerger:
    return LaoMerger(
        lao_id=row.lao_id,
        successor_id=row.successor_id,
        **shapes.LAO_MERGER.python_values(row),
    )


@strawberry.type(
    description="อปท. ณ วันที่ — the LAO as it stood on a day: its code, type and name then "
    "(null before its known history begins), and whether it had been merged into another."
)
class LaoAsOf:
    date: dt.date = strawberry.field(description="วันที่ — the day asked about.")
    code: str | None = strawberry.field(description="รหัส อปท. ในวันนั้น — DLA's code that day.")
    type: LaoType | None = strawberry.field(description="ประเภท อปท. ในวันนั้น — type that day.")
    name_th: str | None = strawberry.field(description="ชื่อ อปท. ในวันนั้น — Thai name that day.")
    name_en: str | None = strawberry.field(description="English name that day, where known.")
    merger: LaoMerger | None = strawberry.field(
        description="การรวม — the merger, when the LAO had been absorbed by that day (its "
        "values are then those it last had)."
    )
    # Data, not a resolver: the planned path reads it off the object as the resolvers do.
    merged: bool = strawberry.field(
        description="ถูกรวมแล้ว — whether the LAO had been merged into another."
    )
    # The successor's id (`mergedInto`, which the planned path reads by id:
    # `schema.shapes.OBJECTS_BY_ID`).
    merged_into_id: strawberry.Private[int | None]

    @strawberry.field(description="รวมเข้ากับ — the successor it had been merged into, if any.")
    async def merged_into(self, info: Info) -> Annotated[Lao, strawberry.lazy("schema.lao")] | None:
        return await _lao(info, self.merged_into_id) if self.merged_into_id is not None else None


async def name_periods(info: Info, lao_id: int) -> list[LaoNamePeriod]:
    rows = await info.context.loaders.names_of_lao.load(lao_id)
    return [LaoNamePeriod(**shapes.NAME_PERIOD.python_values(r)) for r in rows]


async def lao_as_of(lao: Any, loaders: Loaders, now: dt.datetime, date: dt.date) -> LaoAsOf:
    """`Lao.asOf`: the LAO `lao` (its `id` and current names `name_th`, `name_en`) as it
    stood on `date`, through the request's DataLoaders; the resolver calls it, and the
    planned path for every LAO of an answer at once (`schema.root.LOADED_FIELDS`). `now`
    is unused: every loaded field takes it."""
    lao_id, on = lao.id, date
    codes = [
        Period(r.code, r.valid_from, r.valid_to) for r in await loaders.codes_of_lao.load(lao_id)
    ]
    types = [
        Period(r.type, r.valid_from, r.valid_to) for r in await loaders.types_of_lao.load(lao_id)
    ]
    stored = [
        Period((r.name_th, r.name_en), r.valid_from, r.valid_to)
        for r in await loaders.names_of_lao.load(lao_id)
    ]
    current = (lao.name_th, lao.name_en)
    names = rules.names_or_current(stored, current, rules.history_start(codes, types))
    row = await loaders.merger_of_lao.load(lao_id)
    merger = merger_of_row(row) if row is not None and row.effective_on <= on else None
    lao_type = rules.value_as_of(types, on)
    name = rules.value_as_of(names, on)
    return LaoAsOf(
        date=on,
        code=rules.value_as_of(codes, on),
        type=lao_type.name if lao_type is not None else None,
        name_th=name[0] if name is not None else None,
        name_en=name[1] if name is not None else None,
        merger=merger,
        merged=merger is not None,
        merged_into_id=merger.successor_id if merger is not None else None,
    )


async def merged_into(info: Info, lao_id: int) -> LaoMerger | None:
    row = await info.context.loaders.merger_of_lao.load(lao_id)
    return merger_of_row(row) if row is not None else None


async def absorbed(info: Info, lao_id: int) -> list[LaoMerger]:
    return [merger_of_row(r) for r in await info.context.loaders.mergers_into_lao.load(lao_id)]
