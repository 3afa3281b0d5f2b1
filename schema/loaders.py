"""Per-request DataLoaders: one SQL statement per batch, however many rows a query returns.

A `Loaders` instance is created for every GraphQL request and never shared across requests,
so nothing cached here outlives the request that loaded it. Loaders that return LAO-year
data apply the caller's row filter (`hub.db.visibility`) in SQL. `area_figures` loads an
area's yearly figures (certification progress, LPA scores, KPI-16 coverage): each comes
from one grouped statement covering every area of its level (`hub.db.rollups`,
`hub.db.kpi16`), computed once per (level, year, as of) however many areas a query asks
about, so `provinces { stats(...) }` costs the same few statements as one province.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.dataloader import DataLoader

from hub.db import kpi16, rollups
from hub.db.models import (
    RECORD_TABLES,
    SECTION_TABLES,
    Agency,
    CertificationEvent,
    CompletenessChange,
    District,
    FiscalYear,
    Kpi16Round,
    Lao,
    LaoCode,
    LaoContact,
    LaoMission,
    LaoMissionEvent,
    LaoTypePeriod,
    LaoYear,
    Mission,
    Province,
    Subdistrict,
    User,
    Village,
)
from hub.db.visibility import visible_lao_years_clause
from hub.rules.enums import Breakdown, CertificationState
from hub.rules.identity import Identity
from hub.rules.kpi16 import Coverage

CHUNK = 5000  # keys per IN list: far below every driver's bind-parameter limit


async def fetch_all(engine: AsyncEngine, statement: Any) -> Sequence[Row[Any]]:
    async with engine.connect() as conn:
        return (await conn.execute(statement)).all()


def _chunks(keys: list[Any]) -> list[list[Any]]:
    return [keys[i : i + CHUNK] for i in range(0, len(keys), CHUNK)]


def one_per_key(
    engine: AsyncEngine, table: Any, key: Any, *where: ColumnElement[bool]
) -> DataLoader[Any, Row[Any] | None]:
    """Loads the row whose `key` column equals each key (None when there is none)."""
    columns = table.__table__.c if hasattr(table, "__table__") else table.c

    async def load(keys: list[Any]) -> list[Row[Any] | None]:
        found: dict[Any, Row[Any]] = {}
        for chunk in _chunks(keys):
            statement = select(*columns).where(key.in_(chunk), *where)
            for row in await fetch_all(engine, statement):
                found[row._mapping[key.key]] = row
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def many_per_key(
    engine: AsyncEngine,
    table: Any,
    key: Any,
    *where: ColumnElement[bool],
    order_by: Sequence[Any] = (),
    base: Any = None,
) -> DataLoader[Any, list[Row[Any]]]:
    """Loads, for each key, the rows whose `key` column equals it, in `order_by` order.

    `base` replaces the plain `SELECT table.*` when a join is needed.
    """
    columns = table.__table__.c if hasattr(table, "__table__") else table.c

    async def load(keys: list[Any]) -> list[list[Row[Any]]]:
        groups: dict[Any, list[Row[Any]]] = defaultdict(list)
        for chunk in _chunks(keys):
            statement: Any = base if base is not None else select(*columns)
            statement = statement.where(key.in_(chunk), *where).order_by(*order_by)
            for row in await fetch_all(engine, statement):
                groups[row._mapping[key.key]].append(row)
        return [groups.get(k, []) for k in keys]

    return DataLoader(load_fn=load)


@dataclass(frozen=True)
class AreaFigures:
    """One area's figures for a fiscal year, as the roll-up statements give them."""

    progress: dict[CertificationState, int]  # LAOs per certification state now
    scores: dict[int, int]  # LAOs per provisional LPA score as of the date
    kpi16_round_no: int | None  # the year's latest KPI-16 round (None: the year has none)
    coverage: Coverage | None  # the area's coverage in that round (None: no references)


# (level, fiscal year, as of, area id: None for the nation)
AreaKey = tuple[Breakdown, int, dt.datetime, int | None]


async def _figures(
    engine: AsyncEngine, level: Breakdown, year: int, as_of: dt.datetime
) -> dict[int | None, AreaFigures]:
    """Every area of `level` that has LAOs, in the few grouped statements of the roll-ups."""
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
    return {
        key: AreaFigures(
            progress=counts,
            scores=scores.get(key, {}),
            kpi16_round_no=round_row.round_no if round_row else None,
            coverage=coverage.get(key),
        )
        for key, counts in progress.items()
    }


def area_figures(engine: AsyncEngine) -> DataLoader[AreaKey, AreaFigures | None]:
    """An area's figures (None: the area has no LAO), each level computed once per request."""

    async def load(keys: list[AreaKey]) -> list[AreaFigures | None]:
        computed: dict[tuple[Breakdown, int, dt.datetime], dict[int | None, AreaFigures]] = {}
        for level, year, as_of, _ in keys:
            if (level, year, as_of) not in computed:
                computed[(level, year, as_of)] = await _figures(engine, level, year, as_of)
        return [computed[(level, year, as_of)].get(area) for level, year, as_of, area in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """Everything a request may batch-load, built lazily on first use."""

    def __init__(self, engine: AsyncEngine, identity: Identity) -> None:
        self.engine = engine
        self.identity = identity
        e = engine
        self.province = one_per_key(e, Province, Province.id)
        self.district = one_per_key(e, District, District.id)
        self.subdistrict = one_per_key(e, Subdistrict, Subdistrict.id)
        self.village = one_per_key(e, Village, Village.id)
        self.lao = one_per_key(e, Lao, Lao.id)
        self.agency = one_per_key(e, Agency, Agency.id)
        self.mission = one_per_key(e, Mission, Mission.id)
        self.districts_of_province = many_per_key(
            e, District, District.province_id, order_by=[District.code]
        )
        self.codes_of_lao = many_per_key(e, LaoCode, LaoCode.lao_id, order_by=[LaoCode.valid_from])
        self.types_of_lao = many_per_key(
            e, LaoTypePeriod, LaoTypePeriod.lao_id, order_by=[LaoTypePeriod.valid_from]
        )
        self.contacts_of_lao = many_per_key(
            e, LaoContact, LaoContact.lao_id, order_by=[LaoContact.kind, LaoContact.slot]
        )
        self.missions_of_lao = many_per_key(
            e, LaoMission, LaoMission.lao_id, order_by=[LaoMission.id]
        )
        self.events_of_lao_mission = many_per_key(
            e,
            LaoMissionEvent,
            LaoMissionEvent.lao_mission_id,
            order_by=[LaoMissionEvent.at, LaoMissionEvent.id],
        )
        self.villages_of_subdistrict = many_per_key(
            e, Village, Village.subdistrict_id, order_by=[Village.number]
        )
        self.fiscal_year = one_per_key(e, FiscalYear, FiscalYear.year_be)
        self.events_of_lao_year = many_per_key(
            e,
            CertificationEvent,
            CertificationEvent.lao_year_id,
            order_by=[CertificationEvent.at, CertificationEvent.id],
            base=select(
                *CertificationEvent.__table__.c, User.display_name.label("actor_display_name")
            ).outerjoin(User, User.id == CertificationEvent.actor_user_id),
        )
        self.completeness_of_lao_year = many_per_key(
            e,
            CompletenessChange,
            CompletenessChange.lao_year_id,
            order_by=[CompletenessChange.at, CompletenessChange.id],
        )
        self.area_figures = area_figures(e)
        self.lao_year = self._visible_lao_year()
        self.years_of_lao = self._visible_years_of_lao()
        self.sections: dict[int, DataLoader[int, Row[Any] | None]] = {
            n: one_per_key(e, table, table.c.lao_year_id) for n, table in SECTION_TABLES.items()
        }
        self.records: dict[str, DataLoader[int, list[Row[Any]]]] = {
            name: many_per_key(
                e, table, table.c.lao_year_id, table.c.retired_on.is_(None), order_by=[table.c.id]
            )
            for name, table in RECORD_TABLES.items()
        }

    def _visible_lao_year(self) -> DataLoader[tuple[int, int], Row[Any] | None]:
        """(lao_id, fiscal_year) → the LAO-year if the caller may see its domain data."""
        visible = visible_lao_years_clause(self.identity)

        async def load(keys: list[tuple[int, int]]) -> list[Row[Any] | None]:
            found: dict[tuple[int, int], Row[Any]] = {}
            for chunk in _chunks(keys):
                statement = (
                    select(*LaoYear.__table__.c)
                    .join(Lao, Lao.id == LaoYear.lao_id)
                    .where(tuple_(LaoYear.lao_id, LaoYear.fiscal_year).in_(chunk), visible)
                )
                for row in await fetch_all(self.engine, statement):
                    found[(row.lao_id, row.fiscal_year)] = row
            return [found.get(k) for k in keys]

        return DataLoader(load_fn=load)

    def _visible_years_of_lao(self) -> DataLoader[int, list[Row[Any]]]:
        visible = visible_lao_years_clause(self.identity)

        async def load(keys: list[int]) -> list[list[Row[Any]]]:
            groups: dict[int, list[Row[Any]]] = defaultdict(list)
            for chunk in _chunks(keys):
                statement = (
                    select(*LaoYear.__table__.c)
                    .join(Lao, Lao.id == LaoYear.lao_id)
                    .where(LaoYear.lao_id.in_(chunk), visible)
                    .order_by(LaoYear.fiscal_year.desc())
                )
                for row in await fetch_all(self.engine, statement):
                    groups[row.lao_id].append(row)
            return [groups.get(k, []) for k in keys]

        return DataLoader(load_fn=load)
