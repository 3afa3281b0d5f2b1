"""Database engines for SQLite (embedded default) and PostgreSQL.

Also what the hub makes of a database failure (`problem_of`): an unreachable database is
`Unavailable`, a locked one or an exhausted pool `DatabaseBusy`, a statement stopped by the
statement timeout or a cancelled request `RequestTimeout` — retryable answers (503 with
`Retry-After`), never `INTERNAL`. Anything else the database raises is our bug.

Statements are bounded in time (`statement_timeout`, HUB_STATEMENT_TIMEOUT): on PostgreSQL
by the server's `statement_timeout`; on SQLite by a progress handler that interrupts a
statement past its deadline. A request's statements are cancelled with the request
(`RequestScope.cancel`, used by the web layer when the deadline passes or the client goes
away): asyncpg cancels the server-side statement when the awaiting task is cancelled, and on
SQLite the same progress handler interrupts the statement running in aiosqlite's thread.

Engines never put bound parameters (user input, personal data) in error messages or logs
(`hide_parameters=True`).
"""

from __future__ import annotations

import contextvars
import errno
import socket
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import await_only

from hub.rules.problems import DatabaseBusy, Problem, RequestTimeout, Unavailable
from hub.settings import DEFAULT_DATABASE_POOL_SIZE

DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 10_000
# SQLite calls the progress handler every this many virtual-machine instructions (~1 ms;
# every call takes the GIL: 1,000 cost a quarter of a pure-SQL query's time, 20,000 ~2 %).
_PROGRESS_STEPS = 20_000


class RequestScope:
    """The statements of one request: `cancel()` interrupts them (SQLite; asyncpg cancels on
    task cancellation by itself)."""

    __slots__ = ("cancelled",)

    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


current_request: contextvars.ContextVar[RequestScope | None] = contextvars.ContextVar(
    "hub_request_scope", default=None
)


class _Watch:
    """Per SQLite connection: what its progress handler checks (read from aiosqlite's thread)."""

    __slots__ = ("deadline", "scope")

    def __init__(self) -> None:
        self.deadline: float | None = None
        self.scope: RequestScope | None = None

    def stop(self) -> int:
        if self.scope is not None and self.scope.cancelled:
            return 1
        return 1 if self.deadline is not None and time.monotonic() > self.deadline else 0


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers proceed while a clerk's save commits; foreign keys are off by default.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def _sqlite_watch(dbapi_connection: Any, record: Any) -> None:
    watch = _Watch()
    record.info["hub_watch"] = watch
    # The aiosqlite connection under SQLAlchemy's adapter (`driver_connection` in 2.1).
    aiosqlite = getattr(dbapi_connection, "driver_connection", None) or dbapi_connection._connection
    await_only(aiosqlite.set_progress_handler(watch.stop, _PROGRESS_STEPS))


def _sqlite_statement_deadline(statement_timeout: float | None) -> Any:
    def before_cursor_execute(conn: Any, *_args: Any) -> None:
        watch = conn.connection.info.get("hub_watch")
        if watch is not None:
            watch.scope = current_request.get()
            watch.deadline = time.monotonic() + statement_timeout if statement_timeout else None

    return before_cursor_execute


def _sqlite_checkin(_dbapi_connection: Any, record: Any) -> None:
    watch = record.info.get("hub_watch")
    if watch is not None:
        watch.scope, watch.deadline = None, None


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


def create_engine(
    database_url: str,
    *,
    writer: bool = False,
    statement_timeout: float | None = None,
    sqlite_busy_timeout_ms: int = DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
    pool_size: int = DEFAULT_DATABASE_POOL_SIZE,
    **kwargs: Any,
) -> AsyncEngine:
    """An async engine for `database_url`, with the hub's per-connection settings.

    `writer=True` on SQLite gives an engine whose transactions take the write lock at BEGIN,
    for mutations; on PostgreSQL row locks do that job and the flag changes nothing.
    `statement_timeout` (seconds; None: unbounded, for loaders and migrations) bounds every
    statement; `sqlite_busy_timeout_ms` is how long SQLite waits for another writer's lock;
    `pool_size` is how many PostgreSQL connections the engine keeps, and never exceeds.
    """
    url = make_url(database_url)
    # Bound parameters are callers' input (names, phone numbers): never in an error message,
    # so never in a log or a development error response either.
    kwargs.setdefault("hide_parameters", True)
    if url.get_backend_name() == "sqlite":
        ensure_sqlite_directory(database_url)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(sqlite_busy_timeout_ms))
        event.listen(engine.sync_engine, "connect", _sqlite_watch)
        event.listen(
            engine.sync_engine,
            "before_cursor_execute",
            _sqlite_statement_deadline(statement_timeout),
        )
        event.listen(engine.sync_engine.pool, "checkin", _sqlite_checkin)
        if writer:
            event.listen(engine.sync_engine, "connect", _sqlite_manual_transactions)
            event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    # No liveness ping at checkout: on asyncpg it is three round trips (BEGIN, `;`, ROLLBACK)
    # before every request's first statement. A connection found dead instead fails its
    # statement, which SQLAlchemy reports as a disconnect: it invalidates the whole pool (every
    # connection older than the failure is replaced at its next checkout) and the request is
    # answered 503 with Retry-After (`problem_of`). Connections are replaced after
    # `pool_recycle` seconds too, before a server's or a firewall's idle cut-off finds them.
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_recycle", 1800)
    kwargs.setdefault("pool_size", pool_size)
    # No connections beyond the pool's: SQLAlchemy closes an overflow connection as soon as
    # it is returned to a full pool, so under a steady load above `pool_size` (a worker at
    # c=32) connections were opened and closed ~20 times a second. Each new one costs
    # PostgreSQL a backend and its statements their first five, custom-planned runs before
    # the generic plan (2–3 ms each for a deep LAO against 0.5): with overflow, Q1 at c=32
    # answered 360–480 requests a second on one worker, without it 720–860. A request that
    # finds every connection busy waits for one (a DATABASE_BUSY 503 after `pool_timeout`).
    kwargs.setdefault("max_overflow", 0)
    connect_args = kwargs.setdefault("connect_args", {})
    settings = connect_args.setdefault("server_settings", {})
    # JIT off on every connection, on purpose: the hub's statements are short, planned API
    # reads and roll-ups whose estimated costs (large joins over the national tables) cross
    # PostgreSQL's JIT thresholds while running in milliseconds. The LPA roll-up spent 495 of
    # its 589 ms compiling (35 ms with JIT off; PostGraphile sets jit_optimize_above_cost=-1
    # for the same reason). A session may still `SET jit = on` for an analytical statement.
    settings.setdefault("jit", "off")
    if statement_timeout:
        settings.setdefault("statement_timeout", str(max(1, int(statement_timeout * 1000))))
    return create_async_engine(url, **kwargs)


def plain_reads(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, for reads that write nothing: on PostgreSQL its connections
    run each statement on its own (AUTOCOMMIT), with no BEGIN before and no ROLLBACK after
    (two round trips a checkout). Nothing is lost: under READ COMMITTED each statement of a
    transaction takes its own snapshot anyway. Never for a write or a dry run (it would
    commit statement by statement). SQLite's driver opens no transaction for a read: the
    engine itself."""
    if engine.dialect.name == "sqlite":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


# Rows SQLite's ANALYZE reads per index: approximate statistics in milliseconds, which is all
# its planner needs to choose between indexes.
SQLITE_ANALYSIS_LIMIT = 1000


def insert_ignoring_duplicates(conn: AsyncConnection, table: Table) -> Any:
    """An INSERT of `table` that skips rows its unique constraints already hold, in the
    connection's dialect (both spell it ON CONFLICT DO NOTHING)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


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


# --- what a database failure means to the caller ------------------------------------------

# PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_PG_UNAVAILABLE_CLASSES = ("08", "28", "53", "58")  # connection, auth, resources, system
_PG_UNAVAILABLE = {"3D000", "57P01", "57P02", "57P03", "57P04", "57P05"}
_PG_BUSY = {"40001", "40P01", "55P03", "53300"}  # serialization, deadlock, lock, connections
_PG_TIMEOUT = {"57014"}  # query_canceled: the statement timeout or a cancel request

_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
_SQLITE_UNAVAILABLE = (
    "unable to open database",
    "disk i/o error",
    "database disk image is malformed",
    "file is not a database",
    "attempt to write a readonly database",
    "database or disk is full",
)


def _sqlstate(error: BaseException | None) -> str | None:
    seen = 0
    while error is not None and seen < 5:
        state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if isinstance(state, str) and state:
            return state
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def _is_asyncpg_connection_error(error: BaseException | None) -> bool:
    """Whether `error` (or what caused it) is asyncpg saying the connection is gone."""
    try:
        import asyncpg  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    lost = (
        asyncpg.exceptions.ConnectionDoesNotExistError,
        asyncpg.exceptions.PostgresConnectionError,
    )
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, lost):
            return True
        # Any other InterfaceError is a misuse (our bug), except a closed connection.
        if isinstance(error, asyncpg.exceptions.InterfaceError) and "closed" in str(error):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


_NETWORK_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.ENETUNREACH,
    errno.EHOSTUNREACH,
    errno.ETIMEDOUT,
    errno.EPIPE,
}


def _is_network_error(error: BaseException) -> bool:
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return True
    if isinstance(error, OSError):
        # asyncpg tries every address of a host and raises "Multiple exceptions: ...".
        return error.errno in _NETWORK_ERRNOS or str(error).startswith("Multiple exceptions")
    return False


def problem_of(error: BaseException) -> Problem | None:
    """The retryable problem a database failure means, or None when it is not one."""
    if isinstance(error, Problem):
        return error
    if isinstance(error, exc.TimeoutError):  # the connection pool is exhausted
        return DatabaseBusy()
    if _is_network_error(error):  # refused, unreachable, reset, or connecting timed out
        return Unavailable()
    if not isinstance(error, exc.DBAPIError):
        if _is_asyncpg_connection_error(error):
            return Unavailable()
        return None
    if error.connection_invalidated:
        return Unavailable()
    original = error.orig
    if isinstance(original, sqlite3.Error):
        message = str(original).lower()
        if any(m in message for m in _SQLITE_BUSY):
            return DatabaseBusy()
        if "interrupted" in message:
            return RequestTimeout()
        if any(m in message for m in _SQLITE_UNAVAILABLE):
            return Unavailable()
        return None
    state = _sqlstate(original)
    if state is not None:
        if state in _PG_BUSY:
            return DatabaseBusy()
        if state in _PG_TIMEOUT:
            return RequestTimeout()
        if state in _PG_UNAVAILABLE or state[:2] in _PG_UNAVAILABLE_CLASSES:
            return Unavailable()
        return None
    if isinstance(error, exc.OperationalError) or _is_asyncpg_connection_error(original):
        return Unavailable()
    return None
