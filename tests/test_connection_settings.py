"""The per-connection settings the hub's engines give PostgreSQL (hub/db/engine.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

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
