"""Shared fixtures: real databases (an SQLite file, a PostgreSQL server) and the real app.

PostgreSQL tests run when HUB_TEST_POSTGRES_URL points at a server (any database on it; each
test gets a fresh database created there and dropped afterwards). In CI (CI=true) a missing
server is an error, not a skip: the PostgreSQL half of the suite must run. Redis tests use
HUB_TEST_REDIS_URL (default redis://127.0.0.1:6379/0) and skip when no server answers there,
except in CI.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from hub.db import migrate
from hub.db.engine import create_engine
from hub.db.models import District, FiscalYear, Lao, LaoYear, Province
from hub.rules.enums import CertificationState, LaoType, Role
from hub.rules.identity import PUBLIC, Identity, RoleGrant, client, user
from hub.settings import Settings
from hub.web.app import create_app

BACKENDS = ["sqlite", "postgresql"]


def postgres_server_url() -> str | None:
    url = os.environ.get("HUB_TEST_POSTGRES_URL")
    if not url and os.environ.get("CI") == "true":
        raise RuntimeError("CI must run the PostgreSQL tests: set HUB_TEST_POSTGRES_URL")
    return url


async def _admin(sql: str) -> None:
    import asyncpg

    url = make_url(postgres_server_url())
    conn = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database="postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def scratch_database(backend: str, directory: Path) -> Iterator[str]:
    """A new, empty database URL of `backend`; removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / f'hub-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    server = postgres_server_url()
    if server is None:
        pytest.skip("HUB_TEST_POSTGRES_URL is not set")
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis server's URL (its keys are shared: tests use keys of their own)."""
    import redis

    url = os.environ.get("HUB_TEST_REDIS_URL") or DEFAULT_TEST_REDIS_URL
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"CI must run the Redis tests: no Redis answers at {url}") from exc
        pytest.skip(f"no Redis answers at {url} (set HUB_TEST_REDIS_URL)")
    finally:
        client.close()
    return url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    with scratch_database(backend, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def _migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Per backend, an empty database brought to the newest migration, used only as a
    template. Why: running the migration chain takes about a second, a copy a tenth of
    that, and some two hundred tests start from a migrated database."""
    templates: dict[str, str] = {}
    with contextlib.ExitStack() as stack:

        def build(backend: str) -> str:
            if backend not in templates:
                directory = tmp_path_factory.mktemp("migrated")
                url = stack.enter_context(scratch_database(backend, directory))
                migrate.upgrade(url)
                templates[backend] = url
            return templates[backend]

        yield build


@pytest.fixture
def migrated_database_url(backend: str, tmp_path: Path, _migrated_templates: Any) -> Iterator[str]:
    """A private, empty database at the newest migration (a copy of a template)."""
    with demo_copy(_migrated_templates(backend), tmp_path) as url:
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def demo_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database with a small demo dataset (the first 5 provinces), shared by read-only tests."""
    from hub.db.engine import create_engine
    from loaders.demo import DemoConfig, load_demo

    with scratch_database(request.param, tmp_path_factory.mktemp("demo")) as url:
        migrate.upgrade(url)

        async def load() -> None:
            engine = create_engine(url)
            try:
                await load_demo(engine, DemoConfig(provinces=5))
            finally:
                await engine.dispose()

        asyncio.run(load())
        yield url


def as_identity(identity: Identity) -> Callable[[Any], Awaitable[Identity]]:
    """A test-only identity resolver: every request is made by `identity`."""

    async def identify(request: Any) -> Identity:
        return identity

    return identify


@contextlib.asynccontextmanager
async def serve(
    settings: Settings, identity: Identity | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The real ASGI app with its lifespan, behind an HTTP client (`client.app` is the app)."""
    app = create_app(settings, identify=as_identity(identity) if identity is not None else None)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


@pytest.fixture
async def demo_client(demo_database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(Settings(database_url=demo_database_url, environment="test")) as client:
        yield client


async def graphql(client: httpx.AsyncClient, query: str, **variables: object) -> dict:
    """POSTs a query and returns `data`, failing the test on any error."""
    body = await graphql_response(client, query, **variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


async def graphql_response(client: httpx.AsyncClient, query: str, **variables: object) -> dict:
    """POSTs a query and returns the whole response body (data and errors)."""
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


# --- Places and callers in the shared demo dataset, for the read-API tests -----------------


@dataclass(frozen=True)
class Places:
    year: int
    draft_sao_code: str
    draft_sao_id: int
    district_id: int
    district_code: str
    province_id: int
    province_code: str
    certified_code: str
    other_lao_id: int


async def _places(url: str) -> Places:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            year = (
                await conn.execute(select(FiscalYear.year_be).where(FiscalYear.closed_at.is_(None)))
            ).scalar_one()
            draft = (
                await conn.execute(
                    select(
                        Lao.id,
                        Lao.code,
                        Lao.district_id,
                        Lao.province_id,
                        District.code,
                        Province.code,
                    )
                    .join(LaoYear, LaoYear.lao_id == Lao.id)
                    .join(District, District.id == Lao.district_id)
                    .join(Province, Province.id == Lao.province_id)
                    .where(
                        LaoYear.fiscal_year == year,
                        LaoYear.state == CertificationState.DRAFT,
                        Lao.type == LaoType.SAO,
                    )
                    .order_by(Lao.id)
                    .limit(1)
                )
            ).one()
            certified = (
                await conn.execute(
                    select(Lao.code)
                    .join(LaoYear, LaoYear.lao_id == Lao.id)
                    .where(
                        LaoYear.fiscal_year == year,
                        LaoYear.state == CertificationState.PROVINCE_CERTIFIED,
                        Lao.type != LaoType.BANGKOK,
                    )
                    .order_by(Lao.id)
                    .limit(1)
                )
            ).scalar_one()
            other = (
                await conn.execute(
                    select(Lao.id).where(Lao.province_id != draft[3]).order_by(Lao.id).limit(1)
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    return Places(
        year, draft[1], draft[0], draft[2], draft[4], draft[3], draft[5], certified, other
    )


@pytest.fixture(scope="session")
def places(demo_database_url: str) -> Places:
    return asyncio.run(_places(demo_database_url))


def identities(p: Places) -> dict[str, Identity]:
    return {
        "public": PUBLIC,
        "agency": client("demo-moph", "domain:1 domain:7"),
        "agency_personal": client(
            "demo-personal", " ".join(f"domain:{n}" for n in range(1, 9)) + " missions personal"
        ),
        "recorder": user("rec", RoleGrant(Role.LAO_RECORDER, lao_id=p.draft_sao_id)),
        "other_recorder": user("rec2", RoleGrant(Role.LAO_RECORDER, lao_id=p.other_lao_id)),
        "district": user("dis", RoleGrant(Role.DISTRICT_OFFICER, district_id=p.district_id)),
        "province": user("pro", RoleGrant(Role.PROVINCE_OFFICER, province_id=p.province_id)),
        "assessor": user("lpa", RoleGrant(Role.LPA_ASSESSOR, province_id=p.province_id)),
        "dla": user("dla", RoleGrant(Role.DLA_ADMIN)),
    }


# --- A fresh small demo database per test, copied from a template built once ---------------


@pytest.fixture(scope="session")
def _template_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Per backend, a database holding the 2-province demo dataset, used only as a template."""
    from loaders.demo import DemoConfig, load_demo

    templates: dict[str, str] = {}
    with contextlib.ExitStack() as stack:

        def build(backend: str) -> str:
            if backend not in templates:
                url = stack.enter_context(
                    scratch_database(backend, tmp_path_factory.mktemp("template"))
                )
                migrate.upgrade(url)

                async def load() -> None:
                    engine = create_engine(url)
                    try:
                        await load_demo(engine, DemoConfig(provinces=2))
                    finally:
                        await engine.dispose()

                asyncio.run(load())
                templates[backend] = url
            return templates[backend]

        yield build  # type: ignore[misc]


@pytest.fixture
def fresh_demo_url(backend: str, tmp_path: Path, _template_databases: Any) -> Iterator[str]:
    """A private copy of the small demo dataset that a test may change at will."""
    with demo_copy(_template_databases(backend), tmp_path) as url:
        yield url


@contextlib.contextmanager
def demo_copy(template: str, directory: Path) -> Iterator[str]:
    """A private copy of a template database: a file copy on SQLite, `TEMPLATE` on PostgreSQL."""
    import shutil

    if template.startswith("sqlite"):
        source = make_url(template).database
        target = directory / f"fresh-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copyfile(source, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template).database}"'))
    try:
        yield make_url(template).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- The console over real HTTP, for the browser tests (tests/browser_support.py) -----------


@dataclass(frozen=True)
class LiveHub:
    base: str  # http://127.0.0.1:PORT
    database_url: str


@pytest.fixture(scope="module", params=BACKENDS)
def console_hub(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    _template_databases: Any,
) -> Iterator[LiveHub]:
    """The hub served over HTTP on a private copy of the small demo dataset, shared by the
    tests of one module (per backend): each test works on its own LAOs or accounts."""
    from tests.browser_support import live_hub

    template = _template_databases(request.param)
    with (
        demo_copy(template, tmp_path_factory.mktemp("console")) as url,
        live_hub(url) as base,
    ):
        yield LiveHub(base, url)


@pytest.fixture
def fresh_console_hub(fresh_demo_url: str) -> Iterator[LiveHub]:
    """The hub served over HTTP on this test's own copy of the small demo dataset."""
    from tests.browser_support import live_hub

    with live_hub(fresh_demo_url) as base:
        yield LiveHub(base, fresh_demo_url)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    """Debian's Chromium under Playwright, one per test session."""
    from tests.browser_support import chromium

    async with chromium() as launched:
        yield launched


# --- The change feed's horizon ---------------------------------------------------------------


async def written_entries_settle(url: str, within: float = 600) -> None:
    """Waits until every transaction begun before the call has ended, so the feed hands out
    everything written so far. It hands out an entry once no transaction older than the
    entry's is still running (`hub.db.change_feed.settled`), and transaction ids belong to the
    whole PostgreSQL server: another database's long transaction (a test running in another
    process, loading the demo) holds back this database's feed until it ends."""
    engine = create_engine(url)
    try:
        if engine.dialect.name != "postgresql":
            return
        snapshot = "pg_current_snapshot()"
        async with engine.connect() as conn:
            horizon = (
                await conn.execute(text(f"SELECT pg_snapshot_xmax({snapshot})::text::bigint"))
            ).scalar_one()
            waited = 0.0
            while (
                await conn.execute(text(f"SELECT pg_snapshot_xmin({snapshot})::text::bigint"))
            ).scalar_one() < horizon:
                assert waited < within, "a transaction older than the test's writes still runs"
                await asyncio.sleep(0.2)
                waited += 0.2
    finally:
        await engine.dispose()
