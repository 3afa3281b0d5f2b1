"""`make bench`: Q1–Q4 on the national demo dataset, hub vs raw-SQL floor, SQLite and PostgreSQL.

    python -m bench.run [--backends sqlite,postgresql] [--seconds 10] [--out bench/RESULTS.md]

For each backend: build the bench database under var/bench/ (SQLite) or HUB_BENCH_POSTGRES_URL
(default postgresql+asyncpg://postgres@127.0.0.1:5432/hub_bench, created if missing; skipped
with a note when the server does not answer) with `hub db upgrade` + `hub demo load`; start
`hub serve` (uvicorn) on a free loopback port with HUB_COUNT_STATEMENTS=true; then, per query:

1. correctness: the hub's response (every page, for Q3) must equal the floor's JSON;
2. floor: the same rows with the same driver, encoded by the bench (`bench/queries.py`),
   median of repeated runs in this process;
3. hub at concurrency 1 and 32, from the load generator (`bench/loadgen.py`, its own
   process), bounded in seconds; hub ms = p50 at c=1, ratio = hub ms / floor ms;
4. SQL statements per request (`X-SQL-Statements`), and the server's peak RSS (VmHWM,
   reset before each query); for Q3 also the RSS growth over one whole pull;
5. requests a second at c=32, by wrk when installed, with 1 worker and then (PostgreSQL)
   with each of `--workers`, beside PostGraphile v5's figures on this machine.

Then, on PostgreSQL, the deadline-week write load (`bench.writes`): `--clerks` clerks (1,000),
each signed in with its own token as its own LAO's recorder, saving its sections after a
think time (`--think`, means 60 and 10 s) for `--write-seconds`, with 1 worker and each of
`--workers`: save p50/p99, refusals, lost updates and `hub audit verify` afterwards.

Q1r–Q4r are Q1–Q4 as real clients send them (`bench.queries.real_client`), checked against
the same floors once `__typename` is dropped and the root alias renamed back.

The results go to a Markdown table (bench/RESULTS.md) with the machine and the command.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy.engine import make_url

from bench.queries import Scenario, pick_targets, scenarios
from hub.db.engine import create_engine

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SQLITE_URL = f"sqlite+aiosqlite:///{ROOT / 'var/bench/hub.sqlite3'}"
POSTGRES_URL = os.environ.get(
    "HUB_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/hub_bench"
)
BENCH_CLIENT = "demo-all-domains"  # every domain scope and `missions`; certified rows only
DEMO_SEED = 2570


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- databases ------------------------------------------------------------------------------


def hub_command(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUB_DATABASE_URL": url}
    return subprocess.run(
        [str(BIN / "hub"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )


def prepare(url: str) -> None:
    """Migrations, then the national demo dataset (a no-op when already loaded; reloaded when
    it was made by another version of the generator)."""
    started = time.perf_counter()
    for args in (("db", "upgrade"), ("demo", "load")):
        done = hub_command(url, *args)
        if done.returncode != 0 and "--replace" in done.stderr:
            log("the bench database holds another demo dataset version: rebuilding it")
            if url.startswith("postgresql"):
                # Far faster than `--replace`, whose DELETEs wait on foreign-key checks.
                asyncio.run(recreate_postgres_database(url))
                hub_command(url, "db", "upgrade")
                done = hub_command(url, *args)
            else:
                done = hub_command(url, *args, "--replace")
        if done.returncode != 0:
            raise SystemExit(f"hub {' '.join(args)} failed:\n{done.stderr}")
    log(
        f"database ready in {time.perf_counter() - started:.0f} s: {make_url(url).render_as_string()}"
    )


async def recreate_postgres_database(url: str) -> None:
    import asyncpg

    u = make_url(url)
    conn = await asyncpg.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username or "postgres",
        password=u.password,
        database="postgres",
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{u.database}"')
    finally:
        await conn.close()


async def ensure_postgres_database(url: str) -> str | None:
    """None when the database exists or was created; else why PostgreSQL is skipped."""
    import asyncpg

    u = make_url(url)
    try:
        conn = await asyncpg.connect(
            host=u.host or "127.0.0.1",
            port=u.port or 5432,
            user=u.username or "postgres",
            password=u.password,
            database="postgres",
            timeout=5,
        )
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL server at {u.host}:{u.port or 5432} not reachable ({exc.__class__.__name__}: {exc})"
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", u.database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{u.database}"')
        return None
    finally:
        await conn.close()


# --- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def status(self, key: str) -> int:
        """A /proc/<pid>/status figure in kB (VmRSS, VmHWM)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        return 0

    def tree_rss_mb(self) -> float:
        """The resident memory of the server and its worker processes, in MB."""
        total, pids = 0, [self.pid]
        while pids:
            pid = pids.pop()
            with contextlib.suppress(OSError, ValueError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                for task in Path(f"/proc/{pid}/task").iterdir():
                    pids += [int(c) for c in (task / "children").read_text().split()]
        return total / 1024

    def reset_peak(self) -> None:
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")


@contextlib.contextmanager
def serve(
    url: str, planner: bool = True, workers: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[Server]:
    port = free_port()
    env = {
        **(extra_env or {}),
        **os.environ,
        "HUB_DATABASE_URL": url,
        "HUB_COUNT_STATEMENTS": "true",
        "HUB_AUTO_MIGRATE": "false",
        "HUB_LOG_LEVEL": "warning",
        "HUB_PLANNER": "on" if planner else "off",
        "HUB_ISSUER": f"http://127.0.0.1:{port}",
    }
    log_path = ROOT / "var/bench/server.log"  # cancelled requests log there
    log_path.parent.mkdir(parents=True, exist_ok=True)  # a PostgreSQL-only run makes no SQLite file
    server_log = log_path.open("ab")
    process = subprocess.Popen(
        [
            *(str(BIN / "hub"), "serve", "--host", "127.0.0.1", "--port", str(port)),
            *("--workers", str(workers)),
        ],
        env=env,
        cwd=ROOT,
        stdout=server_log,
        stderr=server_log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError(f"hub serve exited with {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("hub serve did not start within 30 s")
        yield Server(process, base + "/graphql")
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        server_log.close()


def bench_token(server: Server) -> tuple[str | None, str]:
    """A bearer token of the demo agency client with every domain scope, or None (public)."""
    from loaders.demo_accounts import secret_for

    secret, _ = secret_for(DEMO_SEED, BENCH_CLIENT, "demo-secret-", 20)
    try:
        response = httpx.post(
            server.url.removesuffix("/graphql") + "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(BENCH_CLIENT, secret),
            timeout=10,
        )
        if response.status_code == 200 and "access_token" in response.json():
            return response.json()[
                "access_token"
            ], f"agency client `{BENCH_CLIENT}` (OAuth client-credentials token)"
        reason = f"token endpoint answered {response.status_code}"
    except (httpx.HTTPError, ValueError) as exc:
        reason = f"no token endpoint ({exc.__class__.__name__})"
    return None, f"the public (no bearer token: {reason})"


# --- measuring ------------------------------------------------------------------------------


def post(
    server: Server, token: str | None, query: str, variables: dict[str, Any]
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.post(
        server.url, json={"query": query, "variables": variables}, headers=headers, timeout=600
    )


def hub_pages(server: Server, token: str | None, s: Scenario) -> list[tuple[Any, int]]:
    """The hub's answer (every page of a paged scenario) and each request's statement count."""
    variables = dict(s.variables)
    pages = []
    while True:
        response = post(server, token, s.document, variables)
        body = orjson.loads(response.content)
        pages.append((body, int(response.headers.get("x-sql-statements", "-1"))))
        if not s.paged or "errors" in body:
            return pages
        info = next(iter(body["data"].values()))["pageInfo"]
        if not info["hasNextPage"]:
            return pages
        variables["after"] = info["endCursor"]


async def floor_pages(engine: Any, s: Scenario) -> tuple[list[Any], list[bytes]]:
    """The floor's answer and its encoded bytes, page by page."""
    variables = dict(s.variables)
    pages, encoded = [], []
    async with engine.connect() as conn:
        while True:
            page = await s.floor(conn, variables)
            encoded.append(orjson.dumps(page))
            pages.append(page)
            if not s.paged:
                return pages, encoded
            info = next(iter(page["data"].values()))["pageInfo"]
            if not info["hasNextPage"]:
                return pages, encoded
            variables["after"] = info["endCursor"]


async def time_floor(engine: Any, s: Scenario, seconds: float, min_runs: int = 3) -> list[float]:
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(times) < min_runs or (time.perf_counter() < deadline and len(times) < 200):
        started = time.perf_counter()
        await floor_pages(engine, s)
        times.append(time.perf_counter() - started)
    return times


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a or k not in b:
                return f"{path}.{k}: only in {'floor' if k in b else 'hub'}"
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items (hub) vs {len(b)} (floor)"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    if a != b or (type(a) is bool and type(b) is not bool):
        return f"{path}: hub {a!r} vs floor {b!r}"
    return None


def loadgen(
    server: Server, token: str | None, s: Scenario, concurrency: int, seconds: float, max_ops: int
) -> dict[str, Any]:
    spec = {
        "url": server.url,
        "token": token,
        "query": s.document,
        "variables": s.variables,
        "paged": s.paged,
        "concurrency": concurrency,
        "seconds": seconds,
        "max_ops": max_ops,
        "min_ops": 1,
        "grace": max(60.0, seconds * 4),
    }
    out = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"],
        input=orjson.dumps(spec),
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    return orjson.loads(out.stdout)


async def _no_floor(conn: Any, variables: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "Query"}


# A request that reads nothing: what every request costs before its own work.
TRIVIAL = Scenario("Q0", "a trivial authenticated request", "{ __typename }", {}, _no_floor)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


class RssSampler:
    """Samples the server's RSS every 20 ms while running (for Q3's growth over a pull)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.server.status("VmRSS"))
            time.sleep(0.02)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Row:
    backend: str
    query: str
    title: str
    correct: str
    floor_ms: float
    hub_ms: float
    statements: str
    c1: tuple[float, float, int]
    c32: tuple[float, float, int, bool]
    peak_rss_mb: float
    notes: list[str] = field(default_factory=list)
    rps32: float = float("nan")  # requests (pages) per second at c=32, 1 worker
    wrk_ms: float | None = None  # p50 at c=1 by wrk (unpaged queries, wrk installed)
    rps32_workers: dict[int, tuple[float, float]] = field(default_factory=dict)  # n: (rps, MB)

    @property
    def ratio(self) -> float:
        return self.hub_ms / self.floor_ms if self.floor_ms else float("nan")

    @property
    def wrk_ratio(self) -> float:
        if self.wrk_ms is None or not self.floor_ms:
            return float("nan")
        return self.wrk_ms / self.floor_ms


# The read path's targets (hub ms / floor ms): Q1 ≤ 1.3, Q2 and Q3 ≤ 1.2; Q4, whose floor is
# the hub's own roll-up statements, ≤ 1.5 of them and ≤ Q4_TARGET_MS at c=1. A real-client
# document (Qnr) has its plain one's target and must be within REAL_CLIENT_SLACK of its time.
TARGETS = {"Q1": 1.3, "Q2": 1.2, "Q3": 1.2, "Q4": 1.5}
Q4_TARGET_MS = 20.0
REAL_CLIENT_SLACK = 1.10


def target_of(query: str) -> float:
    return TARGETS[query.rstrip("r")]


# Requests a second at c=32 that PostGraphile v5.1 answered on this machine against the hub's
# own PostgreSQL tables and the same data (the highest of three rounds; Q2 and Q3 per page),
# and the factor the hub must reach over them.
SAVE_P99_TARGET_MS = 1000.0  # the deadline week's clerks: a save answered within a second
POSTGRAPHILE_C32 = {"Q1": 527.0, "Q2": 30.0, "Q3": 43.0, "Q4": 8.3}
POSTGRAPHILE_FACTOR = 1.2


def throughput(result: dict[str, Any]) -> float:
    return result["requests"] / result["wall"] if result.get("wall") else float("nan")


WRK = shutil.which("wrk")


def _wrk(
    server: Server, token: str | None, s: Scenario, seconds: float, threads: int, connections: int
) -> str | None:
    """wrk's report of `s` (its first page, for a paged scenario) repeated for `seconds` over
    `connections` keep-alive connections; None when wrk is not installed or a response was
    not 2xx."""
    if WRK is None:
        return None
    body = orjson.dumps({"query": s.document, "variables": s.variables}).decode()
    script = ROOT / f"var/bench/wrk-{s.name}.lua"
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"\n' if token else ""
    script.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"{auth}wrk.body = [==[{body}]==]\n"
    )
    out = subprocess.run(
        [
            *(WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s"),
            *("--timeout", "120s", "--latency", "-s", str(script), server.url),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        log(f"wrk {s.name}: {out.strip().splitlines()[-3:]}")
        return None
    return out


def wrk_throughput(server: Server, token: str | None, s: Scenario, seconds: float) -> float | None:
    """Requests a second at c=32 measured by wrk (Debian's `wrk`), as PostGraphile was: a C
    load generator leaves the server both cores, where the Python one takes most of one.
    A paged scenario repeats its first page. None without wrk or on a non-2xx answer."""
    out = _wrk(server, token, s, seconds, 2, 32)
    rate = [
        line.split()[1] for line in (out or "").splitlines() if line.startswith("Requests/sec:")
    ]
    return float(rate[0]) if rate else None


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_p50_ms(server: Server, token: str | None, s: Scenario, seconds: float) -> float | None:
    """A request's p50 at c=1 (one connection, one thread) measured by wrk: the server's time
    with a client that costs ~0.05 ms a request, where the Python load generator's asyncio
    httpx client costs ~1.5 ms (bench/ANALYSIS.md). Only for an unpaged scenario (a paged
    one's figure is the whole pull). None without wrk or on a non-2xx answer."""
    if s.paged:
        return None
    out = _wrk(server, token, s, seconds, 1, 1)
    for line in (out or "").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "50%":
            value = parts[1]
            unit = value.lstrip("0123456789.")
            return float(value[: len(value) - len(unit)]) * _UNITS_MS[unit]
    return None


def verdict(r: Row, target: float) -> str:
    """Met or missed, by the Python client's figure and, where measured, by wrk's."""
    if r.ratio <= target:
        return "met"
    missed = f"**missed by {(r.ratio / target - 1) * 100:.0f} %**"
    if r.wrk_ms is None:
        return missed
    if r.wrk_ratio <= target:
        return f"met by wrk; {missed} with the Python client"
    return f"{missed}; by wrk {(r.wrk_ratio / target - 1) * 100:.0f} %"


def bench_backend(
    backend: str,
    url: str,
    seconds: float,
    only: set[str],
    planner: bool,
    workers: tuple[int, ...] = (),
) -> tuple[list[Row], dict[str, str]]:
    prepare(url)
    engine = create_engine(url)
    info: dict[str, str] = {}

    async def targets() -> Any:
        async with engine.connect() as conn:
            return await pick_targets(conn)

    loop = asyncio.new_event_loop()
    try:
        t = loop.run_until_complete(targets())
        rows: list[Row] = []
        with serve(url, planner=planner) as server:
            token, who = bench_token(server)
            info["identity"] = who
            info["idle_rss_mb"] = f"{server.status('VmRSS') / 1024:.0f}"
            log(f"{backend}: server pid {server.pid}; caller: {who}")
            # The fixed cost of a request, which the in-process floors do not pay: HTTP on
            # loopback, the load generator's client, the middleware, the token, the view.
            trivial = loadgen(server, token, TRIVIAL, 1, seconds, 200)
            info["trivial_ms"] = f"{percentile(trivial['latencies'], 50) * 1000:.1f}"
            if (by_wrk := wrk_p50_ms(server, token, TRIVIAL, seconds)) is not None:
                info["trivial_wrk_ms"] = f"{by_wrk:.2f}"
            log(f"{backend}: a trivial request p50 {info['trivial_ms']} ms ({by_wrk} by wrk)")
            for s in scenarios(t):
                if only and s.name not in only:
                    continue
                log(f"{backend} {s.name}: correctness")
                floor_answer, _ = loop.run_until_complete(floor_pages(engine, s))
                server.reset_peak()
                baseline = server.status("VmRSS")
                with RssSampler(server) as sampler:
                    hub_answer = hub_pages(server, token, s)
                growth_mb = (sampler.peak - baseline) / 1024
                problems = []
                if len(hub_answer) != len(floor_answer):
                    problems.append(f"{len(hub_answer)} pages vs {len(floor_answer)}")
                for i, ((body, _), expected) in enumerate(
                    zip(hub_answer, floor_answer, strict=False)
                ):
                    d = first_difference(s.comparable(body), expected)
                    if d:
                        problems.append(f"page {i + 1}: {d}")
                        break
                correct = "yes" if not problems else "NO: " + problems[0][:160]
                counts = sorted({n for _, n in hub_answer})
                statements = (
                    "/".join(map(str, counts)) if len(counts) <= 3 else f"{counts[0]}–{counts[-1]}"
                )
                log(f"{backend} {s.name}: correct={correct} statements={statements}; floor")
                floor_times = loop.run_until_complete(time_floor(engine, s, seconds / 2))
                floor_ms = statistics.median(floor_times) * 1000
                log(f"{backend} {s.name}: floor {floor_ms:.1f} ms; hub c=1")
                c1 = loadgen(server, token, s, 1, seconds, 200)
                log(
                    f"{backend} {s.name}: hub c=1 p50 {percentile(c1['latencies'], 50) * 1000:.1f} ms; c=32"
                )
                c32 = loadgen(server, token, s, 32, seconds * 1.5, 2000)
                peak = server.status("VmHWM") / 1024
                # Paged queries: latency per request (page); the ratio still uses the whole pull.
                key = "request_latencies" if s.paged else "latencies"
                lat1, lat32 = c1[key], c32[key]
                notes = []
                if s.paged:
                    notes.append(
                        f"{len(hub_answer)} pages a pull; RSS growth over one pull {growth_mb:.0f} MB"
                    )
                if c1["errors"] or c32["errors"]:
                    notes.append(f"errors: {c1['errors']} at c=1, {c32['errors']} at c=32")
                rows.append(
                    Row(
                        backend,
                        s.name,
                        s.title,
                        correct,
                        floor_ms,
                        percentile(c1["latencies"], 50) * 1000,
                        statements,
                        (percentile(lat1, 50) * 1000, percentile(lat1, 99) * 1000, len(lat1)),
                        (
                            percentile(lat32, 50) * 1000,
                            percentile(lat32, 99) * 1000,
                            len(lat32),
                            bool(c32.get("cut_off")),
                        ),
                        peak,
                        notes,
                    )
                )
                rows[-1].rps32 = wrk_throughput(server, token, s, seconds * 1.5) or throughput(c32)
                rows[-1].wrk_ms = wrk_p50_ms(server, token, s, seconds)
                log(
                    f"{backend} {s.name}: ratio {rows[-1].ratio:.2f}; c=32 p50 {rows[-1].c32[0]:.0f} ms ({len(lat32)} ops); peak RSS {peak:.0f} MB"
                )
        # The same c=32 load against several workers (SQLite serves one: its single writer).
        for n in workers if backend == "postgresql" else ():
            with serve(url, planner=planner, workers=n) as server:
                token, _ = bench_token(server)
                for r, s in zip(
                    rows, [x for x in scenarios(t) if not only or x.name in only], strict=True
                ):
                    rate = wrk_throughput(server, token, s, seconds * 1.5)
                    if rate is None:
                        rate = throughput(loadgen(server, token, s, 32, seconds * 1.5, 2000))
                    r.rps32_workers[n] = (rate, server.tree_rss_mb())
                    log(f"{backend} {s.name}: {n} workers, c=32 {r.rps32_workers[n][0]:.1f} req/s")
    finally:
        loop.run_until_complete(engine.dispose())
        loop.close()
    return rows, info


def bench_writes(
    url: str, clerks: int, seconds: float, thinks: tuple[float, ...], workers: tuple[int, ...]
) -> list[Any]:
    """The deadline-week write load (`bench.writes`) at each think time, with 1 worker and
    each of `workers` (the clerks sign in once per server)."""
    from bench.writes import prepare_clerks, run_write_load, sign_in_all

    accounts = asyncio.run(prepare_clerks(url, clerks))
    results = []
    # Every clerk signs in at once, through the one demo portal: past the token endpoint's
    # per-client limit, which guards against a misbehaving client, not a bench.
    env = {"HUB_TOKEN_RATE_LIMIT": str(10 * clerks)}
    for n in (1, *workers):
        with serve(url, workers=n, extra_env=env) as server:
            base = server.url.removesuffix("/graphql")
            began = time.perf_counter()
            tokens = asyncio.run(sign_in_all(base, [a[0] for a in accounts], DEMO_SEED))
            log(f"writes: {len(tokens)} clerks signed in in {time.perf_counter() - began:.0f} s")
            for think in thinks:
                result = run_write_load(url, base, accounts, tokens, seconds, think, n, hub_command)
                result.rss_mb = server.tree_rss_mb()  # the server and its workers, after
                lat = result.latencies
                log(
                    f"writes, {n} worker(s), think {think:g} s: {result.saves_per_second:.1f} "
                    f"saves/s, p50 {percentile(lat, 50) * 1000:.0f} ms, p99 "
                    f"{percentile(lat, 99) * 1000:.0f} ms, errors {result.errors}, lost "
                    f"{len(result.lost)}, audit {result.audit}"
                )
                results.append(result)
    return results


# --- the report -----------------------------------------------------------------------------


def machine() -> list[str]:
    mem_kb = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    pg = "n/a"
    with contextlib.suppress(Exception):
        pg = (
            subprocess.run(
                [
                    "psql",
                    make_url(POSTGRES_URL)
                    .set(drivername="postgresql")
                    .render_as_string(hide_password=False),
                    "-tAc",
                    "SHOW server_version",
                ],
                capture_output=True,
                text=True,
                timeout=5,
                check=True,
            ).stdout.strip()
            or "n/a"
        )
    return [
        f"- CPU: {os.cpu_count()} × {cpu or platform.processor()}; memory {mem_kb / 1024 / 1024:.1f} GiB",
        f"- {platform.system()} {platform.release()}; Python {platform.python_version()}; "
        f"SQLite {sqlite3.sqlite_version}; PostgreSQL {pg}",
    ]


def fmt(x: float) -> str:
    if x != x:  # nan
        return "–"
    return f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def report(
    rows: list[Row],
    infos: dict[str, dict[str, str]],
    skipped: dict[str, str],
    command: str,
    seconds: float,
    started: float,
    writes: list[Any] | None = None,
) -> str:
    lines = [
        "# INFO Hub benchmark: the hub against the raw-SQL floor",
        "",
        f"Written by `{command}` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC in "
        f"{(time.perf_counter() - started) / 60:.1f} min (load phases bounded at {seconds:g} s at c=1 and "
        f"{seconds * 1.5:g} s at c=32).",
        "",
        *machine(),
        "",
        "Data: the national demo dataset (`hub demo load`: 7,850 LAOs, 3 fiscal years, 201k water "
        "systems). Server: `hub serve` (uvicorn, 1 worker) on loopback; load generator in its own "
        "process (httpx, asyncio). What each column means is at the end.",
        "",
    ]
    for backend, info in infos.items():
        lines.append(
            f"- {backend}: caller {info.get('identity', '?')}; server RSS at start {info.get('idle_rss_mb', '?')} MB"
            + (
                f"; a trivial request (`{TRIVIAL.document}`, the same token) {info['trivial_ms']} ms"
                + (f" ({info['trivial_wrk_ms']} ms by wrk)" if "trivial_wrk_ms" in info else "")
                + " at c=1 (p50): the fixed cost of a request, which the in-process floors do not pay"
                if "trivial_ms" in info
                else ""
            )
        )
    for backend, why in skipped.items():
        lines.append(f"- {backend}: **skipped** — {why}")
    if rows:  # a write-only run (`--no-reads`) has no read tables
        lines += [
            "",
            "| backend | query | correct | floor ms | hub ms | hub/floor | hub ms by wrk | by wrk/floor | target | SQL/request | c=1 p50 / p99 ms (ops) | c=32 p50 / p99 ms (ops) | peak RSS MB |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---|---|---|---:|",
        ]
        for r in rows:
            target = target_of(r.query)
            cut = " cut off" if r.c32[3] else ""
            by_wrk = (fmt(r.wrk_ms), f"{r.wrk_ratio:.2f}") if r.wrk_ms is not None else ("–", "–")
            lines.append(
                f"| {r.backend} | {r.query} | {r.correct} | {fmt(r.floor_ms)} | {fmt(r.hub_ms)} | "
                f"{r.ratio:.2f} | {by_wrk[0]} | {by_wrk[1]} | ≤ {target:g} ({verdict(r, target)}) | {r.statements} | "
                f"{fmt(r.c1[0])} / {fmt(r.c1[1])} ({r.c1[2]}) | {fmt(r.c32[0])} / {fmt(r.c32[1])} ({r.c32[2]}{cut}) | "
                f"{r.peak_rss_mb:.0f} |"
            )
        counts = sorted({n for r in rows for n in r.rps32_workers})
        lines += [
            "",
            "Throughput at c=32, requests a second "
            + (
                "measured by wrk (2 threads; a paged query repeats its first page), as PostGraphile's were"
                if WRK
                else "from the Python load generator (wrk is not installed: `apt-get install wrk`), "
                "which takes most of a core from the server"
            )
            + f", beside PostGraphile v5.1's on this machine (the same tables and data; target ≥ "
            f"{POSTGRAPHILE_FACTOR:g}x its figure):",
            "",
            "| backend | query | 1 worker | "
            + "".join(f"{n} workers (RSS MB) | " for n in counts)
            + "PostGraphile v5 | target | best / target |",
            "|---|---|---:|" + "---:|" * len(counts) + "---:|---:|---:|",
        ]
        for r in rows:
            theirs = POSTGRAPHILE_C32.get(r.query.rstrip("r"))
            best = max([r.rps32, *(v[0] for v in r.rps32_workers.values())])
            target = theirs * POSTGRAPHILE_FACTOR if theirs else float("nan")
            lines.append(
                f"| {r.backend} | {r.query} | {fmt(r.rps32)} | "
                + "".join(
                    f"{fmt(r.rps32_workers[n][0])} ({r.rps32_workers[n][1]:.0f}) | "
                    if n in r.rps32_workers
                    else "– | "
                    for n in counts
                )
                + f"{fmt(theirs or float('nan'))} | {fmt(target)} | {best / target:.2f} |"
            )
        lines += ["", "Queries:", ""]
        seen = set()
        for r in rows:
            if r.query not in seen:
                seen.add(r.query)
                lines.append(f"- **{r.query}** {r.title}")
    missed = [
        f"- {r.backend} {r.query}: {r.ratio:.2f}x the floor against a target of {target_of(r.query):g}x "
        f"(missed by {(r.ratio / target_of(r.query) - 1) * 100:.0f} %)"
        + (f"; {r.wrk_ratio:.2f}x by wrk" if r.wrk_ms is not None else "")
        for r in rows
        if not r.ratio <= target_of(r.query)
    ]
    missed += [
        f"- {r.backend} {r.query}: {fmt(r.hub_ms)} ms at c=1 against a target of {Q4_TARGET_MS:g} ms"
        for r in rows
        if r.query.rstrip("r") == "Q4" and not r.hub_ms <= Q4_TARGET_MS
    ]
    plain = {(r.backend, r.query): r for r in rows}
    for r in rows:
        base = plain.get((r.backend, r.query.rstrip("r"))) if r.query.endswith("r") else None
        if base is None or not base.hub_ms:
            continue
        versus = r.hub_ms / base.hub_ms
        r.notes.append(
            f"{versus:.2f}x the plain {base.query}'s hub ms (target ≤ {REAL_CLIENT_SLACK:g})"
        )
        if versus > REAL_CLIENT_SLACK:
            missed.append(
                f"- {r.backend} {r.query}: {versus:.2f}x the plain document's time against "
                f"{REAL_CLIENT_SLACK:g}x"
            )
    if writes:
        w0 = writes[0]
        lines += [
            "",
            f"Deadline-week writes on PostgreSQL: {w0.clerks:,} clerks, each signed in with its own "
            f"token (authorization code + PKCE) as the recorder of its own LAO, each saving one "
            f"field of one of its 8 sections after a think time (exponential, with the mean "
            f"*think s*), for {w0.seconds:g} s (`bench/writeload.py`, a Python process on the "
            "same machine: it takes most of a core from the server). *offered*: saves a second "
            "the clerks would make if each were answered at once. *lost*: values "
            "a clerk saw saved that the database does not hold; *audit*: `hub audit verify` "
            f"after the load. Target: save p99 < {SAVE_P99_TARGET_MS:g} ms, nothing lost, the "
            "chain verifies.",
            "",
            "| workers | think s | offered/s | saves | saves/s | p50 ms | p99 ms | "
            "refused or failed | lost | audit | RSS MB |",
            "|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|",
        ]
        for w in writes:
            p99 = percentile(w.latencies, 99) * 1000 if w.latencies else float("nan")
            failed = ", ".join(f"{k}: {v}" for k, v in w.errors.items()) or "none"
            lines.append(
                f"| {w.workers} | {w.think_seconds:g} | {w.clerks / w.think_seconds:.0f} | "
                f"{len(w.latencies):,} | {w.saves_per_second:.1f} | "
                f"{fmt(percentile(w.latencies, 50) * 1000 if w.latencies else float('nan'))} | "
                f"{fmt(p99)} | {failed} | {len(w.lost)} | {w.audit} | {w.rss_mb:.0f} |"
            )
            if not p99 < SAVE_P99_TARGET_MS:
                missed.append(
                    f"- writes, {w.workers} worker(s), think {w.think_seconds:g} s: save p99 "
                    f"{fmt(p99)} ms against "
                    f"{SAVE_P99_TARGET_MS:g} ms"
                )
            if w.lost or w.errors or not w.audit_ok:
                missed.append(
                    f"- writes, {w.workers} worker(s): {len(w.lost)} lost, refused or failed "
                    f"{w.errors or 'none'}, audit {w.audit}"
                )
    wrong = [f"- {r.backend} {r.query}: {r.correct}" for r in rows if r.correct != "yes"]
    lines += ["", "Targets missed in this run:", "", *(missed or ["- none"])]
    if wrong:
        lines += ["", "Responses that did not match the floor:", "", *wrong]
    notes = [f"- {r.backend} {r.query}: {n}" for r in rows for n in r.notes]
    if notes:
        lines += ["", "Notes from the run:", "", *notes]
    lines += [
        "",
        "Columns: *floor ms* — median time for the benchmark itself to fetch the same rows with the "
        "same driver (SQLAlchemy Core over aiosqlite/asyncpg) and encode the same JSON with orjson, "
        "in-process, no HTTP; *hub ms* — p50 at concurrency 1 over HTTP (so it includes HTTP and "
        "the Python load generator's client, ~1.5 ms a request); *hub ms by wrk* — the same p50 "
        "measured by wrk over one connection (a C client, as PostGraphile was measured; unpaged "
        "queries only), so the server's time and loopback HTTP; a paged operation (Q2, Q3) is the whole pull, every page in turn, while its "
        "c=1 / c=32 latencies are per request (page), since 32 concurrent national pulls do not "
        "finish within the bound. *SQL/request* — "
        "`X-SQL-Statements` of each request of the correctness pass (distinct values; for Q3 one per "
        "page), including the statements of token verification. *peak RSS* — the server's VmHWM, "
        "reset before each query, so it covers the correctness pass and both load phases. "
        "Q4's floor is the hub's own roll-up reads over the maintained counts (`hub.db.rollups`: "
        "certification counts and LPA tallies; `hub.db.kpi16_counts`) and the province list: "
        "the hub cannot do less SQL than that.",
    ]
    analysis = ROOT / "bench/ANALYSIS.md"
    if analysis.exists():
        lines += ["", analysis.read_text().rstrip()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--queries", default="", help="e.g. Q1,Q3 (default: all)")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="bound of each load phase at c=1 (c=32: 1.5x)"
    )
    parser.add_argument(
        "--no-planner", action="store_true", help="serve with HUB_PLANNER=off (resolvers only)"
    )
    parser.add_argument(
        "--workers",
        default="2",
        help="worker counts whose c=32 throughput is measured too, on PostgreSQL (e.g. 2,4; "
        "'' for none); every query is first measured with 1 worker",
    )
    parser.add_argument(
        "--clerks",
        type=int,
        default=1000,
        help="clerks of the deadline-week write load on PostgreSQL (0: no write load)",
    )
    parser.add_argument(
        "--think",
        default="60,10",
        help="a clerk's mean seconds between saves; several: a load at each (default 60,10: "
        "a clerk saving a section a minute, and a rush six times that)",
    )
    parser.add_argument(
        "--write-seconds", type=float, default=60.0, help="length of each write load"
    )
    parser.add_argument(
        "--no-reads", action="store_true", help="only the write load (PostgreSQL), no Q1–Q4"
    )
    parser.add_argument("--out", default=str(ROOT / "bench/RESULTS.md"))
    args = parser.parse_args(argv)
    workers = tuple(int(n) for n in args.workers.split(",") if n.strip() and int(n) > 1)
    started = time.perf_counter()
    rows: list[Row] = []
    writes: list[Any] = []
    infos: dict[str, dict[str, str]] = {}
    skipped: dict[str, str] = {}
    only = {q.strip().upper().replace("R", "r") for q in args.queries.split(",") if q.strip()}
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "sqlite":
            url = SQLITE_URL
        elif backend == "postgresql":
            url = POSTGRES_URL
            why = asyncio.run(ensure_postgres_database(url))
            if why:
                log(f"skipping PostgreSQL: {why}")
                skipped[backend] = why
                continue
        else:
            parser.error(f"unknown backend {backend!r}")
        if not args.no_reads:
            backend_rows, infos[backend] = bench_backend(
                backend, url, args.seconds, only, not args.no_planner, workers
            )
            rows += backend_rows
        else:
            prepare(url)
        if backend == "postgresql" and args.clerks > 0:
            thinks = tuple(float(t) for t in args.think.split(",") if t.strip())
            writes = bench_writes(url, args.clerks, args.write_seconds, thinks, workers)
    command = (
        "make bench"
        if argv is None and len(sys.argv) == 1
        else "python -m bench.run " + " ".join(sys.argv[1:])
    )
    if args.no_planner:
        command += " (HUB_PLANNER=off)"
    text = report(rows, infos, skipped, command, args.seconds, started, writes)
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
