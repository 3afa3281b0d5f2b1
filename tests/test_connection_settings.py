"""The per-connection settings the hub's engines give PostgreSQL (hub/db/engine.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import event, text

from hub.db.engine import create_engine
from tests.conftest import scratch_database


def test_postgresql_connections_run_without_jit(tmp_path: Path) -> None:
    """JIT compilation cost the LPA roll-up 495 of its 589 ms; every hub connection turns it
    off, the statement timeout still applies beside it."""

    async def settings_of(url: str) -> tuple[str, str]:
        engine = create_engine(url, statement_timeout=5)
        try:
            async with engine.connect() as conn:
                jit = (await conn.execute(text("SHOW jit"))).scalar_one()
                timeout = (await conn.execute(text("SHOW statement_timeout"))).scalar_one()
                return jit, timeout
        finally:
            await engine.dispose()

    with scratch_database("postgresql", tmp_path) as url:
        assert asyncio.run(settings_of(url)) == ("off", "5s")


def test_a_pool_under_load_keeps_its_connections(tmp_path: Path) -> None:
    """A pool busier than its size must not open and close connections: with SQLAlchemy's
    default overflow, every connection beyond `pool_size` was closed as soon as it was
    returned, so a worker at c=32 opened ~20 PostgreSQL backends a second, each planning its
    statements afresh (Q1 at c=32: 360–480 requests a second, 720–860 without overflow).
    Callers beyond the pool wait for a connection instead."""
    size = 3

    async def connections_opened(url: str) -> tuple[int, int]:
        engine = create_engine(url, pool_size=size)
        opened = 0
        busy = most_busy = 0

        def on_connect(*_: object) -> None:
            nonlocal opened
            opened += 1

        def on_checkout(*_: object) -> None:
            nonlocal busy, most_busy
            busy += 1
            most_busy = max(most_busy, busy)

        def on_checkin(*_: object) -> None:
            nonlocal busy
            busy -= 1

        event.listen(engine.sync_engine, "connect", on_connect)
        event.listen(engine.sync_engine.pool, "checkout", on_checkout)
        event.listen(engine.sync_engine.pool, "checkin", on_checkin)

        async def read() -> None:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT pg_sleep(0.01)"))

        try:
            for _ in range(3):  # three bursts of four times the pool's size
                await asyncio.gather(*(read() for _ in range(4 * size)))
        finally:
            await engine.dispose()
        return opened, most_busy

    with scratch_database("postgresql", tmp_path) as url:
        opened, most_busy = asyncio.run(connections_opened(url))
    assert most_busy == size  # every connection was in use at once, and no more
    assert opened == size
