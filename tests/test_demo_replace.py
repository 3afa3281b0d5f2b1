"""Replacing the demo dataset leaves a consistent database, change log included."""

from sqlalchemy import func, select

from hub.db import migrate
from hub.db.engine import create_engine
from hub.db.models import Lao
from hub.rules.identity import client
from hub.services import audit, read_audit
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
            first_lao = (await conn.execute(select(func.min(Lao.id)))).scalar_one()
        await read_audit.record(engine, client("c", "personal"), {first_lao: {"Lao.recorders"}})
        await load_demo(engine, DemoConfig(provinces=2, seed=11), replace=True)
        loaded = await audit.verify(engine)  # the new load's provenance entries, nothing before
        async with engine.begin() as conn:
            await audit.append(
                conn, audit.Actor(), entity="test", entity_id=2, action="note", changes={}
            )
            laos = (await conn.execute(select(func.count()).select_from(Lao))).scalar_one()
            first_lao = (await conn.execute(select(func.min(Lao.id)))).scalar_one()
        await read_audit.record(engine, client("c", "personal"), {first_lao: {"Lao.recorders"}})
        verified = await audit.verify(engine)
        reads = await read_audit.verify(engine)
    finally:
        await engine.dispose()
    assert laos > 0
    assert loaded.ok and loaded.entries > 0
    assert verified.ok and verified.entries == loaded.entries + 1
    assert reads.ok and reads.entries == 1  # the read audit went with the data it named
