"""The deterministic demo dataset: every LAO of Thailand with three fiscal years of data.

`load_demo(engine, DemoConfig())` fills a migrated database with ~800,000 rows: villages,
7,850 LAOs with codes, types and contacts, three fiscal years (two closed, one open) of
certification state and history, the 8 domain sections, water-supply systems and tourist


Everything is derived from `random.Random` seeded from `DemoConfig.seed` (no clock, no
system randomness), so two loads give identical rows. Rows are inserted with SQLAlchemy Core
executemany in chunks, with primary keys assigned here, in one transaction. The config's
fingerprint is kept in `hub_meta` ("demo_dataset"): loading the same dataset again is a
no-op, a different one needs `replace=True`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import queue
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, delete, func, insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db import certification_counts, kpi16_counts, lpa_tallies
from hub.db.engine import analyze
from hub.db.models import (
    RECORD_TABLES,
    SECTION_TABLES,
    CertificationCount,
    District,
    FiscalYear,
    HubMeta,
    Kpi16Count,
    Kpi16Reference,
    Kpi16Round,
    LpaTally,
    LpaTallyNow,
    Province,
    Subdistrict,
    metadata,
)
from hub.rules.enums import LaoType
from hub.services import audit, provenance, read_audit
from loaders import (
    demo_accounts,
    demo_laos,
    demo_lpa,
    demo_missions,
    demo_records,
    demo_rounds,
    demo_sections,
    demo_workflows,
)
from loaders.demo_accounts import DemoCredential
from loaders.demo_years import (
    ALL_DOMAINS,
    OPEN_YEAR_DAYS,
    fiscal_year_rows,
    fiscal_years,
    lao_years,
)
from loaders.geography import SHIPPED_GEOGRAPHY, load_shipped_geography
from loaders.provenance import log_geography

__all__ = [
    "GENERATOR_VERSION",
    "DemoConfig",
    "DemoCredential",
    "DemoError",
    "DemoReport",
    "format_credentials",
    "load_demo",
]

GENERATOR_VERSION = 5  # bump when the generated rows change, so a reload is detected
META_KEY = "demo_dataset"
GEOGRAPHY = frozenset({"provinces", "districts", "subdistricts"})
# Tables whose rows mean "this database already holds LAO data".
DATA_TABLES = ("laos", "villages", "fiscal_years", "lao_years", "agencies", "missions")
LOADED_AT = dt.datetime(2024, 9, 1, 2, 0, tzinfo=dt.UTC)  # created_at of catalogue rows
CHUNK = 5000  # rows per executemany
SQLITE_LOAD_CACHE_KIB = -262144  # negative: KiB (256 MiB) of page cache during the load
QUEUED_CHUNKS = 48  # how far generation may run ahead of the inserts


class DemoError(RuntimeError):
    """The database holds other data; the message says how to proceed."""


@dataclass(frozen=True)
class DemoConfig:
    seed: int = 2570
    provinces: int | None = None  # None: all 77; N: the first N provinces by DOPA code
    current_fiscal_year: int = 2570  # BE, the open year; the two before it are closed

    def fingerprint(self) -> str:
        return json.dumps(
            {
                "generator": GENERATOR_VERSION,
                "seed": self.seed,
                "provinces": self.provinces,
                "current_fiscal_year": self.current_fiscal_year,
            },
            sort_keys=True,
        )


@dataclass
class DemoReport:
    counts: dict[str, int] = field(default_factory=dict)  # rows per table
    skipped: bool = False  # the same dataset was already loaded
    credentials: list[DemoCredential] = field(default_factory=list)
    seconds: float = 0.0


def format_credentials(report: DemoReport) -> str:
    """The demo accounts as a plain-text table, for the CLI to print."""
    header = ("kind", "name", "secret", "role / scopes", "bound to")
    rows = [header] + [
        (c.kind, c.name, c.secret, c.role_or_scopes, c.bound_to) for c in report.credentials
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
             for r in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(
        "\npeople sign in through the client demo-portal (its secret above), redirect URI "
        f"{demo_accounts.PORTAL_REDIRECT_URIS.split()[0]}; accounts are issued, activated at "
        "/oauth/activate and managed through the API (README, 'Accounts')"
    )
    return "\n".join(lines)


Progress = Callable[[str], None]


def _no_progress(line: str) -> None:
    pass


async def load_demo(
    engine: AsyncEngine,
    config: DemoConfig = DemoConfig(),
    *,
    replace: bool = False,
    progress: Progress = _no_progress,
) -> DemoReport:
    """Load the demo dataset (schema must exist); see the module docstring.

    `progress` receives a line per stage as it ends (geography, then each table with its
    row count in load order, the ANALYZE, the commit), so a long load is never silent.
    """
    started = time.perf_counter()
    report = DemoReport()
    async with engine.begin() as conn:
        existing = (
            await conn.execute(select(HubMeta.value).where(HubMeta.key == META_KEY))
        ).scalar_one_or_none()
        if existing == config.fingerprint():
            report.skipped = True
            report.counts = await _table_counts(conn)
        else:
            occupied = [t for t in DATA_TABLES if await _count(conn, metadata.tables[t]) > 0]
            if (existing is not None or occupied) and not replace:
                what = f"demo dataset {existing}" if existing else "LAO data"
                raise DemoError(
                    f"the database already holds {what} (tables: {', '.join(occupied)}); "
                    "pass replace=True (hub demo load --replace) to delete it and load "
                    f"demo dataset {config.fingerprint()}"
                )
            if existing is not None or occupied:
                await _clear(conn)
                progress(f"demo: cleared the previous data ({_since(started)})")
            actor = audit.command_actor("demo load")
            if await _count(conn, Province.__table__) == 0:
                geography = await load_shipped_geography(conn)
                await log_geography(conn, actor, SHIPPED_GEOGRAPHY, geography)
                progress(f"demo: geography: {geography} ({_since(started)})")
            if conn.dialect.name == "sqlite":
                # A bulk load touches index pages all over; SQLite's default 2 MB page cache
                # makes it thrash. Enlarge it for this load, restore it afterwards.
                cache = (await conn.exec_driver_sql("PRAGMA cache_size")).scalar_one()
                await conn.exec_driver_sql(f"PRAGMA cache_size={SQLITE_LOAD_CACHE_KIB}")
                try:
                    report.counts = await _generate(conn, config, progress, started, actor)
                finally:
                    await conn.exec_driver_sql(f"PRAGMA cache_size={int(cache)}")
            else:
                report.counts = await _generate(conn, config, progress, started, actor)
            if conn.dialect.name == "postgresql":
                await _reset_sequences(conn, report.counts)
            progress(f"demo: analysing {len(report.counts) + len(GEOGRAPHY)} tables")
            await analyze(conn, [*report.counts, *GEOGRAPHY])
            # Written in bulk, the history is counted once, at the end: the records' KPI-16
            # matches, and the LPA rules of every LAO-year over time.
            rounds = (await conn.execute(select(Kpi16Round.id))).scalars()
            await kpi16_counts.rebuild(conn, list(rounds))
            years = list((await conn.execute(select(FiscalYear.year_be))).scalars())
            await lpa_tallies.rebuild(conn, years)
            await certification_counts.rebuild(conn, years)
            await analyze(
                conn,
                [
                    Kpi16Reference.__tablename__,
                    Kpi16Count.__tablename__,
                    LpaTally.__tablename__,
                    LpaTallyNow.__tablename__,
                    CertificationCount.__tablename__,
                ],
            )
            progress(f"demo: KPI-16 counts, LPA tallies, certification counts ({_since(started)})")
            progress(f"demo: committing ({_since(started)})")
        report.credentials = await demo_accounts.demo_credentials(conn, config.seed)
    report.seconds = time.perf_counter() - started
    if not report.skipped:
        progress(f"demo: committed ({_since(started)})")
    return report


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"


async def _count(conn: AsyncConnection, table: Table) -> int:
    return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def _existing_tables(conn: AsyncConnection) -> list[Table]:
    """The models' tables present in this database, parents first (a model may be newer
    than the database's migrations)."""
    names = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    return [t for t in metadata.sorted_tables if t.name in names]


async def _table_counts(conn: AsyncConnection) -> dict[str, int]:
    counts = {}
    for table in await _existing_tables(conn):
        if table.name not in GEOGRAPHY and table.name != "hub_meta":
            counts[table.name] = await _count(conn, table)
    return counts


async def _clear(conn: AsyncConnection) -> None:
    """Delete everything but geography, other hub_meta keys and alembic_version.

    The change log goes with the data, and so do its chains' heads (kept in hub_meta); so do
    the read audit and its head (it names the LAOs and people that go).
    """
    tables = [
        t
        for t in reversed(await _existing_tables(conn))
        if t.name not in GEOGRAPHY and t.name != "hub_meta"
    ]
    if conn.dialect.name == "postgresql":
        # One TRUNCATE: row-by-row DELETE checks every foreign key per row and takes minutes.
        preparer = conn.dialect.identifier_preparer
        await conn.execute(text("TRUNCATE " + ", ".join(preparer.quote(t.name) for t in tables)))
    else:
        for table in tables:
            await conn.execute(delete(table))
    meta = HubMeta.__table__
    await conn.execute(delete(meta).where(meta.c.key.in_([META_KEY, audit.HEAD_KEY])))
    # Every LAO's chain head too.
    await conn.execute(
        delete(meta).where(meta.c.key.startswith(f"{audit.HEAD_KEY}:", autoescape=True))
    )
    await conn.execute(read_audit.restart())


def _statement(conn: AsyncConnection, table: Table) -> Any:
    statement = insert(table)
    if conn.dialect.name == "postgresql":
        # asyncpg's executemany sends one row per Bind/Execute; RETURNING makes SQLAlchemy
        # batch rows into multi-row VALUES ("insertmanyvalues"): far fewer round trips.
        statement = statement.returning(*table.primary_key.columns)
    return statement


_DONE = object()


class _Stopped(Exception):
    """The consumer gave up (a database error): the generator thread stops."""


async def _generate(
    conn: AsyncConnection,
    config: DemoConfig,
    progress: Progress,
    started: float,
    actor: audit.Actor,
) -> dict[str, int]:
    """Generate rows in a thread while this coroutine inserts them, chunk by chunk.

    Generation is pure Python and deterministic (it reads nothing from the database once
    started), so running it beside the inserts only overlaps it with the database's work.
    The change log's entries for the section values are chained in the generator too
    (`audit.Chain`, from the head read here); the import's header entry follows them.
    """
    geo = await _select_geography(conn, config)
    chain = await audit.Chain.start(conn, actor)
    id_bases = {
        name: await _max_id(conn, metadata.tables[name])
        for name in ("users", "role_assignments", "api_clients")
    }
    chunks: queue.Queue[Any] = queue.Queue(maxsize=QUEUED_CHUNKS)
    stop = threading.Event()

    def emit(table: Table, rows: list[dict[str, Any]]) -> None:
        for start in range(0, max(len(rows), 1), CHUNK):
            item = (table, rows[start : start + CHUNK])
            while True:
                if stop.is_set():
                    raise _Stopped
                try:
                    chunks.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue

    def run() -> None:
        try:
            _produce(geo, config, id_bases, emit, chain)
            chunks.put(_DONE)
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the consumer, which re-raises it
            chunks.put(exc)

    loop = asyncio.get_running_loop()
    counts: dict[str, int] = {}
    statements: dict[str, Any] = {}
    thread = threading.Thread(target=run, name="demo-generator", daemon=True)
    thread.start()
    current: str | None = None  # the table being loaded; reported when the next one starts

    def finished(name: str | None) -> None:
        if name is not None:
            progress(f"demo: {name}: {counts[name]:,} rows ({_since(started)})")

    try:
        while True:
            item = await loop.run_in_executor(None, chunks.get)
            if item is _DONE:
                finished(current)
                break
            if isinstance(item, BaseException):
                raise item
            table, rows = item
            if table.name != current:
                finished(current)
                current = table.name
            counts[table.name] = counts.get(table.name, 0) + len(rows)
            if rows:
                if table.name not in statements:
                    statements[table.name] = _statement(conn, table)
                await conn.execute(statements[table.name], rows)
    finally:
        stop.set()
        await asyncio.to_thread(thread.join)
    await chain.finish(conn)
    await provenance.log_import(conn, actor, _demo_entry(config, counts))
    # The log also holds what came before this load (the geography's entry): count it all.
    counts["change_log"] = await _count(conn, metadata.tables["change_log"])
    # Reports are snapshots of the loaded figures: computed from the rows just inserted.
    counts["kpi16_reports"] = await demo_workflows.kpi16_reports(
        conn, fiscal_years(config.current_fiscal_year)[-2]
    )
    progress(f"demo: kpi16_reports: {counts['kpi16_reports']:,} rows ({_since(started)})")
    await conn.execute(insert(HubMeta), [{"key": META_KEY, "value": config.fingerprint()}])
    return counts


async def _max_id(conn: AsyncConnection, table: Table) -> int:
    return int((await conn.execute(select(func.max(table.c.id)))).scalar_one() or 0)


async def _select_geography(conn: AsyncConnection, config: DemoConfig) -> demo_laos.Geo:
    provinces = (
        await conn.execute(
            select(Province.id, Province.code, Province.name_th, Province.name_en).order_by(
                Province.code
            )
        )
    ).all()
    if config.provinces is not None:
        provinces = provinces[: config.provinces]
    wanted = {p.id for p in provinces}
    districts = [
        d
        for d in (
            await conn.execute(
                select(District.id, District.code, District.province_id, District.name_th).order_by(
                    District.code
                )
            )
        ).all()
        if d.province_id in wanted
    ]
    district_ids = {d.id for d in districts}
    subdistricts = [
        s
        for s in (
            await conn.execute(
                select(
                    Subdistrict.id,
                    Subdistrict.code,
                    Subdistrict.district_id,
                    Subdistrict.name_th,
                    Subdistrict.postcode,
                    Subdistrict.latitude,
                    Subdistrict.longitude,
                ).order_by(Subdistrict.code)
            )
        ).all()
        if s.district_id in district_ids
    ]
    return demo_laos.Geo(list(provinces), districts, subdistricts)


def _demo_entry(config: DemoConfig, counts: dict[str, int]) -> audit.Entry:
    """The demo load's header entry: its generator and seed (the "file" it reads) and rows."""
    fingerprint = config.fingerprint()
    return provenance.import_entry(
        "demo_load",
        source=f"demo dataset {fingerprint}",
        content_digest=provenance.digest(fingerprint.encode("utf-8")),
        rows={name: count for name, count in sorted(counts.items()) if name != "change_log"},
        reason="the deterministic demo dataset (loaders/demo.py)",
    )


def _demo_reason(config: DemoConfig) -> str:
    digest = provenance.digest(config.fingerprint().encode("utf-8"))
    return f"demo_load:{digest[:16]}"


def _pulled_rows(
    sections: dict[int, list[dict[str, Any]]], years: list[Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The demo's pulled values as delivered: a batch per source system and fiscal year."""
    from hub.rules.source_systems import SOURCE_SYSTEMS

    batches: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []
    for system in SOURCE_SYSTEMS:
        for year in years:
            batch_id = len(batches) + 1
            fetched = dt.datetime.combine(year.starts_on, dt.time(19, 0), dt.UTC)
            count = 0
            for d, f in system.fields:
                for row in sections.get(d.number, []):
                    if row.get(f.fetched_at_column or "") != fetched:
                        continue
                    count += 1
                    values.append(
                        {
                            "lao_year_id": row["lao_year_id"],
                            "field": f.name,
                            "source_system": system.code,
                            "fetched_at": fetched,
                            "batch_id": batch_id,
                        }
                    )
            batches.append(
                {
                    "id": batch_id,
                    "source_system": system.code,
                    "batch": f"demo-{year.year_be}",
                    "digest": provenance.digest(f"demo {system.code} {year.year_be}".encode()),
                    "delivered_at": fetched,
                    "values_count": count,
                    "changed_count": count,
                    "actor_user_id": None,
                    "actor_client_id": None,
                    "actor_name": "demo",
                    "log_entry_id": None,
                }
            )
    return batches, values


def _produce(
    geo: demo_laos.Geo,
    config: DemoConfig,
    id_bases: dict[str, int],
    emit: Callable[[Table, list[dict[str, Any]]], None],
    chain: audit.Chain,
) -> None:
    """Generate every demo row, handing each table's rows to `emit` in insert order."""
    seed = config.seed
    tables = metadata.tables

    def rng(stage: str) -> random.Random:
        return random.Random(f"{seed}:{stage}")

    villages, villages_of = demo_laos.village_rows(geo, rng("villages"))
    emit(tables["villages"], villages)
    del villages

    laos = demo_laos.allocate_laos(geo, villages_of, rng("laos"))
    for name, rows in demo_laos.lao_rows(laos, rng("lao-rows"), LOADED_AT).items():
        emit(tables[name], rows)

    # Missions first: their many rows keep the database busy while the years are generated.
    years = fiscal_years(config.current_fiscal_year)
    agencies = demo_missions.agency_rows()
    missions = demo_missions.mission_rows()
    demo_workflows.retire_last_mission(missions, years[-1])
    emit(tables["agencies"], agencies)
    emit(tables["missions"], missions)
    large = (LaoType.PAO, LaoType.CITY_MUNICIPALITY, LaoType.BANGKOK, LaoType.PATTAYA)
    lao_missions, mission_events = demo_missions.lao_mission_rows(
        [(lao.id, lao.type in large) for lao in laos], missions, rng("missions")
    )
    demo_workflows.add_asset_values(lao_missions, rng("mission-assets"))
    emit(tables["lao_missions"], lao_missions)
    emit(tables["lao_mission_events"], mission_events)
    held_missions = demo_workflows.first_records(lao_missions)
    del lao_missions, mission_events

    emit(tables["fiscal_years"], fiscal_year_rows(years))
    year_rows, events, infos = lao_years(laos, years, rng("lao-years"))
    ly_updated = [info.updated_at for info in infos]

    systems = demo_records.water_systems(laos, config.current_fiscal_year, rng("water"))
    demo_records.assign_reference_codes(systems)
    water, water_per_ly = demo_records.water_rows(systems, years, ly_updated, rng("water-rows"))
    sites = demo_records.tourist_sites(laos, rng("tourist-sites"))
    tourist, visitors = demo_records.tourist_rows(sites, years, ly_updated, rng("tourist-rows"))
    record_counts = {
        "water_supply_systems": water_per_ly,
        "tourist_sites": {ly: 1 for ly in visitors},
    }
    sections, masks = demo_sections.section_rows(
        infos, years, record_counts, visitors, rng("sections")
    )
    for row in year_rows:
        if row["state"] == "DRAFT":
            row["complete_domains"] = masks[row["id"]]
        elif masks[row["id"]] != ALL_DOMAINS:
            raise AssertionError(f"certified lao_year {row['id']} is not complete")
    # The demo clerks work for an LAO still drafting this year, so they can try everything.
    drafting = {
        row["lao_id"]
        for row in year_rows
        if row["fiscal_year"] == years[-1].year_be
        and row["state"] == "DRAFT"
        and 0 < row["complete_domains"] < 255
    }
    emit(tables["lao_years"], year_rows)
    emit(tables["certification_events"], events)
    lpa_rows = [  # what the demo LPA final scores need of the open year's LAO-years
        {k: row[k] for k in ("id", "lao_id", "fiscal_year", "state", "complete_domains")}
        for row in year_rows
        if row["fiscal_year"] == years[-1].year_be
    ]
    # Each LAO-year's completeness since its last save (before any certification): every
    # demo LAO-year has section rows holding values its LAO entered, so it recorded something.
    emit(
        tables["completeness_history"],
        [
            {
                "id": n,
                "lao_year_id": info.id,
                "at": info.updated_at,
                "complete_domains": masks[info.id],
                "anything_recorded": True,
            }
            for n, info in enumerate(infos, start=1)
        ],
    )
    lao_of_year = {row["id"]: row["lao_id"] for row in year_rows}
    del year_rows, events
    for number, rows in sections.items():
        emit(SECTION_TABLES[number], rows)
    batches, pulled = _pulled_rows(sections, years)
    emit(tables["pulled_batches"], batches)
    emit(tables["pulled_values"], pulled)
    del batches, pulled
    # Every section value is in the change log as imported (`hub audit verify --state`).
    reason = _demo_reason(config)
    for number, rows in sections.items():
        emit(
            tables["change_log"],
            [chain.row(e) for e in provenance.section_entries(number, rows, lao_of_year, reason)],
        )
    del sections, lao_of_year
    emit(RECORD_TABLES["water_supply_systems"], water)
    emit(RECORD_TABLES["tourist_sites"], tourist)
    del water, tourist

    round_row, references = demo_records.kpi16_rows(systems, years[-1], rng("kpi16"))
    # The previous year's round, opened when the new INFO went live (seed 003:13).
    ce = years[-2].year_be - 543
    previous_round, previous_references = demo_records.kpi16_rows(
        systems,
        years[-2],
        rng("kpi16-previous"),
        round_id=2,
        opened=dt.date(ce, 1, 26),
        first_reference_id=len(references) + 1,
        extra_digit="8",
    )
    emit(tables["kpi16_rounds"], [round_row, previous_round])
    emit(tables["kpi16_references"], references + previous_references)
    del references, previous_references

    provinces = sorted({lao.province.code: lao.province.id for lao in laos}.items())
    rounds, overrides = demo_rounds.round_rows(years, round_row, [pid for _, pid in provinces])
    emit(tables["rounds"], rounds)
    emit(tables["round_province_deadlines"], overrides)
    today = years[-1].starts_on + dt.timedelta(days=OPEN_YEAR_DAYS)
    emit(tables["round_checks"], demo_rounds.round_check_rows(laos, rounds, today, rng("rounds")))

    accounts = demo_accounts.account_rows(
        laos,
        {a["code"]: a["id"] for a in agencies},
        seed,
        drafting=drafting,
        user_id_base=id_bases["users"],
        grant_id_base=id_bases["role_assignments"],
        client_id_base=id_bases["api_clients"],
        at=LOADED_AT,
    )
    for name in ("users", "role_assignments", "api_clients", "oauth_client_registrations"):
        emit(tables[name], accounts[name])
    requests, messages = demo_workflows.help_rows(
        laos, held_missions, accounts["users"], missions, years[-1]
    )
    emit(tables["mission_help_requests"], requests)
    emit(tables["mission_help_messages"], messages)

    emit(tables["lpa_rubrics"], demo_lpa.rubric_rows(config.current_fiscal_year))
    assessor = next(
        (u for u in accounts["users"] if u["username"].startswith("demo.assessor.")), None
    )
    if assessor is not None:
        [grant] = [g for g in accounts["role_assignments"] if g["user_id"] == assessor["id"]]
        assessments, revisions = demo_lpa.final_score_rows(
            lpa_rows,
            {lao.id: lao.province.id for lao in laos},
            years[-1],
            grant["province_id"],
            assessor["id"],
            assessor["display_name"],
        )
        emit(tables["lpa_assessments"], assessments)
        emit(tables["lpa_assessment_revisions"], revisions)


async def _reset_sequences(conn: AsyncConnection, counts: dict[str, int]) -> None:
    for name in counts:
        table = metadata.tables[name]
        if "id" in table.c and table.c.id.primary_key:
            await conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"
                )
            )
