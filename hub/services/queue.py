"""The job queue background work runs on: pgqueuer on PostgreSQL, and on the embedded SQLite
default its in-process equivalent over the `local_jobs` table.

`enqueue(conn, …)` runs inside the caller's transaction, on its connection: the job commits
or rolls back with the change that asked for it (a transactional outbox), so a committed
change never loses its job and a refused one never leaves one behind. On PostgreSQL the job
is a row of pgqueuer's queue, inserted through the transaction's own asyncpg connection
(pgqueuer speaks asyncpg, as the hub does); on SQLite, a `local_jobs` row.

`Worker` takes jobs and runs their handlers (`{entrypoint: async handler(payload)}`). Every
process of the hub may run one (HUB_JOBS_WORKER): pgqueuer hands each job to one worker
(`FOR UPDATE SKIP LOCKED`, a heartbeat re-picks the jobs of a worker that died); on SQLite a
job is claimed by one UPDATE (SQLite has one writer), and a claim older than
`LEASE` is given back, so a job of a process that died runs again. Jobs run at least once:
handlers are idempotent (they read the state their job names and do nothing when it is done).
A handler's exception is logged and the job dropped; handlers record their own failures and
enqueue their own retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db.models import LocalJob

log = logging.getLogger("hub.jobs")

Handler = Callable[[bytes], Awaitable[None]]
LEASE = dt.timedelta(minutes=10)  # SQLite: a claim older than this is given back


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def enqueue(
    conn: AsyncConnection,
    entrypoint: str,
    payload: bytes,
    after: dt.timedelta | None = None,
) -> None:
    """Queue a job in the transaction of `conn`: it exists once (and only if) that commits."""
    if conn.dialect.name == "postgresql":
        from pgqueuer import AsyncpgDriver, Queries

        raw = await conn.get_raw_connection()
        driver = AsyncpgDriver(raw.driver_connection)
        await Queries(driver).enqueue(entrypoint, payload, execute_after=after)
        return
    await conn.execute(
        insert(LocalJob).values(
            entrypoint=entrypoint,
            payload=payload,
            status="queued",
            execute_after=_now() + (after or dt.timedelta(0)),
        )
    )


async def pending(engine: AsyncEngine) -> int:
    """Jobs not yet done (queued or running): for tests and the operator."""
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            from sqlalchemy import text

            return int(
                (
                    await conn.execute(
                        text("SELECT count(*) FROM pgqueuer WHERE status IN ('queued', 'picked')")
                    )
                ).scalar_one()
            )
        rows = (await conn.execute(select(LocalJob.id))).all()
        return len(rows)


class Worker:
    """Runs queued jobs until `stop()`."""

    def __init__(
        self,
        engine: AsyncEngine,
        database_url: str,
        handlers: Mapping[str, Handler],
        poll_interval: float = 1.0,
    ) -> None:
        self.engine = engine
        self.database_url = database_url
        self.handlers = dict(handlers)
        self.poll_interval = poll_interval
        self._stop = asyncio.Event()
        self._queue_manager: Any = None

    def stop(self) -> None:
        self._stop.set()
        if self._queue_manager is not None:
            self._queue_manager.shutdown.set()

    async def run(self) -> None:
        if self.engine.dialect.name == "postgresql":
            await self._run_pgqueuer()
        else:
            await self._run_local()

    async def _handle(self, entrypoint: str, payload: bytes) -> None:
        handler = self.handlers.get(entrypoint)
        if handler is None:
            log.error("no handler for job %r: dropped", entrypoint)
            return
        try:
            await handler(payload)
        except Exception:  # a handler's bug: logged, the job dropped (handlers retry their own)
            log.exception("job %r failed", entrypoint)

    # --- PostgreSQL: pgqueuer --------------------------------------------------------------

    async def _run_pgqueuer(self) -> None:
        import asyncpg  # type: ignore[import-untyped]
        from pgqueuer import AsyncpgDriver, Queries, QueueManager
        from pgqueuer.models import Job

        url = make_url(self.database_url)
        connection = await asyncpg.connect(
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            database=url.database,
        )
        try:
            manager = QueueManager(Queries(AsyncpgDriver(connection)))
            for name in self.handlers:

                async def run_job(job: Job, name: str = name) -> None:
                    await self._handle(name, bytes(job.payload or b""))

                manager.entrypoint(name)(run_job)
            self._queue_manager = manager
            if self._stop.is_set():
                return
            await manager.run(
                dequeue_timeout=dt.timedelta(seconds=max(self.poll_interval, 0.1)),
                batch_size=4,
            )
        finally:
            with contextlib.suppress(Exception):
                await connection.close()

    # --- SQLite: the in-process equivalent -------------------------------------------------

    async def _claim(self) -> tuple[int, str, bytes] | None:
        now = _now()
        async with self.engine.begin() as conn:
            await conn.execute(
                update(LocalJob)
                .where(LocalJob.status == "picked", LocalJob.picked_at < now - LEASE)
                .values(status="queued", picked_at=None)
            )
            due = (
                select(LocalJob.id)
                .where(LocalJob.status == "queued", LocalJob.execute_after <= now)
                .order_by(LocalJob.execute_after, LocalJob.id)
                .limit(1)
                .scalar_subquery()
            )
            row = (
                await conn.execute(
                    update(LocalJob)
                    .where(LocalJob.id == due, LocalJob.status == "queued")
                    .values(status="picked", picked_at=now)
                    .returning(LocalJob.id, LocalJob.entrypoint, LocalJob.payload)
                )
            ).first()
        return None if row is None else (row[0], row[1], bytes(row[2]))

    async def run_due(self) -> int:
        """Run every job due now, one at a time; how many ran."""
        ran = 0
        while not self._stop.is_set():
            claimed = await self._claim()
            if claimed is None:
                return ran
            job_id, entrypoint, payload = claimed
            await self._handle(entrypoint, payload)
            async with self.engine.begin() as conn:
                await conn.execute(delete(LocalJob).where(LocalJob.id == job_id))
            ran += 1
        return ran

    async def _run_local(self) -> None:
        while not self._stop.is_set():
            try:
                await self.run_due()
            except Exception:  # the database is away or busy: try again at the next poll
                log.exception("the job worker could not reach the database")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.poll_interval)
