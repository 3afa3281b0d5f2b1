"""The load generator: a separate process, so its work never shares the runner's interpreter.

    python -m bench.loadgen < spec.json > result.json

The spec: {"url", "token" (or null), "query", "variables", "paged", "concurrency",
"seconds", "max_ops", "min_ops"}. `concurrency` workers each repeat the operation (for a paged
operation, every page in turn, following `pageInfo.endCursor`) until `seconds` have passed
(after at least `min_ops` operations in all) or `max_ops` operations have started; in-flight
operations at the deadline are cancelled and not counted. Loopback only.

The result: {"latencies": [seconds per completed operation], "request_latencies": [seconds
per request, pages included, cancelled ones not], "requests": n,
"statements": [X-SQL-Statements of each request], "errors": n, "wall": seconds}.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

_MORE = b'"hasNextPage":'
_CURSOR = b'"endCursor":'


def _endcursor(body: bytes) -> tuple[bool, str | None]:
    """`pageInfo`'s hasNextPage and endCursor, found in the bytes: parsing a 1 MB page would
    cost this client ~3 ms a page, counted against the server. Only `pageInfo` has keys of
    those names, and a string holding the text escapes its quotes, so the first match is
    pageInfo's; the answer is parsed only when one is missing."""
    more, cursor = body.find(_MORE), body.find(_CURSOR)
    if more < 0 or cursor < 0:
        data = orjson.loads(body)["data"]
        (connection,) = data.values()
        info = connection["pageInfo"]
        return bool(info["hasNextPage"]), info["endCursor"]
    has_more = body.startswith(b"true", more + len(_MORE))
    start = cursor + len(_CURSOR)
    if body.startswith(b"null", start):
        return has_more, None
    end = body.index(b'"', start + 1)
    return has_more, body[start + 1 : end].decode()


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    host = urlsplit(spec["url"]).hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"loadgen: loopback only, not {host}")
    headers = {"content-type": "application/json"}
    if spec.get("token"):
        headers["authorization"] = f"Bearer {spec['token']}"
    concurrency = int(spec["concurrency"])
    deadline = time.perf_counter() + float(spec["seconds"])
    max_ops = int(spec["max_ops"])
    min_ops = int(spec.get("min_ops", 1))
    latencies: list[float] = []
    request_latencies: list[float] = []
    statements: list[int] = []
    counters = {"started": 0, "requests": 0, "errors": 0}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def operation(client: httpx.AsyncClient) -> None:
        variables = dict(spec["variables"])
        while True:
            body = orjson.dumps({"query": spec["query"], "variables": variables})
            started = time.perf_counter()
            response = await client.post(spec["url"], content=body, headers=headers)
            request_latencies.append(time.perf_counter() - started)
            counters["requests"] += 1
            if "x-sql-statements" in response.headers:
                statements.append(int(response.headers["x-sql-statements"]))
            if response.status_code != 200 or b'"errors"' in response.content[:20]:
                counters["errors"] += 1
                return
            if not spec.get("paged"):
                return
            more, after = _endcursor(response.content)
            if not more:
                return
            variables["after"] = after

    async def worker(client: httpx.AsyncClient) -> None:
        while counters["started"] < max_ops and (
            time.perf_counter() < deadline or counters["started"] < min_ops
        ):
            counters["started"] += 1
            started = time.perf_counter()
            await operation(client)
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=600.0) as client:
        tasks = [asyncio.create_task(worker(client)) for _ in range(concurrency)]
        hard_stop = float(spec["seconds"]) + float(spec.get("grace", 60))
        done, pending = await asyncio.wait(tasks, timeout=hard_stop)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            task.result()
    return {
        "latencies": latencies,
        "request_latencies": request_latencies,
        "requests": counters["requests"],
        "statements": statements,
        "errors": counters["errors"],
        "wall": time.perf_counter() - began,
        "cut_off": bool(pending),
    }


def main() -> None:
    spec = orjson.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(orjson.dumps(asyncio.run(run(spec))))


if __name__ == "__main__":
    main()
