"""Schema migrations (Alembic), applied on start-up or by `hub db upgrade`.

The migration scripts live in `hub/db/migrations/versions`, numbered `0001_…`, `0002_…`: `hub db
revision -m "…"` writes the next one from the difference between the models and a database at
head (batch operations, so it runs on SQLite and PostgreSQL alike), and `hub db downgrade`
reverts them. `tests/test_migrations.py` checks that applying them yields exactly the tables
the models declare and that each downgrade restores the schema its upgrade found, data kept,
on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.engine import ensure_sqlite_directory

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Tables that are in the database but are not models: pgqueuer's, the job queue on PostgreSQL
# (migration 0019 makes them from pgqueuer's own DDL).
FOREIGN_TABLE_PREFIXES = ("pgqueuer",)


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's `include_name`: whether a database object is the models' to compare."""
    return not (type_ == "table" and name is not None and name.startswith(FOREIGN_TABLE_PREFIXES))


def alembic_config(database_url: str, directory: Path = MIGRATIONS_DIR) -> Config:
    config = Config()
    config.set_main_option("script_location", str(directory))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision` (blocking; run it outside an event loop)."""
    ensure_sqlite_directory(database_url)
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "-1") -> None:
    """Revert migrations down to `revision`: `-1` one step, `base` all (blocking)."""
    command.downgrade(alembic_config(database_url), revision)


class NoChanges(Exception):
    """The models and the database agree: there is nothing to migrate."""


def revision(
    database_url: str,
    message: str,
    *,
    autogenerate: bool = True,
    directory: Path = MIGRATIONS_DIR,
) -> Path:
    """Write the next migration script and return its path (blocking).

    With `autogenerate` its operations are the difference between the models and the
    database at `database_url`, which must be at head (Alembic refuses otherwise); when there
    is none, `NoChanges` and nothing is written. Without, the script is empty, for a data
    migration written by hand. Review a generated script before committing it: Alembic cannot
    tell a rename from a drop and an add.
    """
    config = alembic_config(database_url, directory)
    script = ScriptDirectory.from_config(config)
    numbers = [int(s.revision) for s in script.walk_revisions() if s.revision.isdigit()]
    number = max(numbers, default=0) + 1
    unchanged: list[bool] = []

    def skip_if_empty(context: Any, revision: Any, directives: list[MigrationScript]) -> None:
        if autogenerate and all(
            d.upgrade_ops is None or d.upgrade_ops.is_empty() for d in directives
        ):
            unchanged.append(True)
            directives[:] = []

    written = command.revision(
        config,
        message=message,
        autogenerate=autogenerate,
        rev_id=f"{number:04d}",
        process_revision_directives=skip_if_empty,
    )
    if unchanged:
        raise NoChanges("no difference between the models and the database")
    assert written is not None and not isinstance(written, list)
    return Path(written.path)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
