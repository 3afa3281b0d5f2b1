"""Per-request DataLoaders: one SQL statement per batch, however many rows a query returns.

A `Loaders` instance is created for every GraphQL request (see `hub.app`) and never shared
across requests, so nothing cached here outlives the request that loaded it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.dataloader import DataLoader

from hub.models import District, Lao, Province, Subdistrict

T = TypeVar("T")


async def fetch_all(engine: AsyncEngine, statement: Any) -> Sequence[Any]:
    async with engine.connect() as conn:
        return (await conn.execute(statement)).all()


def _by_id(engine: AsyncEngine, model: Any) -> DataLoader[int, Any]:
    async def load(ids: list[int]) -> list[Any]:
        rows = await fetch_all(engine, select(model).where(model.id.in_(ids)))
        found = {row[0].id: row[0] for row in rows}
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _grouped(
    engine: AsyncEngine, model: Any, column: str, order: Callable[[Any], Any]
) -> DataLoader[int, list[Any]]:
    async def load(keys: list[int]) -> list[list[Any]]:
        key_column = getattr(model, column)
        rows = await fetch_all(
            engine, select(model).where(key_column.in_(keys)).order_by(order(model))
        )
        groups: dict[int, list[Any]] = defaultdict(list)
        for (obj,) in rows:
            groups[getattr(obj, column)].append(obj)
        return [groups.get(k, []) for k in keys]

    return DataLoader(load_fn=load)


@dataclass
class Loaders:
    engine: AsyncEngine
    province: DataLoader[int, Province | None] = field(init=False)
    district: DataLoader[int, District | None] = field(init=False)
    subdistrict: DataLoader[int, Subdistrict | None] = field(init=False)
    districts_of_province: DataLoader[int, list[District]] = field(init=False)
    laos_of_district: DataLoader[int, list[Lao]] = field(init=False)

    def __post_init__(self) -> None:
        self.province = _by_id(self.engine, Province)
        self.district = _by_id(self.engine, District)
        self.subdistrict = _by_id(self.engine, Subdistrict)
        self.districts_of_province = _grouped(
            self.engine, District, "province_id", lambda m: m.code
        )
        self.laos_of_district = _grouped(self.engine, Lao, "district_id", lambda m: m.code)
