"""The OAuth rate limits' counters in Redis (HUB_REDIS_URL), shared by every worker and
replica without a database write per token request; in the database when it is unset
(tests/test_oauth_server.py, tests/test_oauth_hardening.py cover that path)."""

from __future__ import annotations

import dataclasses

import redis.asyncio as aioredis
from sqlalchemy import func, select

from hub.db.models import RateLimitCounter
from hub.services.accounts import create_client
from tests.conftest import serve
from tests.oauth_support import oauth_settings
from tests.test_oauth_hardening import from_address

TOKEN = {"grant_type": "client_credentials"}


async def _rows(engine) -> int:
    async with engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(RateLimitCounter))).scalar_one()
        )


async def _redis_count(url: str, pattern: str) -> list[int]:
    client = aioredis.Redis.from_url(url)
    try:
        return [int(await client.get(key)) async for key in client.scan_iter(match=pattern)]
    finally:
        await client.aclose()


async def test_token_requests_are_counted_in_redis(migrated_database_url, redis_url):
    settings = oauth_settings(
        migrated_database_url, redis_url=redis_url, token_rate_limit=3, token_rate_window=3600
    )
    async with serve(settings) as hub:
        client_id, secret = await create_client(hub.app.state.engine, "กรมอนามัย", "domain:1")
        codes = [
            (await hub.post("/oauth/token", data=TOKEN, auth=(client_id, secret))).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        limited = await hub.post("/oauth/token", data=TOKEN, auth=(client_id, secret))
        assert limited.json()["error"] == "slow_down"
        assert 0 < int(limited.headers["retry-after"]) <= 3600
        assert await _redis_count(redis_url, f"hub:rate:3600:*:token:{client_id}") == [5]
        assert await _rows(hub.app.state.engine) == 0  # no database write per token request


async def test_replicas_share_one_budget_through_redis(migrated_database_url, redis_url):
    """Two app instances (two replicas over one database) count into the same window."""
    settings = oauth_settings(
        migrated_database_url, redis_url=redis_url, token_rate_limit=4, token_rate_window=3600
    )
    async with serve(settings) as first, serve(dataclasses.replace(settings)) as second:
        client_id, secret = await create_client(first.app.state.engine, "กรมอนามัย", "domain:1")
        codes = [
            (await replica.post("/oauth/token", data=TOKEN, auth=(client_id, secret))).status_code
            for replica in (first, second, first, second, first, second)
        ]
        assert codes == [200, 200, 200, 200, 429, 429]


async def test_failed_client_authentications_are_counted_in_redis(migrated_database_url, redis_url):
    settings = oauth_settings(
        migrated_database_url, redis_url=redis_url, token_rate_limit=3, token_rate_window=3600
    )
    async with serve(settings) as hub:
        client_id, secret = await create_client(hub.app.state.engine, "กรมอนามัย", "domain:1")
        async with from_address(hub, "203.0.113.9") as attacker:
            codes = [
                (
                    await attacker.post("/oauth/token", data=TOKEN, auth=(client_id, "wrong"))
                ).status_code
                for _ in range(5)
            ]
        assert codes == [401, 401, 401, 429, 429]
        assert await _redis_count(
            redis_url, f"hub:rate:3600:*:token-failures:203.0.113.9:{client_id}"
        ) == [4]  # the last attempt was refused before being counted or hashed
        ok = await hub.post("/oauth/token", data=TOKEN, auth=(client_id, secret))
        assert ok.status_code == 200  # the holder of the secret, elsewhere, is unaffected
        assert await _rows(hub.app.state.engine) == 0


async def test_an_unreachable_redis_is_a_retryable_outage(migrated_database_url):
    """The token endpoint answers 503 with Retry-After (not 500, and never unlimited); so does
    the GraphQL API, whose quotas (when set) count there too (hub/web/quotas.py)."""
    settings = oauth_settings(
        migrated_database_url, redis_url="redis://127.0.0.1:18799/0", rate_limit_per_minute=600
    )
    async with serve(settings) as hub:
        client_id, secret = await create_client(hub.app.state.engine, "กรมอนามัย", "domain:1")
        response = await hub.post("/oauth/token", data=TOKEN, auth=(client_id, secret))
        assert response.status_code == 503, response.text
        assert int(response.headers["retry-after"]) > 0
        body = response.json()
        assert body["error"] == "temporarily_unavailable"
        assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        graphql = await hub.post("/graphql", json={"query": "{ provinces { code } }"})
        assert graphql.status_code == 503 and int(graphql.headers["retry-after"]) > 0
        assert graphql.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
