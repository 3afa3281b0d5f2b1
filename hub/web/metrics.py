"""Prometheus metrics (prometheus_client), served at `/metrics` in the text exposition format.

| metric | labels | what |
|---|---|---|
| `hub_requests_total` | endpoint, operation, status | HTTP requests answered |
| `hub_request_duration_seconds` | endpoint, operation, status | their latency (histogram) |
| `hub_graphql_errors_total` | code | GraphQL errors returned, by `extensions.code` |
| `hub_db_pool_checked_out` | engine | database connections in use (reader, writer) |
| `hub_db_pool_size` | engine | connections the pool keeps |

`endpoint` is the route's path template (`/graphql`, `/oauth/token`, …; `other` for paths no
route serves) and `operation` the GraphQL operation type (`query`, `mutation`; `none`
elsewhere): every label takes a bounded set of values, whatever callers send, so a caller can
never grow the metrics. Operation names are in the access log, not here.

Several worker processes (`hub serve --workers N`) each count their own requests; with
`PROMETHEUS_MULTIPROC_DIR` set to an empty directory shared by the workers, prometheus_client
keeps the values in files there and `/metrics` reports the sum over all workers
(`hub serve` creates one when it starts several workers without it). Pool gauges then add up
the live workers' pools.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "hub_requests_total",
    "HTTP requests answered, by endpoint, GraphQL operation type and status.",
    ["endpoint", "operation", "status"],
)
LATENCY = Histogram(
    "hub_request_duration_seconds",
    "Time to answer an HTTP request, by endpoint, GraphQL operation type and status.",
    ["endpoint", "operation", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
GRAPHQL_ERRORS = Counter(
    "hub_graphql_errors_total",
    "GraphQL errors returned to callers, by extensions.code.",
    ["code"],
)
POOL_CHECKED_OUT = Gauge(
    "hub_db_pool_checked_out",
    "Database connections checked out of the pool (in use).",
    ["engine"],
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "hub_db_pool_size",
    "Database connections the pool keeps open.",
    ["engine"],
    multiprocess_mode="livesum",
)

CODE_LABEL_MAX = 40  # an error code longer than this is not one of ours; counted as "other"


def observe_request(
    endpoint: str, operation: str, status: int, seconds: float, error_codes: Iterable[str]
) -> None:
    labels = (endpoint, operation, str(status))
    REQUESTS.labels(*labels).inc()
    LATENCY.labels(*labels).observe(seconds)
    for code in error_codes:
        GRAPHQL_ERRORS.labels(code if len(code) <= CODE_LABEL_MAX else "other").inc()


def observe_pools(engines: dict[str, Any]) -> None:
    """The pools' current use, for engines that pool (named reader / writer)."""
    for name, engine in engines.items():
        pool = getattr(engine, "pool", None)
        checked_out = getattr(pool, "checkedout", None)
        size = getattr(pool, "size", None)
        if callable(checked_out) and callable(size):
            POOL_CHECKED_OUT.labels(name).set(checked_out())
            POOL_SIZE.labels(name).set(size())


def exposition(multiprocess_mode: bool) -> tuple[bytes, str]:
    """The metrics of this process, or of every worker in multiprocess mode
    (`Settings.metrics_multiproc_dir` set)."""
    if multiprocess_mode:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def worker_exited(pid: int) -> None:
    """Drop a finished worker's live gauges (multiprocess mode only)."""
    multiprocess.mark_process_dead(pid)
