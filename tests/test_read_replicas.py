"""Reads off the primary, against a real streaming replica (tests/replication.py): callers
who cannot write read the replica, a caller who just wrote reads its own write, a replica
too far behind or gone answers nothing, and a mutation never runs on a replica.

How a test tells which server answered: the replica's replay is paused
(`pg_wal_replay_pause()`), so a change made on the primary afterwards is visible on the primary
only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from hub.db import migrate
from hub.db.engine import create_engine
from hub.db.models import Lao
from hub.rules.enums import Role
from hub.rules.identity import PUBLIC, Identity, RoleGrant, client, user
from hub.settings import Settings
from hub.web.app import create_app
from tests.replication import Pair, streaming_pair
from tests.small_world import MUEANG_TAK, seed_places_and_years

LAO_ID, CODE = 1, "6630101"
CALLERS: dict[str, Identity] = {
    "public": PUBLIC,
    "agency": client("agency", "domain:1 domain:5 missions"),
    "source": client("allowance-system", "pulled:allowance"),
    "dla": user("dla", RoleGrant(Role.DLA_ADMIN)),
}
NAME = "query($code: String!) { lao(code: $code) { nameTh } }"
RENAME = """mutation($code: String!, $name: String!, $on: Date!) {
  recordLaoNameChange(laoCode: $code, newNameTh: $name, effectiveOn: $on) {
    __typename ... on LaoRegistryChanged { lao { nameTh } } } }"""


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    with streaming_pair() as made:
        migrate.upgrade(made.primary_url)

        async def seed() -> None:
            engine = create_engine(made.primary_url)
            try:
                async with engine.begin() as conn:
                    await seed_places_and_years(conn, {LAO_ID: MUEANG_TAK})
                    await conn.execute(update(Lao).where(Lao.id == LAO_ID).values(code=CODE))
            finally:
                await engine.dispose()

        asyncio.run(seed())
        yield made


@pytest.fixture
def replay(pair: Pair) -> Iterator[Pair]:
    """The pair with the replica caught up; its replay resumed after the test."""
    _caught_up(pair)
    yield pair
    pair.replica_sql("SELECT pg_wal_replay_resume()")


def _caught_up(pair: Pair) -> None:
    pair.replica_sql("SELECT pg_wal_replay_resume()")
    wanted = _primary_position(pair)
    deadline = time.monotonic() + 30
    while pair.replica_sql(f"SELECT pg_last_wal_replay_lsn() >= '{wanted}'") != "t":
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def _primary_position(pair: Pair) -> str:
    """Where the primary's log ends, every commit so far flushed. The throwaway primary runs
    with `synchronous_commit = off`, so a commit is acknowledged before it is flushed, and a
    replica caught up to the flushed position could still lack the seed (it did, in about one
    run in three: the first read found no LAO). A transaction that writes to the log and
    commits synchronously flushes it up to its own commit, every earlier commit included (one
    that only takes an id writes nothing before its commit record, which PostgreSQL then
    does not flush)."""

    async def read() -> str:
        engine = create_engine(pair.primary_url)
        try:
            async with engine.begin() as conn:
                await conn.exec_driver_sql("SET LOCAL synchronous_commit = on")
                await conn.exec_driver_sql("CREATE TEMPORARY TABLE flushed () ON COMMIT DROP")
            async with engine.connect() as conn:
                lsn = await conn.exec_driver_sql("SELECT pg_current_wal_flush_lsn()::text")
                return str(lsn.scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(read())


async def _hub(pair: Pair, **settings: Any) -> Any:
    async def identify(request: Any) -> Identity:
        return CALLERS[request.headers.get("x-test-caller", "public")]

    app = create_app(
        Settings(
            database_url=pair.primary_url,
            replica_urls=(pair.replica_url,),
            environment="test",
            **settings,
        ),
        identify=identify,
    )
    return app


@pytest.fixture
async def hub(replay: Pair) -> AsyncIterator[httpx.AsyncClient]:
    app = await _hub(replay, replica_check_seconds=0.1)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
            c.app = app  # type: ignore[attr-defined]
            yield c


async def _ask(hub: httpx.AsyncClient, caller: str, query: str, **variables: Any) -> dict:
    response = await hub.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"x-test-caller": caller},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def _name(hub: httpx.AsyncClient, caller: str) -> str:
    return str((await _ask(hub, caller, NAME, code=CODE))["lao"]["nameTh"])


_RENAMES = itertools.count(1)


async def _rename(hub: httpx.AsyncClient, name: str) -> None:
    """DLA renames the LAO from a day after its previous rename's (a day holds one rename)."""
    on = dt.date.today() - dt.timedelta(days=30) + dt.timedelta(days=next(_RENAMES))
    answer = await _ask(hub, "dla", RENAME, code=CODE, name=name, on=on.isoformat())
    assert answer["recordLaoNameChange"] == {
        "__typename": "LaoRegistryChanged",
        "lao": {"nameTh": name},
    }


async def test_readers_who_cannot_write_read_the_replica_writers_read_their_writes(
    hub: httpx.AsyncClient, replay: Pair
) -> None:
    before = await _name(hub, "public")
    replay.replica_sql("SELECT pg_wal_replay_pause()")
    # The mutation's own answer (its payload's reads) comes from the primary whoever sends it.
    await _rename(hub, "อบต.ใหม่ทดสอบ")
    # Callers who can write read the primary: the writer sees its write at once, so does a
    # source system's client.
    assert await _name(hub, "dla") == "อบต.ใหม่ทดสอบ"
    assert await _name(hub, "source") == "อบต.ใหม่ทดสอบ"
    # The public and a reading agency read the paused replica: the name before the change.
    assert await _name(hub, "public") == before
    assert await _name(hub, "agency") == before
    # So do the REST face's reads (queries only), and the writer's REST reads stay fresh.
    rest = await hub.get(f"/api/v1/laos/{CODE}")
    assert rest.status_code == 200 and rest.json()["nameTh"] == before, rest.text
    rest = await hub.get(f"/api/v1/laos/{CODE}", headers={"x-test-caller": "dla"})
    assert rest.status_code == 200 and rest.json()["nameTh"] == "อบต.ใหม่ทดสอบ", rest.text
    # And what the hub publishes as the public (the embeddable LAO card, open data).
    card = await hub.get(f"/embed/lao/{CODE}.json")
    assert card.status_code == 200 and before in card.text and "ใหม่" not in card.text
    replay.replica_sql("SELECT pg_wal_replay_resume()")
    await _until(lambda: _name(hub, "public"), "อบต.ใหม่ทดสอบ")


async def test_a_replica_further_behind_than_the_bound_answers_nothing(replay: Pair) -> None:
    app = await _hub(replay, replica_check_seconds=0.05, replica_max_lag=0.5)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as hub:
            replay.replica_sql("SELECT pg_wal_replay_pause()")
            await _rename(hub, "อบต.ล่าช้า")
            # Behind by more than 0.5 s, the replica is left alone: the primary answers.
            await _until(lambda: _name(hub, "public"), "อบต.ล่าช้า")
            [status] = app.state.replicas.status()
            assert not status["usable"] and "behind" in status["problem"]
            ready = (await hub.get("/readyz")).json()
            assert ready["status"] == "ok" and ready["replicas"][0]["usable"] is False
            replay.replica_sql("SELECT pg_wal_replay_resume()")
            await _until(lambda: _usable(app), True)


async def test_a_replica_that_goes_away_leaves_reads_to_the_primary(replay: Pair) -> None:
    # Checks far apart, so the requests below find the replica gone before a check does.
    app = await _hub(replay, replica_check_seconds=600)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as hub:
            assert await _usable(app)
            name = await _name(hub, "public")
            rest = await hub.get(f"/api/v1/laos/{CODE}")
            replay.stop_replica()
            try:
                # The query that finds it gone is answered again from the primary: no error.
                assert await _name(hub, "public") == name
                [status] = app.state.replicas.status()
                assert not status["usable"] and "gone" in status["problem"]
                assert await _name(hub, "agency") == name
                again = await hub.get(f"/api/v1/laos/{CODE}")
                assert again.status_code == 200 and again.json() == rest.json()
                # A check finds it unreachable too.
                await app.state.replicas.check()
                assert "unreachable" in app.state.replicas.status()[0]["problem"]
            finally:
                replay.start_replica()
            # Back, caught up: the next check puts it in turn again.
            await _until(_checked_usable(app), True)
            replay.replica_sql("SELECT pg_wal_replay_pause()")
            await _rename(hub, "อบต.กลับมา")
            assert await _name(hub, "public") == name  # the replica answers again


def _checked_usable(app: Any) -> Any:
    async def probe() -> bool:
        await app.state.replicas.check()
        return await _usable(app)

    return probe


async def _usable(app: Any) -> bool:
    return bool(app.state.replicas.status()[0]["usable"])


async def _until(probe: Any, wanted: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while (got := await probe()) != wanted:
        assert time.monotonic() < deadline, f"still {got!r}, not {wanted!r}"
        await asyncio.sleep(0.05)
