"""Logs and metrics: one structured access line per request, Prometheus metrics at /metrics,
short logs for caller errors, and no traceback when a client hangs up (issue 10, defect 15
and the logs-and-metrics defence)."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from hub.db import migrate
from hub.db.engine import create_engine
from hub.settings import Settings, SettingsError
from hub.web import logs
from hub.web.app import create_app
from tests.conftest import graphql, graphql_response, serve

SECRET = "somsri-0812345678"  # stands for personal data in a request: it must never be logged


def production(url: str) -> Settings:
    return Settings(
        database_url=url, environment="production", key_encryption_secret="test-secret-1234"
    )


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_count_requests_latency_errors_and_the_pool(migrated_database_url):
    settings = Settings(database_url=migrated_database_url, environment="test")
    async with serve(settings) as c:
        before = samples((await c.get("/metrics")).text)
        await graphql(c, "query Names { provinces { code } }")
        await graphql(c, "{ laos(first: 1) { totalCount } }")  # the planned path
        await graphql_response(c, "{ nope }")
        await c.get("/healthz")
        response = await c.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = samples(response.text)

    def grew(name: str, by: float, **labels: str) -> None:
        assert value(after, name, **labels) - value(before, name, **labels) == by, (name, labels)

    graphql_ok = {"endpoint": "/graphql", "operation": "query", "status": "200"}
    grew("hub_requests_total", 3, **graphql_ok)  # the bad one is a query too
    grew("hub_request_duration_seconds_count", 3, **graphql_ok)
    grew("hub_requests_total", 1, endpoint="/healthz", operation="none", status="200")
    grew("hub_graphql_errors_total", 1, code="GRAPHQL_VALIDATION_FAILED")
    assert value(after, "hub_db_pool_size", engine="reader") >= 1
    assert ("hub_db_pool_checked_out", (("engine", "reader"),)) in after


async def test_the_access_line_is_json_in_production_with_the_request_id_and_no_document(
    migrated_database_url, caplog
):
    settings = production(migrated_database_url)
    query = "query Probe($name: String!) { laos(filter: {nameContains: $name}) { totalCount } }"
    async with serve(settings) as c:
        with caplog.at_level(logging.INFO, logger="hub.access"):
            response = await c.post(
                "/graphql",
                json={"query": query + f" # {SECRET}", "variables": {"name": SECRET}},
                headers={"X-Request-Id": "ticket-42"},
            )
    assert response.status_code == 200
    [record] = [r for r in caplog.records if r.name == "hub.access"]
    line = logs.formatter(settings).format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["request_id"] == "ticket-42"
    assert entry["level"] == "INFO" and entry["logger"] == "hub.access"
    assert {k: entry[k] for k in ("method", "path", "status", "caller")} == {
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "caller": "public",
    }
    assert (entry["operation_type"], entry["operation_name"]) == ("query", "Probe")
    assert entry["duration_ms"] >= 0
    assert SECRET not in line and "nameContains" not in line


def test_the_log_format_follows_the_environment_unless_set():
    assert Settings.from_env({"HUB_ENV": "production"}).json_logs
    assert not Settings.from_env({}).json_logs
    assert Settings.from_env({"HUB_LOG_FORMAT": "json"}).json_logs
    assert not Settings.from_env({"HUB_ENV": "production", "HUB_LOG_FORMAT": "text"}).json_logs
    with pytest.raises(SettingsError, match="HUB_LOG_FORMAT"):
        Settings.from_env({"HUB_LOG_FORMAT": "xml"})
    assert not Settings.from_env({"HUB_METRICS": "false"}).metrics


async def test_a_validation_error_on_a_big_document_logs_one_short_line(
    migrated_database_url, caplog
):
    fields = " ".join(f'nope{i}(arg: "{SECRET}")' for i in range(300))
    query = "{ " + fields + " }"
    assert len(query) > 8000
    settings = production(migrated_database_url)
    async with serve(settings) as c:
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            body = await graphql_response(c, query)
    assert len(body["errors"]) > 100
    formatter = logs.formatter(settings)
    written = "\n".join(formatter.format(r) for r in caplog.records)
    assert len(written.encode()) < 1024, written[:2000]
    assert SECRET not in written
    [access] = [json.loads(formatter.format(r)) for r in caplog.records if r.name == "hub.access"]
    codes = Counter(e["extensions"]["code"] for e in body["errors"])
    assert access["errors"] == dict(codes) == {"GRAPHQL_VALIDATION_FAILED": len(body["errors"])}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_client_that_hangs_up_is_logged_as_499_without_a_traceback(
    migrated_database_url, caplog
):
    app = create_app(Settings(database_url=migrated_database_url, environment="test"))
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.disconnect"}  # gone before its body arrived

    async def send(message: dict) -> None:
        sent.append(message)

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
            (b"content-type", b"application/json"),
            (b"content-length", b"40"),
            (b"host", b"hub.test"),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("hub.test", 80),
    }
    async with app.router.lifespan_context(app):
        with caplog.at_level(logging.DEBUG):
            await app(scope, receive, send)  # raises nothing
    [access] = [r for r in caplog.records if r.name == "hub.access"]
    assert access.levelno == logging.INFO and access.status == 499 and not access.exc_info
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def _free_port() -> int:
    for port in range(18400, 18500):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18400-18499")


def test_hub_serve_writes_json_lines_in_production(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path}/hub.sqlite3"
    migrate.upgrade(url)
    port = _free_port()
    env = {
        **os.environ,
        "HUB_ENV": "production",
        "HUB_DATABASE_URL": url,
        "HUB_KEY_ENCRYPTION_SECRET": "test-secret-1234",
        "HUB_PORT": str(port),
    }
    env.pop("HUB_LOG_FORMAT", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        big = "{ " + " ".join(f'f{i}: nope(arg: "{SECRET}")' for i in range(200)) + " }"
        response = httpx.post(
            f"{base}/graphql", json={"query": big}, headers={"X-Request-Id": "serve-1"}
        )
        assert response.status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    lines = [line for line in stderr.splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    mine = [e for e in entries if e.get("request_id") == "serve-1"]
    assert [e["logger"] for e in mine] == ["hub.access"]
    assert mine[0]["status"] == 200 and mine[0]["path"] == "/graphql"
    assert SECRET not in stderr
    assert not any(e["logger"] == "uvicorn.access" for e in entries)


async def test_a_database_failure_logs_its_traceback_without_the_bound_parameters(
    migrated_database_url, caplog
):
    settings = production(migrated_database_url)
    async with serve(settings) as c:
        engine = create_engine(migrated_database_url)
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE provinces RENAME TO provinces_gone"))
        await engine.dispose()
        with caplog.at_level(logging.INFO):
            body = await graphql_response(
                c, "query($c: String!) { province(code: $c) { code } }", c=SECRET
            )
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL"
    written = "\n".join(logs.formatter(settings).format(r) for r in caplog.records)
    assert "Traceback" in written and "provinces" in written
    assert SECRET not in written


def test_several_workers_report_their_requests_together(tmp_path: Path):
    from tests.conftest import scratch_database

    with scratch_database("postgresql", tmp_path) as url:
        migrate.upgrade(url)
        port = _free_port()
        directory = tmp_path / "metrics"
        directory.mkdir()
        (directory / "counter_999.db").write_bytes(b"stale")  # a previous run's: removed
        env = {
            **os.environ,
            "HUB_DATABASE_URL": url,
            "HUB_PORT": str(port),
            "HUB_WORKERS": "2",
            "PROMETHEUS_MULTIPROC_DIR": str(directory),
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "hub", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.2)
            for _ in range(40):  # new connections: the kernel spreads them over both workers
                with httpx.Client(base_url=base) as c:
                    c.get("/healthz")
            with httpx.Client(base_url=base) as c:
                found = samples(c.get("/metrics").text)
            files = {p.name for p in directory.glob("*.db")}
        finally:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=30)
    labels = {"endpoint": "/healthz", "operation": "none", "status": "200"}
    # Every worker's requests, summed: the successful start-up probe and the 40 after it.
    assert value(found, "hub_requests_total", **labels) == 41
    assert any(name.startswith("counter_") for name in files)  # kept in the shared directory
    assert "counter_999.db" not in files
