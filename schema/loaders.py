"""Per-request DataLoaders: one SQL statement per batch, however many rows a query returns.

A `Loaders` instance is created for every GraphQL request and never shared across requests,
so nothing cached here outlives the request that loaded it. Loaders that return LAO-year
data apply the caller's row filter (`hub.db.visibility`) in SQL. `area_progress`,
`area_scores` and `area_kpi16` load an area's yearly figures (certification progress, LPA
scores, KPI-16 coverage), each only when selected: each comes from one grouped statement
covering every area of its level (`hub.db.rollups`, `hub.db.kpi16`), computed once per
(level, year[, as of]) however many areas a query asks about, so `provinces { stats(...) }`
costs the same few statements as one province. `lpa_figures` does the same for an area's
LPA report (`hub.db.lpa`); `rubrics`, `deadlines`, `final_scores` and `final_history` batch
what an LAO-year's LPA scores need. `round_standings` judges every LAO of a list in a round
(`hub.db.rounds`) once per (round, as of, row filter, area), shared by every field of a
request that asks for the same list.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from strawberry.dataloader import DataLoader

from hub.db import kpi16, kpi16_counts, rollups
from hub.db import lpa as lpa_sql
from hub.db import rounds as round_reads
from hub.db.actors import help_message_author
from hub.db.grants import placed_grants
from hub.db.kpi16 import CandidateRecord
from hub.db.models import (
    RECORD_TABLES,
    SECTION_TABLES,
    AccountCode,
    Agency,
    CertificationEvent,
    CompletenessChange,
    District,
    FiscalYear,
    HistoricalSection,
    Kpi16Round,
    Lao,
    LaoCode,
    LaoContact,
    LaoMerger,
    LaoMission,
    LaoMissionEvent,
    LaoNamePeriod,
    LaoTypePeriod,
    LaoYear,
    LpaAssessment,
    LpaAssessmentRevision,
    Mission,
    MissionHelpMessage,
    MissionHelpRequest,
    Province,
    PulledBatch,
    PulledValue,
    RoleAssignment,
    Round,
    Subdistrict,
    User,
    Village,
)
from hub.db.rounds import RoundInfo, Standing
from hub.db.visibility import visible_lao_years_clause
from hub.rules import lpa
from hub.rules.enums import Breakdown, CertificationState, RoundKind
from hub.rules.identity import Identity
from hub.rules.kpi16 import Coverage

CHUNK = 5000  # keys per IN list: far below every driver's bind-parameter limit


async def fetch_all(engine: AsyncEngine | AsyncConnection, statement: Any) -> Sequence[Row[Any]]:
    """The statement's rows, over `engine` or a connection the caller holds."""
    if isinstance(engine, AsyncConnection):
        return (await engine.execute(statement)).all()
    async with engine.connect() as conn:
        return (await conn.execute(statement)).all()


async def find_lao(engine: AsyncEngine, code: str) -> Row[Any] | None:
    """The LAO whose current code is `code`, else the one that held it last (a former code
    finds the LAO that held it): `Query.lao` and whatever else names an LAO by its code."""
    columns = Lao.__table__.c
    rows = await fetch_all(engine, select(*columns).where(Lao.code == code))
    if not rows:
        former = (
            select(*columns)
            .join(LaoCode, LaoCode.lao_id == Lao.id)
            .where(LaoCode.code == code)
            .order_by(LaoCode.valid_from.desc())
            .limit(1)
        )
        rows = await fetch_all(engine, former)
    return rows[0] if rows else None


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


def batch_loader(
    engine: AsyncEngine,
    load: Callable[[AsyncConnection, list[Any]], Awaitable[dict[Any, Any]]],
    missing: Any,
) -> DataLoader[Any, Any]:
    """A DataLoader over a batch function `load(conn, keys) → {key: data}` (`missing` for a
    key it has none for): the function the planned path calls for the same data
    (`schema.shapes.Batched`)."""

    async def load_fn(keys: list[Any]) -> list[Any]:
        async with engine.connect() as conn:
            found = await load(conn, list(keys))
        return [found.get(k, missing) for k in keys]

    return DataLoader(load_fn=load_fn)


async def grants_by_user(conn: AsyncConnection, user_ids: list[int]) -> dict[int, list[Row[Any]]]:
    """Every grant of each user, live and revoked, oldest first, with its places
    (`hub.db.grants.placed_grants`)."""
    groups: dict[int, list[Row[Any]]] = defaultdict(list)
    for chunk in _chunks(sorted(set(user_ids))):
        statement = placed_grants().where(RoleAssignment.user_id.in_(chunk))
        for row in (await conn.execute(statement)).all():
            groups[row.user_id].append(row)
    return groups


async def open_code_by_user(conn: AsyncConnection, user_ids: list[int]) -> dict[int, Row[Any]]:
    """The code waiting to be used of each user that has one (at most one: a new code
    revokes the older); expired ones included (the reader compares with its moment)."""
    found: dict[int, Row[Any]] = {}
    for chunk in _chunks(sorted(set(user_ids))):
        statement = select(*AccountCode.__table__.c).where(
            AccountCode.user_id.in_(chunk),
            AccountCode.used_at.is_(None),
            AccountCode.revoked_at.is_(None),
        )
        for row in (await conn.execute(statement)).all():
            found[row.user_id] = row
    return found


class WholeTable:
    """A reference table small enough to read whole (the 77 provinces), read at most once a
    request: the first load reads every row in one statement and every later load, from any
    branch of the query, awaits that same read.

    Why not a `one_per_key` loader: two branches of a query that reach it at different
    moments (a round's area provinces and its standings' LAO provinces) batch together only
    when both arrive in the same turn of the event loop; otherwise each costs a statement, so
    the count depended on timing. Here it is one statement whatever the timing.
    """

    def __init__(self, engine: AsyncEngine, table: Any) -> None:
        self._engine = engine
        self._columns = table.__table__.c
        self._reading: asyncio.Future[Sequence[Row[Any]]] | None = None
        self._indexes: dict[str, dict[Any, Row[Any]]] = {}

    async def _index(self, key: str) -> dict[Any, Row[Any]]:
        if self._reading is None:
            self._reading = asyncio.ensure_future(fetch_all(self._engine, select(*self._columns)))
        # Shielded: a cancelled caller must not cancel the read other branches await.
        rows = await asyncio.shield(self._reading)
        index = self._indexes.get(key)
        if index is None:
            index = self._indexes[key] = {row._mapping[key]: row for row in rows}
        return index

    def by(self, key: Any) -> _WholeTableKey:
        """Loads by the column `key` (`load`, `load_many`, as a DataLoader would)."""
        return _WholeTableKey(self, key.key)


@dataclass(frozen=True)
class _WholeTableKey:
    table: WholeTable
    key: str

    async def load(self, value: Any) -> Row[Any] | None:
        return (await self.table._index(self.key)).get(value)

    async def load_many(self, values: Sequence[Any]) -> list[Row[Any] | None]:
        index = await self.table._index(self.key)
        return [index.get(v) for v in values]


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


# (level, fiscal year, area id: None for the nation); LPA scores also need the "as of" moment.
AreaKey = tuple[Breakdown, int, int | None]
ScoresKey = tuple[Breakdown, int, dt.datetime, int | None]


@dataclass(frozen=True)
class Kpi16Figures:
    """An area's KPI-16 coverage in the year's latest round."""

    round_no: int  # the round
    coverage: Coverage | None  # the area's coverage in it (None: no references)


def _per_level(
    compute: Callable[[AsyncConnection, tuple[Any, ...]], Awaitable[dict[int | None, Any]]],
    engine: AsyncEngine,
) -> DataLoader[tuple[Any, ...], Any]:
    """Keys are (…level arguments, area id): each level's figures computed once per request,
    by one call of `compute` for every area of the level at once."""

    async def load(keys: list[tuple[Any, ...]]) -> list[Any]:
        computed: dict[tuple[Any, ...], dict[int | None, Any]] = {}
        for key in keys:
            level = key[:-1]
            if level not in computed:
                async with engine.connect() as conn:
                    computed[level] = await compute(conn, level)
        return [computed[key[:-1]].get(key[-1]) for key in keys]

    return DataLoader(load_fn=load)


# (level, LPA year, as of, area id: None for the nation)
LpaKey = tuple[Breakdown, int, dt.datetime, int | None]


async def lpa_counts_by_area(
    conn: AsyncConnection, level: Breakdown, lpa_year: int, as_of: dt.datetime
) -> dict[int | None, lpa_sql.LpaCounts]:
    """Every area of `level`'s LPA counts (an area without LAOs absent): the resolvers'
    `lpa_figures` and the planned path (`schema.plan_stats`) both compute them here."""
    year = lpa.fiscal_year_assessed(lpa_year)
    deadlines = (await lpa_sql.certification_deadlines(conn, [year]))[year]
    return await lpa_sql.lpa_figures(conn, lpa_year, as_of, deadlines, by=level)


async def _lpa_figures(
    engine: AsyncEngine, level: Breakdown, lpa_year: int, as_of: dt.datetime
) -> dict[int | None, lpa_sql.LpaCounts]:
    async with engine.connect() as conn:
        return await lpa_counts_by_area(conn, level, lpa_year, as_of)


def lpa_figures(engine: AsyncEngine) -> DataLoader[LpaKey, lpa_sql.LpaCounts | None]:
    """An area's LPA counts (None: the area has no LAO), each level computed once per request
    (one statement, `hub.db.lpa.lpa_figures`)."""

    async def load(keys: list[LpaKey]) -> list[lpa_sql.LpaCounts | None]:
        computed: dict[tuple[Breakdown, int, dt.datetime], dict[int | None, Any]] = {}
        for level, year, as_of, _ in keys:
            if (level, year, as_of) not in computed:
                computed[(level, year, as_of)] = await _lpa_figures(engine, level, year, as_of)
        return [computed[(level, year, as_of)].get(area) for level, year, as_of, area in keys]

    return DataLoader(load_fn=load)


def rubrics(engine: AsyncEngine) -> DataLoader[int, tuple[int, lpa.Rubric]]:
    """LPA year → (version, rubric) in force for it; every version read in one statement."""

    async def load(keys: list[int]) -> list[tuple[int, lpa.Rubric]]:
        async with engine.connect() as conn:
            stored = await lpa_sql.stored_rubrics(conn)
        return [lpa.rubric_in_force(stored, year) for year in keys]

    return DataLoader(load_fn=load)


def deadlines(engine: AsyncEngine) -> DataLoader[int, lpa.Deadlines]:
    """Fiscal year → the deadlines its LAO certification is judged against (one statement)."""

    async def load(keys: list[int]) -> list[lpa.Deadlines]:
        async with engine.connect() as conn:
            found = await lpa_sql.certification_deadlines(conn, keys)
        return [found[year] for year in keys]

    return DataLoader(load_fn=load)


_REVISION_COLUMNS = (
    *LpaAssessmentRevision.__table__.c,
    LpaAssessment.lao_year_id,
    LpaAssessment.lpa_year_be,
)


def final_scores(engine: AsyncEngine) -> DataLoader[tuple[int, int, dt.datetime], Row[Any] | None]:
    """(LAO-year id, LPA year, as of) → the final-score revision in force then (None: none
    recorded by then); one statement per distinct (LPA year, as of)."""

    async def load(keys: list[tuple[int, int, dt.datetime]]) -> list[Row[Any] | None]:
        found: dict[tuple[int, int, dt.datetime], Row[Any]] = {}
        groups: dict[tuple[int, dt.datetime], list[int]] = defaultdict(list)
        for lao_year_id, year, as_of in keys:
            groups[(year, as_of)].append(lao_year_id)
        for (year, as_of), ids in groups.items():
            for chunk in _chunks(sorted(set(ids))):
                statement = (
                    select(*_REVISION_COLUMNS)
                    .join(LpaAssessment, LpaAssessment.id == LpaAssessmentRevision.assessment_id)
                    .where(
                        LpaAssessment.lao_year_id.in_(chunk),
                        LpaAssessment.lpa_year_be == year,
                        LpaAssessmentRevision.assessed_at <= lpa.utc(as_of),
                    )
                    .order_by(LpaAssessmentRevision.assessed_at, LpaAssessmentRevision.id)
                )
                for row in await fetch_all(engine, statement):
                    found[(row.lao_year_id, year, as_of)] = row  # the latest wins
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


async def progress_by_area(
    conn: AsyncConnection, level: tuple[Any, ...]
) -> dict[int | None, dict[CertificationState, int]]:
    by, year = level
    return await rollups.certification_progress(conn, year, by=by)


async def scores_by_area(conn: AsyncConnection, level: tuple[Any, ...]) -> dict[int | None, Any]:
    by, year, as_of = level
    # The rubric in force for the LPA year assessing `year` gives the scores, highest first.
    stored = await lpa_sql.stored_rubrics(conn)
    _, rubric = lpa.rubric_in_force(stored, lpa.lpa_year_assessing(year))
    return await rollups.lpa_distribution(conn, year, as_of, by=by, rubric=rubric)


async def kpi16_by_area(conn: AsyncConnection, level: tuple[Any, ...]) -> dict[int | None, Any]:
    by, year = level
    round_row = (
        await conn.execute(
            select(Kpi16Round.id, Kpi16Round.round_no)
            .where(Kpi16Round.fiscal_year == year)
            .order_by(Kpi16Round.round_no.desc())
            .limit(1)
        )
    ).first()
    if round_row is None:
        return {}
    coverage = await kpi16_counts.coverage(conn, round_row.id, by=by)
    return {key: Kpi16Figures(round_row.round_no, cov) for key, cov in coverage.items()}


# (round id, as of, only the LAO-years the caller may see, province id, district id)
StandingsKey = tuple[int, dt.datetime, bool, int | None, int | None]


def rounds_by_id(engine: AsyncEngine) -> DataLoader[int, RoundInfo | None]:
    """Round id → the round with its provinces' deadlines (two statements a batch)."""

    async def load(ids: list[int]) -> list[RoundInfo | None]:
        async with engine.connect() as conn:
            found = {r.id: r for r in await round_reads.load_rounds(conn, Round.id.in_(set(ids)))}
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def round_standings(
    engine: AsyncEngine, identity: Identity, rounds: DataLoader[int, RoundInfo | None]
) -> DataLoader[StandingsKey, list[Standing] | None]:
    """Each LAO's standing in a round (`hub.db.rounds.standings`), for every LAO or only the
    LAO-years the caller may see, in the whole country or a province or district: one
    statement per distinct key (None: no such round)."""

    async def load(keys: list[StandingsKey]) -> list[list[Standing] | None]:
        found = await rounds.load_many([k[0] for k in keys])
        result: list[list[Standing] | None] = []
        async with engine.connect() as conn:
            for round_, (_, as_of, visible, province_id, district_id) in zip(
                found, keys, strict=True
            ):
                if round_ is None:
                    result.append(None)
                    continue
                where: list[ColumnElement[bool]] = []
                if visible and round_.kind is RoundKind.INFO:
                    where.append(visible_lao_years_clause(identity))
                if province_id is not None:
                    where.append(Lao.province_id == province_id)
                if district_id is not None:
                    where.append(Lao.district_id == district_id)
                result.append(await round_reads.standings(conn, round_, as_of, *where))
        return result

    return DataLoader(load_fn=load)


def info_round_of_year(engine: AsyncEngine) -> DataLoader[int, RoundInfo | None]:
    """Fiscal year → its INFO round, with the provinces' deadlines (two statements)."""

    async def load(years: list[int]) -> list[RoundInfo | None]:
        async with engine.connect() as conn:
            found = {
                r.fiscal_year: r
                for r in await round_reads.load_rounds(
                    conn, Round.kind == RoundKind.INFO, Round.fiscal_year.in_(set(years))
                )
            }
        return [found.get(y) for y in years]

    return DataLoader(load_fn=load)


class Loaders:
    """Everything a request may batch-load, built lazily on first use."""

    def __init__(self, engine: AsyncEngine, identity: Identity) -> None:
        self.engine = engine
        self.identity = identity
        e = engine
        self.provinces = WholeTable(e, Province)
        self.province = self.provinces.by(Province.id)
        self.district = one_per_key(e, District, District.id)
        self.subdistrict = one_per_key(e, Subdistrict, Subdistrict.id)
        self.village = one_per_key(e, Village, Village.id)
        self.lao = one_per_key(e, Lao, Lao.id)
        self.fiscal_year = one_per_key(e, FiscalYear, FiscalYear.year_be)
        self.agency = one_per_key(e, Agency, Agency.id)
        self.mission = one_per_key(e, Mission, Mission.id)
        self.lao_mission = one_per_key(e, LaoMission, LaoMission.id)
        self.districts_of_province = many_per_key(
            e, District, District.province_id, order_by=[District.code]
        )
        self.codes_of_lao = many_per_key(e, LaoCode, LaoCode.lao_id, order_by=[LaoCode.valid_from])
        self.types_of_lao = many_per_key(
            e, LaoTypePeriod, LaoTypePeriod.lao_id, order_by=[LaoTypePeriod.valid_from]
        )
        self.names_of_lao = many_per_key(
            e, LaoNamePeriod, LaoNamePeriod.lao_id, order_by=[LaoNamePeriod.valid_from]
        )
        # A merger, by the LAO absorbed (at most one) and by its successor (any number).
        self.merger_of_lao = one_per_key(e, LaoMerger, LaoMerger.lao_id)
        self.mergers_into_lao = many_per_key(
            e, LaoMerger, LaoMerger.successor_id, order_by=[LaoMerger.effective_on, LaoMerger.id]
        )
        self.subdistricts_of_district = many_per_key(
            e, Subdistrict, Subdistrict.district_id, order_by=[Subdistrict.code]
        )
        self.contacts_of_lao = many_per_key(
            e, LaoContact, LaoContact.lao_id, order_by=[LaoContact.kind, LaoContact.slot]
        )
        self.missions_of_lao = many_per_key(
            e, LaoMission, LaoMission.lao_id, order_by=[LaoMission.id]
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
        self.events_of_mission = many_per_key(
            e,
            LaoMissionEvent,
            LaoMissionEvent.lao_mission_id,
            order_by=[LaoMissionEvent.at, LaoMissionEvent.id],
            base=select(
                *LaoMissionEvent.__table__.c, User.display_name.label("actor_display_name")
            ).outerjoin(User, User.id == LaoMissionEvent.actor_user_id),
        )
        self.help_requests_of_record = many_per_key(
            e,
            MissionHelpRequest,
            MissionHelpRequest.lao_mission_id,
            order_by=[MissionHelpRequest.id],
        )
        self.help_messages = many_per_key(
            e,
            MissionHelpMessage,
            MissionHelpMessage.request_id,
            order_by=[MissionHelpMessage.at, MissionHelpMessage.id],
            base=select(
                *MissionHelpMessage.__table__.c,
                help_message_author(MissionHelpMessage.__table__).label("author_name"),
            ),
        )
        self.kpi16_candidates = self._kpi16_candidates()
        # Accounts: every grant of a user (live and revoked) with its places, and the code
        # waiting to be used (at most one: a new code revokes the older).
        self.grants_of_user = batch_loader(e, grants_by_user, ())
        self.open_code_of_user = batch_loader(e, open_code_by_user, None)
        # An area's yearly figures, each only when a query selects it (the LPA scores and
        # the KPI-16 coverage cost ten times the certification counts).
        self.area_progress = _per_level(progress_by_area, e)
        self.area_scores = _per_level(scores_by_area, e)
        self.area_kpi16 = _per_level(kpi16_by_area, e)
        self.lpa_figures = lpa_figures(e)
        self.rubrics = rubrics(e)
        self.deadlines = deadlines(e)
        self.final_scores = final_scores(e)
        self.final_history = many_per_key(
            e,
            LpaAssessmentRevision,
            LpaAssessment.lao_year_id,
            order_by=[LpaAssessment.lpa_year_be, LpaAssessmentRevision.version],
            base=select(*_REVISION_COLUMNS).join(
                LpaAssessment, LpaAssessment.id == LpaAssessmentRevision.assessment_id
            ),
        )
        self.province_by_code = self.provinces.by(Province.code)
        self.district_by_code = one_per_key(e, District, District.code)
        self.info_round = info_round_of_year(e)
        self.round = rounds_by_id(e)
        self.round_standings = round_standings(e, identity, self.round)
        self.lao_year = self._visible_lao_year()
        self.years_of_lao = self._visible_years_of_lao()
        self.historical_sections = many_per_key(
            e, HistoricalSection, HistoricalSection.lao_year_id, order_by=[HistoricalSection.domain]
        )
        self.sections: dict[int, DataLoader[int, Row[Any] | None]] = {
            n: one_per_key(e, table, table.c.lao_year_id) for n, table in SECTION_TABLES.items()
        }
        # Where each pulled value of an LAO-year came from (`Section.pulled`).
        self.pulled_values = many_per_key(
            e,
            PulledValue,
            PulledValue.lao_year_id,
            order_by=[PulledValue.field],
            base=select(*PulledValue.__table__.c, PulledBatch.batch, PulledBatch.delivered_at).join(
                PulledBatch, PulledBatch.id == PulledValue.batch_id
            ),
        )
        self.records: dict[str, DataLoader[int, list[Row[Any]]]] = {
            name: many_per_key(
                e, table, table.c.lao_year_id, table.c.retired_on.is_(None), order_by=[table.c.id]
            )
            for name, table in RECORD_TABLES.items()
        }

    def _kpi16_candidates(self) -> DataLoader[str, list[CandidateRecord]]:
        """A reference code → every water-supply record carrying it (`hub.db.kpi16`)."""

        async def load(codes: list[str]) -> list[list[CandidateRecord]]:
            found: dict[str, list[CandidateRecord]] = {}
            async with self.engine.connect() as conn:
                for chunk in _chunks(codes):
                    found.update(await kpi16.candidates(conn, chunk, self.identity))
            return [found.get(code, []) for code in codes]

        return DataLoader(load_fn=load)

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
