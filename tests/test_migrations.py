"""Migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

import asyncio

import pytest
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
                context = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "include_name": migrate.ours}
                )
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


# --- Every downgrade undoes its upgrade, on an empty database and on one holding data ------


def _revisions() -> list[str]:
    """The migrations' revisions, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    return [s.revision for s in reversed(list(script.walk_revisions()))]


async def _schema(url: str) -> dict[str, object]:
    """Tables with their columns, keys, indexes and constraints, as the database reports them."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:

            def read(sync_conn):
                inspector = inspect(sync_conn)
                schema = {}
                for table in sorted(inspector.get_table_names()):
                    if table == "alembic_version":
                        continue
                    schema[table] = {
                        "columns": [
                            (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                            for c in inspector.get_columns(table)
                        ],
                        "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
                        "foreign keys": sorted(
                            (
                                fk["name"] or "",
                                tuple(fk["constrained_columns"]),
                                fk["referred_table"],
                                tuple(fk["referred_columns"]),
                            )
                            for fk in inspector.get_foreign_keys(table)
                        ),
                        "indexes": sorted(
                            (i["name"] or "", tuple(i["column_names"]), bool(i["unique"]))
                            for i in inspector.get_indexes(table)
                        ),
                        "unique": sorted(
                            (u["name"] or "", tuple(u["column_names"]))
                            for u in inspector.get_unique_constraints(table)
                        ),
                        "checks": sorted(
                            (c["name"] or "", c["sqltext"])
                            for c in inspector.get_check_constraints(table)
                        ),
                    }
                return schema

            return await conn.run_sync(read)
    finally:
        await engine.dispose()


async def _count(url: str, table: str) -> int:
    from sqlalchemy import text

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
    finally:
        await engine.dispose()


def test_each_downgrade_restores_the_schema_its_upgrade_found(empty_database_url, fresh_demo_url):
    """Stepping up from an empty database records the schema at every revision; a database
    holding the demo data then steps down one migration at a time and must match each
    recorded schema, keeping the data the remaining migrations hold; back at head, the
    models and the data are as before."""
    revisions = _revisions()
    assert revisions[0] == "0001" and revisions[-1] == migrate.head_revision()
    config = migrate.alembic_config(empty_database_url)
    at: dict[str, dict[str, object]] = {}
    for revision in revisions:
        command.upgrade(config, revision)
        at[revision] = asyncio.run(_schema(empty_database_url))

    laos = asyncio.run(_count(fresh_demo_url, "laos"))
    assert laos > 0
    assert asyncio.run(_schema(fresh_demo_url)) == at[revisions[-1]]
    for revision in reversed(revisions[:-1]):
        migrate.downgrade(fresh_demo_url, "-1")
        assert asyncio.run(_schema(fresh_demo_url)) == at[revision], f"downgraded to {revision}"
        assert asyncio.run(_count(fresh_demo_url, "laos")) == laos
    migrate.upgrade(fresh_demo_url)
    diff, _ = asyncio.run(_diff_and_tables(fresh_demo_url))
    assert diff == []
    assert asyncio.run(_count(fresh_demo_url, "laos")) == laos
    migrate.downgrade(fresh_demo_url, "base")
    assert asyncio.run(_schema(fresh_demo_url)) == {}


# --- hub db revision: the next numbered script, from the models' changes -------------------


def _copy_of_the_migrations(tmp_path):
    """A copy of hub/db/migrations to write revisions into, leaving the tree untouched."""
    import shutil

    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_a_revision_against_an_up_to_date_database_is_empty(migrated_database_url, tmp_path):
    """The models and the migrations agree: autogenerate finds nothing and writes nothing."""
    directory = _copy_of_the_migrations(tmp_path)
    before = sorted(p.name for p in (directory / "versions").glob("*.py"))
    with pytest.raises(migrate.NoChanges):
        migrate.revision(migrated_database_url, "nothing to do", directory=directory)
    assert sorted(p.name for p in (directory / "versions").glob("*.py")) == before


def test_a_model_change_becomes_the_next_numbered_revision(migrated_database_url, tmp_path):
    """A table added to the models gives `0006_…`, in batch operations, which upgrades and
    downgrades on both databases; afterwards the models and the database agree again."""
    from sqlalchemy import Column, ForeignKey, Integer, String, Table

    directory = _copy_of_the_migrations(tmp_path)
    config = migrate.alembic_config(migrated_database_url, directory)
    probe = Table(
        "probe_notes",
        hub.db.models.metadata,
        Column("id", Integer, primary_key=True),
        Column("lao_id", ForeignKey("laos.id"), nullable=False, index=True),
        Column("note", String(100)),
    )
    try:
        path = migrate.revision(migrated_database_url, "Add probe notes", directory=directory)
        assert path.parent == directory / "versions"
        assert path.name == f"{int(migrate.head_revision()) + 1:04d}_add_probe_notes.py"
        script = path.read_text(encoding="utf-8")
        assert "op.create_table('probe_notes'" in script
        assert "batch_alter_table('probe_notes'" in script  # its index, portable to SQLite
        command.upgrade(config, "head")
        _, tables = asyncio.run(_diff_and_tables(migrated_database_url))
        assert "probe_notes" in tables
        with pytest.raises(migrate.NoChanges):
            migrate.revision(migrated_database_url, "again", directory=directory)
        command.downgrade(config, "-1")
        _, tables = asyncio.run(_diff_and_tables(migrated_database_url))
        assert "probe_notes" not in tables
    finally:
        hub.db.models.metadata.remove(probe)
    diff, _ = asyncio.run(_diff_and_tables(migrated_database_url))
    assert diff == []
