"""Database engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed while a clerk's save commits; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def ensure_sqlite_directory(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_manual_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)


def _sqlite_begin_immediate(conn: Any) -> None:
    # Take the write lock when the transaction starts: a read-then-write transaction can then
    # never fail half-way because another writer committed in between (SQLITE_BUSY_SNAPSHOT).
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(database_url: str, *, writer: bool = False, **kwargs: Any) -> AsyncEngine:
    """An async engine for `database_url`, with the hub's per-connection settings.

    `writer=True` on SQLite gives an engine whose transactions take the write lock at BEGIN,
    for mutations; on PostgreSQL row locks do that job and the flag changes nothing.
    """
    url = make_url(database_url)
    # Bound parameters are callers' input (names, phone numbers): never in an error message,
    # so never in a log or a development error response either.
    kwargs.setdefault("hide_parameters", True)
    if url.get_backend_name() == "sqlite":
        ensure_sqlite_directory(database_url)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if writer:
            event.listen(engine.sync_engine, "connect", _sqlite_manual_transactions)
            event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    return create_async_engine(url, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


# Rows SQLite's ANALYZE reads per index: approximate statistics in milliseconds, which is all
# its planner needs to choose between indexes.
SQLITE_ANALYSIS_LIMIT = 1000


async def analyze(conn: AsyncConnection, tables: Iterable[Table | str]) -> None:
    """Refresh the query planner's statistics of `tables` after a bulk write.

    Loaders and importers call it on the tables they filled, in their own transaction:
    PostgreSQL's autovacuum analyses a table only a while after a load, and until then its
    planner takes freshly loaded tables for empty ones (a national roll-up then ran for 13
    minutes instead of a second). SQLite's planner uses the statistics of ANALYZE too.
    """
    names = sorted({t if isinstance(t, str) else t.name for t in tables})
    if not names:
        return
    quote = conn.dialect.identifier_preparer.quote
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        for name in names:
            await conn.exec_driver_sql(f"ANALYZE {quote(name)}")
    else:
        await conn.exec_driver_sql("ANALYZE " + ", ".join(quote(name) for name in names))
