"""A database that is down, locked or slow gets a typed, retryable answer, never INTERNAL nor a
bare 500; requests are bounded in time and their statements die with them.

Real failures only: a PostgreSQL port where nothing listens, a database that does not exist on
the real server, an SQLite path that cannot be opened, an SQLite write lock held by another
connection, real `pg_sleep` statements watched in `pg_stat_activity`.
"""

from __future__ import annotations

import asyncio
import re
import socket
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.rules.catalogue import DOMAINS
from hub.rules.enums import Role
from hub.rules.identity import RoleGrant, user
from hub.settings import Settings
from hub.web.app import create_app
from tests.conftest import as_identity, postgres_server_url, serve
from tests.test_data_entry import _draft_lao, clerk, save_mutation, status

DLA = user("dla", RoleGrant(Role.DLA_ADMIN))
PLANNED = "query { laos(first: 1) { totalCount edges { node { code } } } }"
RESOLVED = "query { provinces { code nameTh } }"
MUTATION = "mutation { closeFiscalYear(yearBe: 2570) { __typename } }"


def configured(url: str, **env: str) -> Settings:
    """Settings as a deployment gives them: environment variables (HUB_*)."""
    return Settings.from_env(
        {
            "HUB_DATABASE_URL": url,
            "HUB_ENV": "test",
            **{f"HUB_{k.upper()}": v for k, v in env.items()},
        }
    )


def closed_port() -> int:
    """A local port where nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_or_skip() -> str:
    server = postgres_server_url()
    if server is None:
        pytest.skip("HUB_TEST_POSTGRES_URL is not set")
    return server


def assert_unavailable(response: httpx.Response, code: str = "SERVICE_UNAVAILABLE") -> dict:
    assert response.status_code == 503, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/"), response.headers
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    [error] = body["errors"]
    assert error["extensions"]["code"] == code, error
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert error["extensions"]["messageTh"]
    assert "Traceback" not in response.text and "SELECT" not in response.text
    return body


async def _every_kind_of_request(settings: Settings) -> None:
    """Planned read, resolver read, mutation and the OAuth endpoints: all 503."""
    for accept in ("application/json", "application/graphql-response+json"):
        async with serve(settings, DLA) as c:
            headers = {"Accept": accept}
            for query in (PLANNED, RESOLVED, MUTATION):
                response = await c.post("/graphql", json={"query": query}, headers=headers)
                assert_unavailable(response)
    async with serve(settings) as c:  # the real resource server and OAuth endpoints
        token = await c.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=("doh-reporting", "not-the-secret"),
        )
        body = assert_unavailable(token)
        assert body["error"] == "temporarily_unavailable"
        assert_unavailable(await c.get("/.well-known/jwks.json"))
        assert_unavailable(await c.post("/graphql", json={"query": PLANNED}))
        # The activation page's form needs no database; setting the password does.
        page = await c.get("/oauth/activate")
        assert page.status_code == 200
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        assert_unavailable(
            await c.post(
                "/oauth/activate",
                data={
                    "csrf_token": csrf,
                    "code": "AAAA-BBBB-CCCC-DDDD",
                    "password": "a pass phrase",
                    "confirm": "a pass phrase",
                },
            )
        )


async def test_postgresql_down_answers_503_on_every_endpoint():
    postgres_or_skip()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/hub"
    await _every_kind_of_request(Settings(database_url=url, environment="test", auto_migrate=False))


async def test_a_missing_postgresql_database_answers_503():
    server = postgres_or_skip()
    url = make_url(server).set(database=f"hub_gone_{uuid.uuid4().hex[:8]}")
    settings = Settings(
        database_url=url.render_as_string(hide_password=False),
        environment="test",
        auto_migrate=False,
    )
    await _every_kind_of_request(settings)


async def test_an_sqlite_file_that_cannot_be_opened_answers_503(tmp_path: Path):
    # The path is a directory: SQLite cannot open it ("unable to open database file").
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}", environment="test", auto_migrate=False
    )
    await _every_kind_of_request(settings)


async def test_a_locked_sqlite_database_is_busy_not_internal(fresh_demo_url, backend):
    if backend != "sqlite":
        pytest.skip("SQLite's write lock")
    lao = await _draft_lao(fresh_demo_url)
    settings = configured(fresh_demo_url, sqlite_busy_timeout="0.2")
    path = make_url(fresh_demo_url).database
    async with serve(settings, clerk(lao)) as c:
        version = (await status(c, lao))["version"]
        request = {
            "query": save_mutation(DOMAINS[0]),
            "variables": {
                "code": lao.code,
                "year": lao.year,
                "version": version,
                "data": {"healthServiceUnits": 7},
            },
        }
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
            busy = await c.post("/graphql", json=request)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert_unavailable(busy, "DATABASE_BUSY")
        assert (await status(c, lao))["version"] == version  # nothing was written
        retried = (await c.post("/graphql", json=request)).json()["data"]["result"]
    assert retried["__typename"] == "SectionSaved" and retried["version"] == version + 1


# --- deadlines and hang-ups -------------------------------------------------------------------


async def _sleep_route(request: Request) -> JSONResponse:
    """Test only: one long statement on the app's engine, as a slow query would run."""
    engine = request.app.state.engine
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_sleep(60) /* hub-test-sleep */"))
        else:
            await conn.execute(
                text(
                    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
                    "WHERE x < 200000000) SELECT count(*) FROM n"
                )
            )
    return JSONResponse({"done": True})


async def _running_sleeps(url: str) -> int:
    import asyncpg

    u = make_url(url)
    conn = await asyncpg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password, database="postgres"
    )
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = 'active' "
                "AND query LIKE '%hub-test-sleep%' AND pid <> pg_backend_pid()",
                u.database,
            )
        )
    finally:
        await conn.close()


async def _until(predicate: Any, timeout: float = 20.0) -> bool:
    """Polls `predicate` (a failure guard, not a measurement)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if await predicate():
            return True
        await asyncio.sleep(0.1)
    return False


def _app_with_sleep(settings: Settings) -> Any:
    app = create_app(settings, identify=as_identity(DLA))
    app.add_route("/test/sleep", _sleep_route, methods=["POST"])
    return app


async def test_a_request_over_the_deadline_is_stopped_with_its_statement(
    migrated_database_url, backend
):
    settings = configured(migrated_database_url, request_timeout="1", statement_timeout="0")
    app = _app_with_sleep(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
            response = await asyncio.wait_for(c.post("/test/sleep"), 30)
            assert_unavailable(response, "REQUEST_TIMEOUT")
            if backend == "postgresql":
                assert await _until(lambda: _gone(migrated_database_url))
            # The app still answers (its connection came back to the pool usable).
            assert (await c.get("/readyz")).status_code == 200


async def _gone(url: str) -> bool:
    return await _running_sleeps(url) == 0


async def test_a_statement_over_the_statement_timeout_is_a_typed_timeout(
    migrated_database_url, backend
):
    settings = configured(migrated_database_url, request_timeout="60", statement_timeout="0.5")
    app = _app_with_sleep(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
            response = await asyncio.wait_for(c.post("/test/sleep"), 30)
    assert_unavailable(response, "REQUEST_TIMEOUT")
    if backend == "postgresql":
        assert await _gone(migrated_database_url)


async def test_a_client_that_hangs_up_cancels_its_statement(migrated_database_url, backend):
    settings = configured(migrated_database_url)  # the defaults
    app = _app_with_sleep(settings)
    sent: list[dict] = []
    hang_up = asyncio.Event()
    body = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict:
        if body:
            return body.pop()
        await hang_up.wait()  # the client is there until it hangs up
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/test/sleep",
        "raw_path": b"/test/sleep",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"hub.test"), (b"content-length", b"0")],
        "client": ("127.0.0.1", 5000),
        "server": ("hub.test", 80),
    }
    async with app.router.lifespan_context(app):
        call = asyncio.ensure_future(app(scope, receive, send))
        if backend == "postgresql":
            assert await _until(lambda: _started(migrated_database_url))
        else:
            await asyncio.sleep(0.5)
        assert not call.done()
        hang_up.set()
        await asyncio.wait_for(call, 30)  # the handler stopped: the app call returns
        if backend == "postgresql":
            assert await _until(lambda: _gone(migrated_database_url))
    assert not [m for m in sent if m["type"] == "http.response.start" and m["status"] >= 500]


async def _started(url: str) -> bool:
    return await _running_sleeps(url) > 0


async def test_many_clerks_at_once_on_sqlite_get_saves_or_retryable_busy(fresh_demo_url, backend):
    """Clerks of many LAOs save at the same moment; with a short lock wait some must wait
    their turn: each answer is a save or a 503 DATABASE_BUSY, never INTERNAL, and a busy
    answer changed nothing."""
    if backend != "sqlite":
        pytest.skip("SQLite's single writer")
    from sqlalchemy import select

    from hub.db.engine import create_engine
    from hub.db.models import FiscalYear, Lao, LaoYear
    from hub.rules.enums import CertificationState, LaoType

    engine = create_engine(fresh_demo_url)
    async with engine.connect() as conn:
        year = (
            await conn.execute(select(FiscalYear.year_be).where(FiscalYear.closed_at.is_(None)))
        ).scalar_one()
        laos = (
            await conn.execute(
                select(Lao.id, Lao.code, LaoYear.version)
                .join(LaoYear, LaoYear.lao_id == Lao.id)
                .where(
                    LaoYear.fiscal_year == year,
                    LaoYear.state == CertificationState.DRAFT,
                    Lao.type == LaoType.SAO,
                )
                .order_by(Lao.id)
                .limit(40)
            )
        ).all()
    await engine.dispose()
    clerks = {
        code: user(f"clerk-{code}", RoleGrant(Role.LAO_RECORDER, lao_id=lao_id))
        for lao_id, code, _ in laos
    }

    async def identify(request: Request) -> Any:
        return clerks[request.headers["x-test-lao"]]

    settings = configured(fresh_demo_url, sqlite_busy_timeout="0.05")
    app = create_app(settings, identify=identify)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:

            async def save(code: str, version: int) -> httpx.Response:
                return await c.post(
                    "/graphql",
                    headers={"x-test-lao": code},
                    json={
                        "query": save_mutation(DOMAINS[0]),
                        "variables": {
                            "code": code,
                            "year": year,
                            "version": version,
                            "data": {"healthServiceUnits": 5, "villageHealthVolunteers": 77},
                        },
                    },
                )

            responses = await asyncio.gather(*(save(code, v) for _, code, v in laos))
            after = {
                code: (
                    await c.post(
                        "/graphql",
                        headers={"x-test-lao": code},
                        json={
                            "query": "query($c: String!, $y: Int!) { lao(code: $c) { "
                            "year(fiscalYear: $y) { version } } }",
                            "variables": {"c": code, "y": year},
                        },
                    )
                ).json()["data"]["lao"]["year"]["version"]
                for _, code, _ in laos
            }
    outcomes = []
    for (_, code, version), response in zip(laos, responses, strict=True):
        if response.status_code == 503:
            assert_unavailable(response, "DATABASE_BUSY")
            assert after[code] == version
            outcomes.append("busy")
        else:
            assert response.status_code == 200, response.text
            result = response.json()["data"]["result"]
            assert result["__typename"] == "SectionSaved", result
            assert after[code] == version + 1
            outcomes.append("saved")
    assert "saved" in outcomes


async def _terminate_sleeps(url: str) -> int:
    import asyncpg

    u = make_url(url)
    conn = await asyncpg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password, database="postgres"
    )
    try:
        return int(
            await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = $1 AND query LIKE '%hub-test-sleep%' AND pid <> pg_backend_pid()",
                u.database,
            )
        )
    finally:
        await conn.close()


async def test_a_connection_killed_under_a_request_is_503_and_the_next_request_works(
    migrated_database_url, backend
):
    if backend != "postgresql":
        pytest.skip("pg_terminate_backend")
    app = _app_with_sleep(configured(migrated_database_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
            request = asyncio.ensure_future(c.post("/test/sleep"))
            assert await _until(lambda: _started(migrated_database_url))
            assert await _terminate_sleeps(migrated_database_url) == 1
            response = await asyncio.wait_for(request, 30)
            assert_unavailable(response)
            assert (await c.post("/graphql", json={"query": RESOLVED})).status_code == 200
