"""The HTTP edge (hub/web/edge.py): request size, body deadline, JSON depth, CORS, and the planner's
caches, against the real app over HTTP (ASGI)."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import gc
import tracemalloc
from pathlib import Path

import orjson
import pytest

from hub.db import migrate
from hub.settings import Settings
from hub.web.app import create_app
from tests.conftest import serve

QUERY = "query { laos(first: 1) { totalCount } }"


@pytest.fixture
def url(tmp_path: Path) -> str:
    """An empty, migrated SQLite database: what the edge does depends on no data."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'edge.sqlite3'}"
    migrate.upgrade(database)
    return database


def settings(url: str, **changes: object) -> Settings:
    return dataclasses.replace(Settings(database_url=url, environment="test"), **changes)


def only_error(response) -> dict:
    body = response.json()
    assert response.headers["content-type"].startswith("application/json")
    assert "data" not in body and len(body["errors"]) == 1, body
    return body["errors"][0]


# --- size ------------------------------------------------------------------------------------


async def test_a_body_over_the_limit_is_refused_with_413_on_every_endpoint(url):
    big = b"x" * 2_000
    async with serve(settings(url, max_request_bytes=1_000)) as c:
        responses = [
            await c.post("/graphql", content=big, headers={"content-type": "application/json"}),
            await c.post(
                "/oauth/token",
                content=big,
                headers={"content-type": "application/x-www-form-urlencoded"},
            ),
            await c.post("/healthz", content=big),
        ]
        fits = await c.post("/graphql", json={"query": QUERY})
    for response in responses:
        assert response.status_code == 413, response.text
        error = only_error(response)
        assert error["extensions"]["code"] == "REQUEST_TOO_LARGE"
        assert error["extensions"]["maxBytes"] == 1_000
        assert error["extensions"]["messageTh"]
        assert response.headers["x-request-id"]
    assert fits.status_code == 200 and fits.json() == {"data": {"laos": {"totalCount": 0}}}


async def test_a_chunked_body_is_counted_while_it_streams(url):
    """No Content-Length: the limit is enforced on the chunks received, and the rest of the
    body is never read."""
    sent: list[int] = []

    async def chunks():
        for _ in range(100):
            sent.append(1)
            yield b"x" * 100

    async with serve(settings(url, max_request_bytes=1_000)) as c:
        response = await c.post(
            "/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert only_error(response)["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_the_planner_caches_hold_digests_not_the_callers_bytes(url):
    """The issue's attack at a reduced scale: padded variables the query never uses. The
    planner's caches are keyed by fixed-size digests and keep none of the padding."""
    async with serve(settings(url)) as c:
        planner = c.app.state.planner  # type: ignore[attr-defined]
        await c.post("/graphql", json={"query": QUERY})  # warm up everything else
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for i in range(20):
                response = await c.post(
                    "/graphql",
                    json={"query": QUERY, "variables": {"pad": f"{i}-" + "x" * 500_000}},
                )
                assert response.json() == {"data": {"laos": {"totalCount": 0}}}
            gc.collect()
            retained = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        keys = [*planner._documents.keys(), *planner._validated.keys(), *planner._plans.keys()]
    # 20 requests carried 10 MB of padding; the old caches kept all of it.
    assert retained < 2_000_000, retained
    for key in keys:
        digest = key[0] if isinstance(key, tuple) else key
        assert isinstance(digest, bytes) and len(digest) == 16, key


def test_the_planner_remembers_a_bounded_amount_of_documents():
    """Documents are weighed by their length (a parsed document holds ~280 bytes a character
    at worst): many distinct documents stay within the weight; a huge one is not kept."""
    from schema.planner import MAX_DOCUMENT_CHARS, MAX_DOCUMENTS, Planner
    from schema.root import schema

    planner = Planner(schema)
    for i in range(600):
        assert planner._document(f"{{ laos(first: {i}) {{ totalCount }} }} # {'x' * 1000}")
    assert len(planner._documents) <= MAX_DOCUMENTS
    assert planner._documents.weight <= MAX_DOCUMENT_CHARS
    planner._documents = type(planner._documents)(MAX_DOCUMENTS, MAX_DOCUMENT_CHARS)
    assert planner._document("{ laos { totalCount } } # " + "x" * 20_000) is not None
    assert len(planner._documents) == 0


# --- time ------------------------------------------------------------------------------------


async def test_a_body_that_does_not_arrive_in_time_gets_408(url):
    """A client that starts a body and stalls: the real app answers 408 once the body
    deadline passes (the receive below never delivers the rest)."""
    app = create_app(settings(url, body_timeout=0.2))
    messages: list[dict] = []
    stalled = asyncio.Event()

    async def receive() -> dict:
        if not messages and not stalled.is_set():
            stalled.set()
            return {"type": "http.request", "body": b'{"query": "{', "more_body": True}
        await asyncio.Event().wait()  # the rest never comes
        raise AssertionError("unreachable")

    async def send(message: dict) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"hub.test"),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("hub.test", 80),
    }
    async with app.router.lifespan_context(app):
        await asyncio.wait_for(app(scope, receive, send), timeout=30)  # a guard, not a measure
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    assert start["status"] == 408
    assert (b"connection", b"close") in start["headers"]
    error = orjson.loads(body)["errors"][0]
    assert error["extensions"]["code"] == "REQUEST_TIMEOUT"
    assert error["extensions"]["timeoutSeconds"] == 0.2


# --- JSON depth ------------------------------------------------------------------------------

DEEP = "[" * 970 + "]" * 970


async def test_json_nested_970_levels_is_a_400_not_a_500(url):
    variables = f'{{"query": "{QUERY}", "variables": {{"d": {DEEP}}}}}'.encode()
    extensions = f'{{"query": "{QUERY}", "extensions": {{"d": {DEEP}}}}}'.encode()
    async with serve(settings(url)) as c:
        responses = [
            await c.post("/graphql", content=body, headers={"content-type": "application/json"})
            for body in (variables, extensions)
        ]
        responses.append(await c.get("/graphql", params={"query": QUERY, "variables": DEEP}))
        shallow = await c.post("/graphql", json={"query": QUERY, "variables": {"d": [[[1]]]}})
    for response in responses:
        assert response.status_code == 400, response.text
        error = only_error(response)
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["maxDepth"] == 64
    assert shallow.status_code == 200 and shallow.json()["data"] is not None


async def test_a_bearer_token_with_a_deeply_nested_header_is_a_401(url):
    segment = base64.urlsafe_b64encode(DEEP.encode()).decode().rstrip("=")
    async with serve(settings(url)) as c:
        response = await c.post(
            "/graphql",
            json={"query": "{ viewer { kind } }"},
            headers={"Authorization": f"Bearer {segment}.e30.c2ln"},
        )
        introspected = await c.post(
            "/oauth/introspect", data={"token": f"{segment}.e30.c2ln"}, auth=("x", "y")
        )
    assert response.status_code == 401, response.text
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert introspected.status_code < 500


# --- CORS ------------------------------------------------------------------------------------

PORTAL = "https://portal.example.go.th"


async def test_cors_preflight_and_request_from_a_configured_origin(url):
    async with serve(settings(url, cors_origins=(PORTAL,))) as c:
        preflight = await c.options(
            "/graphql",
            headers={
                "Origin": PORTAL,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, authorization",
            },
        )
        actual = await c.post("/graphql", json={"query": QUERY}, headers={"Origin": PORTAL})
        too_large = await c.post(
            "/graphql",
            content=b"x" * 2_000_000,
            headers={"Origin": PORTAL, "content-type": "application/json"},
        )
        other = await c.post(
            "/graphql", json={"query": QUERY}, headers={"Origin": "https://evil.example"}
        )
        other_preflight = await c.options(
            "/graphql",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == PORTAL
    assert {"GET", "POST"} <= {
        m.strip() for m in preflight.headers["access-control-allow-methods"].split(",")
    }
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert actual.status_code == 200 and actual.headers["access-control-allow-origin"] == PORTAL
    assert "x-request-id" in actual.headers["access-control-expose-headers"].lower()
    assert too_large.status_code == 413
    assert too_large.headers["access-control-allow-origin"] == PORTAL  # the page can read why
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in other_preflight.headers


async def test_development_allows_local_pages_on_any_port_and_nothing_else_by_default(url):
    development = Settings.from_env({"HUB_DATABASE_URL": url, "HUB_ENV": "development"})
    production = Settings.from_env({"HUB_DATABASE_URL": url, "HUB_ENV": "production"})
    assert production.cors_origins == ()
    async with serve(development) as c:
        local = await c.options(
            "/graphql",
            headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
        )
        remote = await c.post(
            "/graphql", json={"query": QUERY}, headers={"Origin": "http://localhost.evil.example"}
        )
    async with serve(settings(url)) as c:  # no HUB_CORS_ORIGINS outside development: no CORS
        none = await c.post("/graphql", json={"query": QUERY}, headers={"Origin": PORTAL})
    assert local.status_code == 200
    assert local.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "access-control-allow-origin" not in remote.headers
    assert "access-control-allow-origin" not in none.headers


def test_cors_origins_are_checked_when_read():
    everyone = Settings.from_env({"HUB_CORS_ORIGINS": "*"})
    assert everyone.cors_origins == ("*",)
    listed = Settings.from_env({"HUB_CORS_ORIGINS": f"{PORTAL}, http://localhost:*"})
    assert listed.cors_origins == (PORTAL, "http://localhost:*")
    with pytest.raises(ValueError, match="HUB_CORS_ORIGINS"):
        Settings.from_env({"HUB_CORS_ORIGINS": f"{PORTAL}/graphql"})


# --- slow request heads (hub serve) --------------------------------------------------------


async def test_a_connection_whose_request_head_trickles_in_is_closed(url):
    """uvicorn with `hub serve`'s protocol, on a real socket: a client that sends part of a
    request head and stalls, or nothing at all, is disconnected once the head deadline passes;
    a client that sends its request in time is served, also on a kept-alive connection."""
    import socket

    import uvicorn

    from hub.web.serve import HeaderTimeoutProtocol, uvicorn_options

    class QuickHeads(HeaderTimeoutProtocol):
        header_timeout = 0.3

    app = create_app(settings(url))
    options = {**uvicorn_options(settings(url)), "http": QuickHeads}
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", **options))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)

        async def closed_by_server(first: bytes) -> bool:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(first)
            await writer.drain()
            data = await asyncio.wait_for(reader.read(), timeout=30)  # a guard, not a measure
            writer.close()
            return data == b""

        assert await closed_by_server(b"POST /graphql HTTP/1.1\r\nHost: hub.test\r\n")
        assert await closed_by_server(b"")

        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(2):  # two requests on one connection, the second after a pause
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: hub.test\r\n\r\n")
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)
            assert head.startswith(b"HTTP/1.1 200")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            await asyncio.sleep(0.1)
        writer.close()
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=30)


async def test_every_accepted_connection_has_tcp_nodelay_even_on_a_shared_socket(url):
    """With `--workers N` uvicorn hands each worker a socket bound with `proto` 0, on which
    asyncio does not set TCP_NODELAY (uvicorn issue #3149): keep-alive requests then waited for
    the client's delayed ACK. `hub serve`'s protocol sets it on every accepted connection; this
    looks at the server's own end of a real connection."""
    import socket

    import uvicorn

    from hub.web.serve import uvicorn_options

    app = create_app(settings(url))
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", **uvicorn_options(settings(url)))
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)  # proto 0, as workers get it
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: hub.test\r\n\r\n")
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)
        assert head.startswith(b"HTTP/1.1 200")
        (connection,) = server.server_state.connections
        accepted = connection.transport.get_extra_info("socket")
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        writer.close()
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=30)
