"""Quotas on the API (hub/web/quotas.py): per caller, overridable per client, shared by two
app instances over one database (SQLite and PostgreSQL) or one Redis, answered with 429,
`Retry-After` and the IETF RateLimit headers."""

from __future__ import annotations

import dataclasses

import httpx
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from hub.db.models import RateLimitCounter
from hub.oauth import resource
from hub.services.accounts import create_client
from hub.services.client_policy import set_client_policy
from hub.web.quotas import QuotaMiddleware
from tests.conftest import serve
from tests.oauth_support import oauth_settings

QUERY = {"query": "{ provinces { code } }"}


async def _token(hub, client_id: str, secret: str) -> dict[str, str]:
    response = await hub.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_two_instances_share_one_budget_in_the_database(migrated_database_url):
    settings = oauth_settings(migrated_database_url, rate_limit_per_minute=3, quota_per_day=0)
    async with serve(settings) as first, serve(dataclasses.replace(settings)) as second:
        answers = [await hub.post("/graphql", json=QUERY) for hub in (first, second, first, second)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        ok, refused = answers[0], answers[3]
        assert ok.headers["ratelimit-policy"] == '"minute";q=3;w=60'
        assert ok.headers["ratelimit"].startswith('"minute";r=2;t=')
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["ratelimit"].startswith('"minute";r=0;')
        error = refused.json()["errors"][0]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert error["extensions"]["policy"] == "minute"
        assert error["extensions"]["retryAfter"] == int(refused.headers["retry-after"])
        assert error["extensions"]["messageTh"]
        async with first.app.state.engine.connect() as conn:
            keys = set((await conn.execute(select(RateLimitCounter.key))).scalars())
        assert any(k.startswith("quota:minute:ip:") for k in keys)


async def test_a_clients_own_limits_replace_the_defaults(migrated_database_url):
    settings = oauth_settings(migrated_database_url, rate_limit_per_minute=100, quota_per_day=2)
    async with serve(settings) as hub:
        engine = hub.app.state.engine
        big, big_secret = await create_client(engine, "กรมส่งเสริมการปกครองท้องถิ่น", "")
        small, small_secret = await create_client(engine, "พอร์ทัล", "")
        await set_client_policy(engine, big, daily_quota=0, rate_limit=5)
        await set_client_policy(engine, small, rate_limit=1)
        big_headers = await _token(hub, big, big_secret)
        small_headers = await _token(hub, small, small_secret)

        codes = [
            (await hub.post("/graphql", json=QUERY, headers=big_headers)).status_code
            for _ in range(6)
        ]
        assert codes == [200] * 5 + [429]
        first = await hub.post("/graphql", json=QUERY, headers=small_headers)
        assert first.headers["ratelimit-policy"] == '"minute";q=1;w=60, "day";q=2;w=86400'
        second = await hub.post("/graphql", json=QUERY, headers=small_headers)
        assert second.status_code == 429
        assert second.json()["errors"][0]["extensions"]["policy"] == "minute"
        # The public (by address) has its own budget: the default, 2 a day.
        public = [(await hub.post("/graphql", json=QUERY)).status_code for _ in range(3)]
        assert public == [200, 200, 429]


async def test_no_limit_counts_nothing(migrated_database_url):
    settings = oauth_settings(migrated_database_url, rate_limit_per_minute=0, quota_per_day=0)
    async with serve(settings) as hub:
        response = await hub.post("/graphql", json=QUERY)
        assert response.status_code == 200 and "ratelimit" not in response.headers
        async with hub.app.state.engine.connect() as conn:
            assert not (await conn.execute(select(RateLimitCounter.key))).first()


async def test_two_instances_share_one_budget_in_redis(migrated_database_url, redis_url):
    settings = oauth_settings(
        migrated_database_url, redis_url=redis_url, rate_limit_per_minute=0, quota_per_day=3
    )
    async with serve(settings) as first, serve(dataclasses.replace(settings)) as second:
        client_id, secret = await create_client(first.app.state.engine, "กรมอนามัย", "domain:1")
        headers = await _token(first, client_id, secret)
        answers = [
            await hub.post("/graphql", json=QUERY, headers=headers)
            for hub in (first, second, first, second)
        ]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[3].json()["errors"][0]["extensions"]["policy"] == "day"
        assert 1 <= int(answers[3].headers["retry-after"]) <= 86_400
        async with first.app.state.engine.connect() as conn:  # no database write per request
            assert not (await conn.execute(select(RateLimitCounter.key))).first()


async def test_the_middleware_guards_any_asgi_app(migrated_database_url):
    """What the REST face and exports wrap themselves in: the same quotas, the same answers."""
    settings = oauth_settings(migrated_database_url, rate_limit_per_minute=1, quota_per_day=0)
    async with serve(settings) as hub:

        async def hello(request):
            return PlainTextResponse(request.scope["state"]["identity"].kind)

        guarded = QuotaMiddleware(Starlette(routes=[Route("/hello", hello)]), resource.identify)

        async def mounted(scope, receive, send):  # as if mounted in the hub: its state
            await guarded({**scope, "app": hub.app}, receive, send)

        transport = httpx.ASGITransport(app=mounted)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as api:
            first = await api.get("/hello")
            assert first.text == "public" and first.headers["ratelimit-policy"]
            second = await api.get("/hello")
            assert second.status_code == 429 and second.headers["retry-after"]


async def test_the_rest_face_and_the_exports_count_against_the_same_budget(
    migrated_database_url,
):
    """One budget per caller across faces: a REST call and an export count like a GraphQL
    request; past the limit REST answers an RFC 9457 problem, the export the JSON error."""
    settings = oauth_settings(migrated_database_url, rate_limit_per_minute=2, quota_per_day=0)
    async with serve(settings) as hub:
        assert (await hub.post("/graphql", json=QUERY)).status_code == 200
        counted = await hub.get("/api/v1/laos/0000000")
        assert counted.status_code == 404 and counted.headers["ratelimit"].startswith(
            '"minute";r=0;'
        )
        refused = await hub.get("/api/v1/laos/0000000")
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["status"] == 429 and problem["code"] == "RATE_LIMITED"
        assert problem["retryAfter"] == int(refused.headers["retry-after"])
        assert (await hub.get("/api/v1/openapi.json")).status_code == 200  # not counted
        export = await hub.get("/exports/laos.csv?province=10")
        assert export.status_code == 429
        assert export.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
