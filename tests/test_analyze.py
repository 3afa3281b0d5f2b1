"""Loaders and importers refresh the planner's statistics of the tables they fill.

Regression of issue 10, defect 14: after a bulk load nothing ran ANALYZE, and PostgreSQL
planned a national roll-up over tables it took for empty (13 minutes instead of 0.9 s).
"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import text

from hub.db import migrate
from hub.db.engine import create_engine
from hub.rules.enums import Role
from hub.rules.identity import RoleGrant, user
from hub.services.fiscal_years import open_year
from loaders.demo import DemoConfig, load_demo

LOADED = {
    "provinces",
    "subdistricts",
    "laos",
    "villages",
    "lao_years",
    "certification_events",
    "completeness_history",
    "domain1_health_environment",
    "water_supply_systems",
    "kpi16_references",
    "lao_missions",
}


async def _analysed(url: str) -> dict[str, object]:
    """Per table, evidence of a manual ANALYZE (PostgreSQL: its time; SQLite: its stat row)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                rows = await conn.execute(text("SELECT tbl, stat FROM sqlite_stat1"))
            else:
                rows = await conn.execute(
                    text(
                        "SELECT s.relname, s.last_analyze FROM pg_stat_user_tables s"
                        " JOIN pg_class c ON c.oid = s.relid"
                        " WHERE s.last_analyze IS NOT NULL AND c.reltuples > 0"
                    )
                )
            return dict(rows.all())
    finally:
        await engine.dispose()


def test_a_demo_load_analyses_every_table_it_filled(empty_database_url):
    migrate.upgrade(empty_database_url)

    async def load() -> None:
        engine = create_engine(empty_database_url)
        try:
            await load_demo(engine, DemoConfig(provinces=2))
        finally:
            await engine.dispose()

    asyncio.run(load())
    analysed = asyncio.run(_analysed(empty_database_url))
    assert set(analysed) >= LOADED, sorted(LOADED - set(analysed))


def test_opening_a_year_from_last_year_analyses_what_it_copied(fresh_demo_url):
    before = asyncio.run(_analysed(fresh_demo_url))
    dla = user("dla", RoleGrant(Role.DLA_ADMIN))

    async def open_next() -> None:
        engine = create_engine(fresh_demo_url, writer=True)
        try:
            await open_year(
                engine,
                dla,
                year_be=2571,
                record_deadline=dt.date(2028, 6, 15),
                copy_previous=True,
            )
        finally:
            await engine.dispose()

    asyncio.run(open_next())
    after = asyncio.run(_analysed(fresh_demo_url))
    for table in ("lao_years", "completeness_history", "water_supply_systems"):
        assert table in after and after[table] != before.get(table), table
