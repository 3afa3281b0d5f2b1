"""Reads off the primary: PostgreSQL streaming replicas that answer lag-tolerant reads.

`Replicas` holds one engine per replica (`HUB_DATABASE_REPLICA_URLS`) and, per worker, what
it last measured of each: reachable or not, a standby or not, and how far behind the primary
(`hub.rules.replica_reads.staleness`, from log positions sampled every
`HUB_REPLICA_CHECK_SECONDS`). `reader_for` answers which engine a request's plain reads run
on: a usable replica, in turn, when the operation only reads and the caller cannot write
(`hub.rules.replica_reads.reads_may_lag`); otherwise, or when no replica is usable, the
primary's plain-read engine. Nothing is shared between workers: each measures for itself,
with two tiny statements a check per replica and one on the primary.

A replica stops answering as soon as a worker sees it fail: a request that finds it gone
reports it (`failed`; the web layer then answers that query from the primary), and the next
check that reaches it, caught up, makes it usable again. A replica further behind than `HUB_REPLICA_MAX_LAG`, or promoted (no
longer in recovery, so no longer following this primary), is not used either.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.engine import create_engine, plain_reads
from hub.rules.identity import Identity
from hub.rules.replica_reads import parse_lsn, reads_may_lag, staleness

log = logging.getLogger(__name__)

_PRIMARY_POSITION = text("SELECT pg_current_wal_flush_lsn()::text")
_REPLICA_POSITION = text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")


@dataclass
class Replica:
    """One replica and what this worker last measured of it."""

    name: str  # host:port/database, never the password
    engine: AsyncEngine  # plain reads (AUTOCOMMIT)
    base: AsyncEngine  # the engine under it: its pool, its events
    usable: bool = False
    lag: float | None = None  # seconds behind the primary, when known
    problem: str | None = None  # why it is not usable

    def status(self) -> dict[str, Any]:
        lag = None if self.lag is None else round(self.lag, 3)
        return {"name": self.name, "usable": self.usable, "lag": lag, "problem": self.problem}


def reader_for(state: Any, identity: Identity, *, read_only: bool = True) -> AsyncEngine:
    """The engine for a request's plain reads, from an app's state (`state.reader`, the
    primary's plain reads, and `state.replicas`, None without replicas)."""
    replicas: Replicas | None = getattr(state, "replicas", None)
    if replicas is None:
        return state.reader  # type: ignore[no-any-return]
    return replicas.reader_for(identity, read_only=read_only, primary=state.reader)


def _name(url: str) -> str:
    u = make_url(url)
    return f"{u.host or 'localhost'}:{u.port or 5432}/{u.database or ''}"


class Replicas:
    """The replicas of one primary, as one worker sees them."""

    def __init__(
        self,
        primary: AsyncEngine,
        urls: Sequence[str],
        *,
        max_lag: float,
        check_every: float,
        **engine_options: Any,
    ) -> None:
        self.max_lag = max_lag
        self.check_every = check_every
        self._primary = plain_reads(primary)
        self.replicas = []
        for url in urls:
            engine = create_engine(url, **engine_options)
            self.replicas.append(Replica(_name(url), plain_reads(engine), engine))
        # The primary's log position over the last `max_lag` seconds (and one sample older).
        self._samples: deque[tuple[float, int]] = deque()
        self._turn = itertools.count()

    def reader_for(
        self, identity: Identity, *, read_only: bool, primary: AsyncEngine
    ) -> AsyncEngine:
        """The engine a request's plain reads run on: a usable replica when the operation
        only reads and `identity` cannot write; else `primary` (the primary's plain reads)."""
        if not read_only or not reads_may_lag(identity):
            return primary
        usable = [r for r in self.replicas if r.usable]
        if not usable:
            return primary
        return usable[next(self._turn) % len(usable)].engine

    def status(self) -> list[dict[str, Any]]:
        return [r.status() for r in self.replicas]

    def failed(self, engine: AsyncEngine) -> None:
        """A request found the replica behind `engine` gone: no more reads until a check
        reaches it again."""
        for replica in self.replicas:
            if replica.engine is engine:
                self._set(replica, None, "unreachable (a read found it gone)")

    async def check(self) -> None:
        """Sample the primary's log position, then measure every replica against the
        samples."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._patience), self._primary.connect() as conn:
                position = parse_lsn(str(await conn.scalar(_PRIMARY_POSITION)))
        except Exception as exc:  # the primary is down: every request fails anyway
            log.warning("replica check: the primary did not answer (%s)", type(exc).__name__)
            return
        self._samples.append((started, position))
        horizon = started - self.max_lag
        while len(self._samples) > 1 and self._samples[1][0] <= horizon:
            self._samples.popleft()
        await asyncio.gather(*(self._measure(r) for r in self.replicas))

    async def run(self) -> None:
        """Check every `check_every` seconds until cancelled."""
        while True:
            await self.check()
            await asyncio.sleep(self.check_every)

    async def dispose(self) -> None:
        for replica in self.replicas:
            await replica.base.dispose()

    # --- internals --------------------------------------------------------------------------

    @property
    def _patience(self) -> float:
        """How long a check waits for a server (a black-holed address would hang asyncpg's
        connect for a minute)."""
        return max(2.0, self.check_every)

    async def _measure(self, replica: Replica) -> None:
        try:
            async with asyncio.timeout(self._patience), replica.engine.connect() as conn:
                in_recovery, replayed = (await conn.execute(_REPLICA_POSITION)).one()
        except Exception as exc:
            self._set(replica, None, f"unreachable ({type(exc).__name__})")
            return
        if not in_recovery:
            self._set(replica, None, "not a standby: it is not in recovery (promoted?)")
            return
        if replayed is None:
            self._set(replica, None, "has replayed nothing yet")
            return
        lag = staleness(self._samples, parse_lsn(str(replayed)), time.monotonic())
        if lag is None or lag > self.max_lag:
            self._set(replica, lag, f"more than {self.max_lag:g} s behind the primary")
            return
        self._set(replica, lag, None)

    def _set(self, replica: Replica, lag: float | None, problem: str | None) -> None:
        usable = problem is None
        if usable != replica.usable or (problem or "")[:12] != (replica.problem or "")[:12]:
            if usable:
                log.info("replica %s answers reads again (%.3f s behind)", replica.name, lag)
            else:
                log.warning("replica %s answers no reads: %s", replica.name, problem)
        replica.usable, replica.lag, replica.problem = usable, lag, problem
