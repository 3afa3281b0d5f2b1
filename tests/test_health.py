"""Liveness and readiness probes over real HTTP against the real app."""

from hub.db import migrate
from hub.settings import Settings
from tests.conftest import serve


async def test_healthz_says_the_process_is_alive(migrated_database_url):
    async with serve(Settings(database_url=migrated_database_url, environment="test")) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


async def test_readyz_is_ok_when_the_database_is_reachable_and_current(migrated_database_url):
    async with serve(Settings(database_url=migrated_database_url, environment="test")) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["migrations"] == {
        "current": migrate.head_revision(),
        "head": migrate.head_revision(),
    }


async def test_readyz_is_unavailable_until_migrations_are_applied(empty_database_url):
    settings = Settings(database_url=empty_database_url, environment="test", auto_migrate=False)
    async with serve(settings) as client:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.json()["migrations"]["current"] is None
        assert (await client.get("/healthz")).status_code == 200


async def test_readyz_is_unavailable_when_the_database_cannot_be_reached():
    url = "postgresql+asyncpg://nobody@127.0.0.1:1/nothing"
    settings = Settings(database_url=url, environment="test", auto_migrate=False)
    async with serve(settings) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


async def test_the_app_migrates_an_empty_database_on_start_up(empty_database_url):
    async with serve(Settings(database_url=empty_database_url, environment="test")) as client:
        assert (await client.get("/readyz")).status_code == 200


async def test_a_caller_request_id_is_echoed(migrated_database_url):
    async with serve(Settings(database_url=migrated_database_url, environment="test")) as client:
        response = await client.get("/healthz", headers={"X-Request-Id": "clerk-42"})
    assert response.headers["x-request-id"] == "clerk-42"
