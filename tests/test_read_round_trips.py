"""A plain read costs the database its statements and nothing else (hub/db/engine.py).

Counted where the bytes leave: asyncpg's query logger sees the simple-protocol messages the
hub sends to PostgreSQL (BEGIN, ROLLBACK, the pool's liveness ping `;`). A planned read by a
caller whose token the worker has verified already must send none of them: its statements,
through one connection checkout, with no pre-ping before them and no transaction around
them (about 5 extra round trips a request before).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from hub.services.accounts import create_client
from tests.conftest import _places, serve
from tests.oauth_support import oauth_settings

CEREMONY = {"", "BEGIN", "ROLLBACK", "COMMIT"}
QUERY = """query One($code: String!, $year: Int!) {
  lao(code: $code) { code nameTh district { nameTh }
    year(fiscalYear: $year) { state healthEnvironment { villageHealthVolunteers } } } }"""


async def test_a_planned_read_sends_only_its_statements(fresh_demo_url: str, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has no round trips: it runs in the worker's process")
    places = await _places(fresh_demo_url)
    settings = oauth_settings(fresh_demo_url, count_statements=True)
    sent: list[str] = []
    checkouts: list[int] = []
    async with serve(settings) as hub:
        engine = hub.app.state.engine  # type: ignore[attr-defined]

        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.driver_connection.add_query_logger(lambda r: sent.append(r.query))

        event.listen(engine.sync_engine, "connect", on_connect)
        event.listen(engine.sync_engine.pool, "checkout", lambda *a: checkouts.append(1))
        client_id, secret = await create_client(engine, "portal", "domain:1")
        token = await hub.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        body = {"query": QUERY, "variables": {"code": places.certified_code, "year": places.year}}
        first = await hub.post("/graphql", json=body, headers=headers)  # verifies the token
        assert first.status_code == 200 and "errors" not in first.json(), first.text
        for _ in range(3):
            sent.clear()
            checkouts.clear()
            answer = await hub.post("/graphql", json=body, headers=headers)
            assert answer.json() == first.json()
            assert int(answer.headers["x-sql-statements"]) >= 1
            await _settled()
            # The statements themselves run as prepared statements, which the logger does
            # not see; what it sees is ceremony: BEGIN, ROLLBACK, the ping (`;`).
            assert [q for q in sent if q.strip().rstrip(";").upper() in CEREMONY] == []
            assert len(checkouts) == 1


async def _settled() -> None:
    """asyncpg hands query records to its loggers with `call_soon`: let them run."""
    import asyncio

    await asyncio.sleep(0)
    await asyncio.sleep(0)
