"""Replacing the demo dataset leaves a consistent database, change log included."""

from sqlalchemy import func, select

from hub.db import migrate
from hub.db.engine import create_engine
from hub.db.models import Lao
from hub.services import audit
from loaders.demo import DemoConfig, load_demo


async def test_replace_starts_a_fresh_change_log_on_both_databases(empty_database_url):
    import asyncio

    await asyncio.to_thread(migrate.upgrade, empty_database_url)
    engine = create_engine(empty_database_url)
    try:
        await load_demo(engine, DemoConfig(provinces=2))
        async with engine.begin() as conn:
            await audit.append(
                conn, audit.Actor(), entity="test", entity_id=1, action="note", changes={}
            )
        await load_demo(engine, DemoConfig(provinces=2, seed=11), replace=True)
        loaded = await audit.verify(engine)  # the new load's provenance entries, nothing before
        async with engine.begin() as conn:
            await audit.append(
                conn, audit.Actor(), entity="test", entity_id=2, action="note", changes={}
            )
            laos = (await conn.execute(select(func.count()).select_from(Lao))).scalar_one()
        verified = await audit.verify(engine)
    finally:
        await engine.dispose()
    assert laos > 0
    assert loaded.ok and loaded.entries > 0
    assert verified.ok and verified.entries == loaded.entries + 1
