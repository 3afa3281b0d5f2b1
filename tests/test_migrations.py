"""Migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

import asyncio

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import hub.db.models
from hub.db import migrate
from hub.db.engine import create_engine


async def _diff_and_tables(url: str):
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:

            def check(sync_conn):
                context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                return compare_metadata(context, hub.db.models.metadata), set(
                    inspect(sync_conn).get_table_names()
                )

            return await conn.run_sync(check)
    finally:
        await engine.dispose()


def test_migrations_match_the_models(empty_database_url):
    migrate.upgrade(empty_database_url)
    diff, tables = asyncio.run(_diff_and_tables(empty_database_url))
    assert diff == []
    assert set(hub.db.models.metadata.tables) <= tables


def test_upgrade_is_idempotent_and_downgrade_reverses_it(empty_database_url):
    migrate.upgrade(empty_database_url)
    migrate.upgrade(empty_database_url)  # a second run finds nothing to do
    command.downgrade(migrate.alembic_config(empty_database_url), "base")
    _, tables = asyncio.run(_diff_and_tables(empty_database_url))
    assert tables <= {"alembic_version"}
    migrate.upgrade(empty_database_url)
    diff, _ = asyncio.run(_diff_and_tables(empty_database_url))
    assert diff == []


def test_current_revision_reports_the_head_after_upgrade(empty_database_url):
    async def revision():
        engine = create_engine(empty_database_url)
        try:
            return await migrate.current_revision(engine)
        finally:
            await engine.dispose()

    assert asyncio.run(revision()) is None
    migrate.upgrade(empty_database_url)
    assert asyncio.run(revision()) == migrate.head_revision()
