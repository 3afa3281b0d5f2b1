"""Configuration, read once from environment variables.

Every setting is declared once, as a field of `Settings`: its variable, type (the field's),
default (the field's, with exceptions per `HUB_ENV`), how a value is read and checked, and
its meaning. `Settings.from_env` reads the variables from those declarations, and
`markdown_table` renders them as README.md's "Configuration" table (`hub settings table
--write` rewrites it; a test fails while the README differs). Nothing else reads the
environment.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_SQLITE_PATH = Path("var/hub.sqlite3")
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///./{DEFAULT_SQLITE_PATH.as_posix()}"
# PostgreSQL connections an engine keeps (`HUB_DATABASE_POOL_SIZE`; commands use it too).
DEFAULT_DATABASE_POOL_SIZE = 10
ENVIRONMENTS = ("development", "test", "production")


class SettingsError(ValueError):
    """A configuration variable has a value the hub cannot use."""


# --- Readers: (variable, raw value) -> value, or SettingsError naming the variable ----------


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise SettingsError(f"{name} must be a number, got {raw!r}")
    return value


def _text(name: str, raw: str) -> str:
    return raw


def _optional(name: str, raw: str) -> str | None:
    """Empty means unset."""
    return raw or None


def _redis_url(name: str, raw: str) -> str | None:
    if raw and not raw.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError(f"{name} must be a redis://, rediss:// or unix:// URL, got {raw!r}")
    return raw or None


def _database_urls(name: str, raw: str) -> tuple[str, ...]:
    """PostgreSQL URLs, space- or comma-separated (never echoed: they hold passwords)."""
    urls = tuple(raw.replace(",", " ").split())
    for n, url in enumerate(urls, start=1):
        if not url.startswith(("postgresql://", "postgresql+asyncpg://")):
            scheme = url.split(":", 1)[0] if ":" in url else "no scheme"
            raise SettingsError(
                f"{name} lists PostgreSQL URLs (postgresql+asyncpg://user:pass@host/db); "
                f"URL {n} of {len(urls)} starts with {scheme!r}"
            )
    return urls


def _lower(name: str, raw: str) -> str:
    return raw.lower()


def _choice(*values: str, spoken: str | None = None) -> Callable[[str, str], str]:
    """One of `values`, case and surrounding spaces ignored."""

    def read(name: str, raw: str) -> str:
        value = raw.strip().lower()
        if value not in values:
            options = spoken or " or ".join(values)
            raise SettingsError(f"{name} must be {options}, got {value!r}")
        return value

    return read


def _log_format(name: str, raw: str) -> str | None:
    return _choice("json", "text")(name, raw) if raw else None


def _seconds(name: str, raw: str) -> float:
    value = _float(name, raw)
    if not 0 <= value < 86_400:
        raise SettingsError(f"{name} must be a number of seconds (0 for no limit), got {raw!r}")
    return value


def _positive_int(name: str, raw: str) -> int:
    value = _int(name, raw)
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {value}")
    return value


def _non_negative_int(name: str, raw: str) -> int:
    value = _int(name, raw)
    if value < 0:
        raise SettingsError(f"{name} must be 0 or more, got {value}")
    return value


def _positive_float(name: str, raw: str) -> float:
    value = _float(name, raw)
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {value}")
    return value


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _issuer(name: str, raw: str) -> str:
    """The hub's public address. OAuth 2 (and authlib, which enforces it on every request)
    takes plain http only on this machine: any other http address would make every OAuth
    endpoint fail, so it is refused here, at start, naming the variable."""
    value = raw.rstrip("/")
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return value
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return value
    raise SettingsError(
        f"{name} must be an https:// address, or http:// on this machine (127.0.0.1, "
        f"localhost, ::1): OAuth 2 refuses plain http anywhere else; got {raw!r}"
    )


SIGNING_ALGORITHMS = ("ES256", "RS256")


def _signing_alg(name: str, raw: str) -> str:
    if raw not in SIGNING_ALGORITHMS:
        raise SettingsError(f"{name} must be ES256 or RS256, got {raw!r}")
    return raw


def _algorithms(name: str, raw: str) -> tuple[str, ...]:
    algs = tuple(raw.replace(",", " ").split())
    if not algs or any(a not in SIGNING_ALGORITHMS for a in algs):
        raise SettingsError(f"{name} must list algorithms out of {' '.join(SIGNING_ALGORITHMS)}")
    return algs


# How claims of an external identity provider's tokens map onto ours (HUB_EXTERNAL_CLAIMS_MAP).
DEFAULT_CLAIMS_MAP: dict[str, str] = {
    "subject": "sub",
    "role": "role",
    "lao_code": "lao_code",
    "district_code": "district_code",
    "province_code": "province_code",
    "scope": "scope",
}


def _claims_map(name: str, raw: str) -> dict[str, object]:
    try:
        value = json.loads(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a JSON object, got {raw!r}") from None
    if not isinstance(value, dict):
        raise SettingsError(f"{name} must be a JSON object")
    return {**DEFAULT_CLAIMS_MAP, **value}


DEVELOPMENT_CORS_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*")
_ORIGIN = re.compile(r"^https?://(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:(\d{1,5}|\*))?$")


def _origins(name: str, raw: str) -> tuple[str, ...]:
    origins = tuple(raw.replace(",", " ").split())
    for origin in origins:
        if origin != "*" and not _ORIGIN.match(origin):
            raise SettingsError(
                f"{name} lists origins such as https://portal.example.go.th, "
                f"http://localhost:* (any port) or *, got {origin!r}"
            )
    return origins


# --- Declarations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    """How one environment variable sets one field of `Settings`."""

    variable: str
    meaning: str  # README's "meaning" column (Markdown)
    read: Callable[[str, str], Any]
    # Defaults other than the field's in some environments (HUB_ENV), e.g. {"production": False}.
    by_environment: Mapping[str, Any]
    shown: str | None  # README's "default" column, where the value alone does not say it


_READER_OF_TYPE: dict[type, Callable[[str, str], Any]] = {
    bool: _bool,
    int: _int,
    float: _float,
    str: _text,
}


def setting(
    variable: str,
    default: Any,
    meaning: str,
    *,
    read: Callable[[str, str], Any] | None = None,
    by_environment: Mapping[str, Any] | None = None,
    shown: str | None = None,
) -> Any:
    """A `Settings` field set by `variable`. `read` defaults to the reader of the default's
    type (an optional string when the default is None); a list or dict default is copied for
    every instance."""
    if read is None:
        read = _optional if default is None else _READER_OF_TYPE[type(default)]
    declaration = Declaration(variable, meaning, read, by_environment or {}, shown)
    metadata = {"setting": declaration}
    if isinstance(default, dict | list):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """The hub's configuration. Build it with `Settings.from_env()`."""

    database_url: str = setting(
        "HUB_DATABASE_URL",
        DEFAULT_DATABASE_URL,
        "database; `postgresql+asyncpg://user:pass@host/db` for PostgreSQL",
    )
    database_pool_size: int = setting(
        "HUB_DATABASE_POOL_SIZE",
        DEFAULT_DATABASE_POOL_SIZE,
        "PostgreSQL connections each worker keeps open (and each replica's pool); a request "
        "that finds them all busy waits for one. Workers × this must stay under the "
        "server's `max_connections`",
        read=_positive_int,
    )
    # Streaming replicas (README "Reads off the primary", hub/db/replicas.py).
    replica_urls: tuple[str, ...] = setting(
        "HUB_DATABASE_REPLICA_URLS",
        (),
        "PostgreSQL streaming replicas of `HUB_DATABASE_URL` (space- or comma-separated URLs) "
        "that answer the reads of callers who cannot write (the public, reading clients: "
        "their queries, REST reads, open data, exports) while at most `HUB_REPLICA_MAX_LAG` "
        "behind; unset: every read on the primary",
        read=_database_urls,
        shown="unset",
    )
    replica_max_lag: float = setting(
        "HUB_REPLICA_MAX_LAG",
        5.0,
        "seconds a replica may be behind the primary and still answer reads; further behind, "
        "or unreachable, its reads go to the primary until it catches up",
        read=_positive_float,
    )
    replica_check_seconds: float = setting(
        "HUB_REPLICA_CHECK_SECONDS",
        1.0,
        "how often each worker measures its replicas' lag (two tiny statements per replica)",
        read=_positive_float,
    )
    environment: str = setting(
        "HUB_ENV",
        "development",
        "`development`, `test` or `production` (masks internal errors, GraphiQL off, no demo data)",
        read=_choice(*ENVIRONMENTS, spoken="development, test or production"),
    )
    host: str = setting("HUB_HOST", "127.0.0.1", "address `hub serve` listens on")
    port: int = setting("HUB_PORT", 8000, "port `hub serve` listens on")
    workers: int = setting(
        "HUB_WORKERS", 1, "uvicorn worker processes (PostgreSQL only; SQLite is served by one)"
    )
    auto_migrate: bool = setting(
        "HUB_AUTO_MIGRATE",
        True,
        "apply migrations on start-up; set `false` with several replicas and run "
        "`hub db upgrade` as a release step",
    )
    graphiql: bool = setting(
        "HUB_GRAPHIQL", True, "serve GraphiQL at `/graphql`", by_environment={"production": False}
    )
    # The console (README "For clerks and officers"): server-rendered pages under /console.
    console: bool = setting(
        "HUB_CONSOLE", True, "serve the console (Thai/English web application) at `/console`"
    )
    console_session_ttl: int = setting(
        "HUB_CONSOLE_SESSION_TTL",
        12 * 3600,
        "seconds a console sign-in lasts before the person signs in again (12 hours)",
    )
    # Background work (README "Exports" and "Webhooks"): the job queue, exports, webhooks.
    jobs_worker: bool = setting(
        "HUB_JOBS_WORKER",
        False,
        "run the background-job worker (exports, webhook deliveries) in each hub process; "
        "`false` leaves them to other processes",
        by_environment={"development": True, "production": True},
        # Off in the test environment: a polling worker's statements would land in the tests'
        # statement counts; the tests of jobs and webhooks turn it on.
        shown="`true` (the test environment: `false`)",
    )
    jobs_poll_interval: float = setting(
        "HUB_JOBS_POLL_INTERVAL",
        1.0,
        "seconds the job worker waits before looking for due jobs again",
        read=_positive_float,
    )
    export_page_size: int = setting(
        "HUB_EXPORT_PAGE_SIZE",
        500,
        "rows an export reads at a time (what it holds in memory); at most 1,000",
        read=_positive_int,
    )
    export_background_rows: int = setting(
        "HUB_EXPORT_BACKGROUND_ROWS",
        2_000,
        "an export of more rows than this is refused as a download and must run as a job "
        "(`startExport`, `POST /exports/jobs`)",
        read=_positive_int,
    )
    export_keep_hours: int = setting(
        "HUB_EXPORT_KEEP_HOURS",
        24,
        "hours an export job's file stays downloadable",
        read=_positive_int,
    )
    webhook_timeout: float = setting(
        "HUB_WEBHOOK_TIMEOUT",
        10.0,
        "seconds a webhook receiver has to answer a delivery",
        read=_positive_float,
    )
    webhook_retry_base: float = setting(
        "HUB_WEBHOOK_RETRY_BASE",
        5.0,
        "seconds before a failed delivery's first retry; each next waits 6× longer (at most "
        "10 hours)",
        read=_positive_float,
    )
    webhook_max_attempts: int = setting(
        "HUB_WEBHOOK_MAX_ATTEMPTS",
        8,
        "tries of one delivery before it is marked failed",
        read=_positive_int,
    )
    # Bulk upload of record tables (README "Records and bulk upload").
    import_max_lines: int = setting(
        "HUB_IMPORT_MAX_LINES",
        20_000,
        "lines one record-table file may hold (`importWaterSupplySystems`, the console's bulk "
        "upload); more: the whole file is refused and nothing imported",
        read=_positive_int,
    )
    console_upload_max_bytes: int = setting(
        "HUB_CONSOLE_UPLOAD_MAX_BYTES",
        16 * 1024 * 1024,
        "largest file the console's bulk upload accepts (that request only; every other "
        "request keeps `HUB_MAX_REQUEST_BYTES`)",
        read=_positive_int,
        shown="`16777216` (16 MiB)",
    )
    console_upload_ttl: int = setting(
        "HUB_CONSOLE_UPLOAD_TTL",
        3600,
        "seconds an uploaded file is kept for its confirmation after the preview (1 hour)",
        read=_positive_int,
    )
    # Incremental sync (README "Incremental sync"; hub/rules/change_feed.py).
    changes_retention_days: int = setting(
        "HUB_CHANGES_RETENTION_DAYS",
        30,
        "days a changes-feed cursor stays usable after it was issued; an older one is answered "
        "`410 Gone` (`CURSOR_EXPIRED`) and the client takes a fresh baseline",
        read=_positive_int,
    )
    # Shared state of several replicas that needs no durability (hub/oauth/ratelimit.py).
    redis_url: str | None = setting(
        "HUB_REDIS_URL",
        None,
        "Redis (`redis://host:6379/0`) holding the OAuth rate-limit counters and the API "
        "quotas' counters, shared by every worker and replica; unset: they are kept in the "
        "database",
        read=_redis_url,
    )
    # Logs and metrics (README "Logs and metrics"): JSON lines or text; Prometheus at /metrics.
    log_level: str = setting("HUB_LOG_LEVEL", "info", "log level", read=_lower)
    log_format: str | None = setting(
        "HUB_LOG_FORMAT",
        None,
        '`json`: one JSON object per log line; `text`: readable lines (see "Logs and metrics")',
        read=_log_format,
        shown="`json` in production, `text` otherwise",
    )
    metrics: bool = setting("HUB_METRICS", True, "serve Prometheus metrics at `/metrics`")
    # Set by the operator for several workers (prometheus_client's multiprocess mode).
    metrics_multiproc_dir: str | None = setting(
        "PROMETHEUS_MULTIPROC_DIR",
        None,
        "prometheus_client's own variable: an empty directory where several workers add up "
        "their metrics",
        shown="unset (`hub serve` makes a temporary one for several workers)",
    )
    # Performance (README "Performance"): the planned read path, and per-request SQL counts.
    planner: bool = setting(
        "HUB_PLANNER",
        True,
        '`off` serves every query through the resolvers (see "Performance")',
        shown="`on`",
    )
    count_statements: bool = setting(
        "HUB_COUNT_STATEMENTS",
        False,
        "adds `X-SQL-Statements` (SQL statements the request ran) to every response",
    )
    # Time bounds: a request past `request_timeout` seconds is stopped with REQUEST_TIMEOUT
    # (503); every statement the app runs is stopped after `statement_timeout` seconds; a
    # SQLite writer waits `sqlite_busy_timeout` seconds for another writer's lock before
    # answering DATABASE_BUSY (503). 0 means no bound.
    request_timeout: float = setting(
        "HUB_REQUEST_TIMEOUT",
        30.0,
        "seconds a request may run; then it is stopped (its statement too) and answered 503 "
        "`REQUEST_TIMEOUT`; `0`: no limit",
        read=_seconds,
    )
    statement_timeout: float = setting(
        "HUB_STATEMENT_TIMEOUT",
        25.0,
        "seconds one database statement may run (PostgreSQL `statement_timeout`; SQLite "
        "interrupts it), answered 503 `REQUEST_TIMEOUT`; `0`: no limit. Commands "
        "(`hub demo load`, …) are not bounded",
        read=_seconds,
    )
    sqlite_busy_timeout: float = setting(
        "HUB_SQLITE_BUSY_TIMEOUT",
        10.0,
        "seconds a write waits for another writer's SQLite lock before answering 503 "
        "`DATABASE_BUSY`",
        read=_seconds,
    )
    # OAuth 2.0: the hub as authorization server and resource server (README "Authentication").
    issuer: str = setting(
        "HUB_ISSUER",
        "http://127.0.0.1:8000",
        "the hub's public address: token issuer and base of the OAuth endpoints (`https://` "
        "in production)",
        read=_issuer,
    )
    audience: str = setting("HUB_AUDIENCE", "info-hub", "audience of the hub's access tokens")
    signing_alg: str = setting(
        "HUB_SIGNING_ALG",
        "ES256",
        "algorithm of new signing keys (`ES256` or `RS256`)",
        read=_signing_alg,
    )
    key_encryption_secret: str | None = setting(
        "HUB_KEY_ENCRYPTION_SECRET",
        None,
        "encrypts the signing keys' private parts in the database",
        shown="unset (required in production)",
    )
    access_token_ttl: int = setting(
        "HUB_ACCESS_TOKEN_TTL", 15 * 60, "lifetime of access tokens in seconds (15 minutes)"
    )
    refresh_token_ttl: int = setting(
        "HUB_REFRESH_TOKEN_TTL", 30 * 24 * 3600, "lifetime of refresh tokens in seconds (30 days)"
    )
    token_leeway: int = setting(
        "HUB_TOKEN_LEEWAY", 30, "seconds of clock skew accepted on `exp`, `nbf`, `iat`"
    )
    token_recheck_seconds: float = setting(
        "HUB_TOKEN_RECHECK_SECONDS",
        5.0,
        "seconds a worker reuses a verified access token before checking its revocation again "
        "(a revocation or disabled account written elsewhere is honoured within this; 0: check "
        "every request)",
        read=_seconds,
    )
    account_code_ttl: int = setting(
        "HUB_ACCOUNT_CODE_TTL",
        72 * 3600,
        "seconds a one-time activation or password-reset code stays usable (72 hours)",
        read=_positive_int,
    )
    login_max_failures: int = setting(
        "HUB_LOGIN_MAX_FAILURES", 5, "failed sign-ins in a row before an account locks"
    )
    login_lockout_seconds: int = setting(
        "HUB_LOGIN_LOCKOUT_SECONDS", 15 * 60, "seconds a locked account stays locked"
    )
    login_delay_step: float = setting(
        "HUB_LOGIN_DELAY_STEP", 0.5, "seconds of delay added per failed sign-in"
    )
    login_delay_max: float = setting(
        "HUB_LOGIN_DELAY_MAX", 5.0, "most seconds of delay after failed sign-ins"
    )
    token_rate_limit: int = setting(
        "HUB_TOKEN_RATE_LIMIT",
        60,
        "token requests allowed per client per window; also failed client authentications "
        "per source address and client",
    )
    token_rate_window: int = setting(
        "HUB_TOKEN_RATE_WINDOW", 60, "seconds of the token rate limit's window"
    )
    external_issuer: str | None = setting(
        "HUB_EXTERNAL_ISSUER",
        None,
        "issuer of an external OpenID provider whose tokens are trusted",
    )
    external_jwks_url: str | None = setting(
        "HUB_EXTERNAL_JWKS_URL", None, "that provider's JWKS (required with the issuer)"
    )
    external_audience: str | None = setting(
        "HUB_EXTERNAL_AUDIENCE", None, "audience its tokens must carry", shown="`HUB_AUDIENCE`"
    )
    external_algorithms: tuple[str, ...] = setting(
        "HUB_EXTERNAL_ALGORITHMS",
        ("RS256", "ES256"),
        "algorithms accepted from it",
        read=_algorithms,
    )
    external_claims_map: dict[str, object] = setting(
        "HUB_EXTERNAL_CLAIMS_MAP",
        DEFAULT_CLAIMS_MAP,
        'JSON mapping its claims onto the hub\'s roles and places (see "Authentication")',
        read=_claims_map,
        shown="`{}` (claims `role`, `lao_code`, `district_code`, `province_code`, `sub`, `scope`)",
    )
    # The HTTP edge (hub/web/edge.py, hub/web/serve.py): limits every request meets before any route
    # sees it, so no single request can exhaust memory, the stack or a connection slot.
    max_request_bytes: int = setting(
        "HUB_MAX_REQUEST_BYTES",
        1_048_576,
        "largest request body on any endpoint (a province's KPI-16 CSV fits); larger: `413` "
        "`REQUEST_TOO_LARGE`",
        read=_positive_int,
        shown="`1048576` (1 MiB)",
    )
    max_json_depth: int = setting(
        "HUB_MAX_JSON_DEPTH",
        64,
        "deepest nesting of arrays and objects in a JSON body or GET `variables`; deeper: "
        "`400` `BAD_USER_INPUT`",
        read=_positive_int,
    )
    max_string_length: int = setting(
        "HUB_MAX_STRING_LENGTH",
        10_000,
        "characters in one GraphQL string (a literal or in a variable; not "
        "`importKpi16Baseline`'s `csv`); longer: `BAD_USER_INPUT`",
        read=_positive_int,
    )
    body_timeout: float = setting(
        "HUB_BODY_TIMEOUT",
        30.0,
        "seconds for a request body to arrive; slower: `408` `REQUEST_TIMEOUT`",
        read=_positive_float,
    )
    header_timeout: float = setting(
        "HUB_HEADER_TIMEOUT",
        10.0,
        "seconds for a request's headers to arrive (`hub serve`); slower connections are closed",
        read=_positive_float,
    )
    max_connections: int = setting(
        "HUB_MAX_CONNECTIONS",
        1000,
        "concurrent connections per worker (`hub serve`); beyond it new requests get `503`",
        read=_positive_int,
    )
    # Origins whose browser pages may call the hub (CORS): exact origins, `*` (any), or an
    # origin ending in `:*` (any port). Development allows local pages on any port.
    cors_origins: tuple[str, ...] = setting(
        "HUB_CORS_ORIGINS",
        (),
        "origins whose web pages may call the hub from a browser (CORS, `GET`/`POST`, headers "
        "`Authorization` and `Content-Type`): space- or comma-separated origins, "
        "`scheme://host:*` for any port, or `*`",
        read=_origins,
        by_environment={"development": DEVELOPMENT_CORS_ORIGINS},
        shown="unset: none (development: `http://localhost:* http://127.0.0.1:* http://[::1]:*`)",
    )

    # Quotas on the API (README "Quotas", hub/web/quotas.py): per caller (a client, a person,
    # or the public by address), overridable per client (`hub clients set`); 0: no limit.
    rate_limit_per_minute: int = setting(
        "HUB_RATE_LIMIT_PER_MINUTE",
        0,
        "API requests a caller may make per minute (a client may have its own, `hub clients "
        "set`); more: `429` `RATE_LIMITED` with `Retry-After`; `0`: no limit (counting costs a "
        "write per request: set it with `HUB_REDIS_URL`)",
        read=_non_negative_int,
    )
    quota_per_day: int = setting(
        "HUB_QUOTA_PER_DAY",
        0,
        "API requests a caller may make per day (UTC; a client may have its own); `0`: no limit",
        read=_non_negative_int,
    )
    # Persisted operations and GET caching (README "Persisted operations", "Caching").
    public_max_age: int = setting(
        "HUB_PUBLIC_MAX_AGE",
        60,
        "seconds a public answer to `GET /graphql` may be cached (`Cache-Control: public, "
        "max-age`); answers to a token are `private, no-store`",
        read=_non_negative_int,
    )
    apq_max_entries: int = setting(
        "HUB_APQ_MAX_ENTRIES",
        10_000,
        "documents the automatic-persisted-queries cache keeps (the oldest go first); `0`: "
        "clients may use only registered operations' hashes",
        read=_non_negative_int,
    )
    apq_max_document_bytes: int = setting(
        "HUB_APQ_MAX_DOCUMENT_BYTES",
        20_000,
        "longest document a client may register by automatic persisted queries (UTF-8 bytes)",
        read=_positive_int,
    )

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def json_logs(self) -> bool:
        return self.log_format == "json" or (self.log_format is None and self.production)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Every declared variable that is set, read and checked; the defaults otherwise."""
        env = dict(os.environ if env is None else env)
        environment_field = next(f for f in fields(cls) if f.name == "environment")
        environment = str(
            _read(environment_field, env.get(_declaration(environment_field).variable))
        )
        values: dict[str, Any] = {}
        for f, declaration in declarations():
            raw = env.get(declaration.variable)
            if raw is not None:
                values[f.name] = declaration.read(declaration.variable, raw)
            elif environment in declaration.by_environment:
                values[f.name] = declaration.by_environment[environment]
        settings = cls(**values)
        if settings.replica_urls and settings.is_sqlite:
            raise SettingsError(
                "HUB_DATABASE_REPLICA_URLS needs a PostgreSQL HUB_DATABASE_URL (SQLite has no "
                "replicas)"
            )
        if settings.external_issuer and not settings.external_jwks_url:
            raise SettingsError("HUB_EXTERNAL_ISSUER needs HUB_EXTERNAL_JWKS_URL")
        return settings


def _declaration(f: Field[Any]) -> Declaration:
    declaration = f.metadata["setting"]
    assert isinstance(declaration, Declaration)
    return declaration


def _read(f: Field[Any], raw: str | None) -> Any:
    declaration = _declaration(f)
    return f.default if raw is None else declaration.read(declaration.variable, raw)


def declarations() -> Iterator[tuple[Field[Any], Declaration]]:
    """Every setting, in declaration order: its field of `Settings` and its variable."""
    for f in fields(Settings):
        yield f, _declaration(f)


# --- The README's table ------------------------------------------------------------------


def _shown(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    if isinstance(value, tuple):
        return f"`{' '.join(value)}`"
    return f"`{value}`"


def markdown_table() -> str:
    """README.md's "Configuration" table, one row per setting in declaration order."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for f, declaration in declarations():
        if declaration.shown is not None:
            default = declaration.shown
        else:
            default = _shown(f.default)
            exceptions = [
                f"{env}: {_shown(value)}" for env, value in declaration.by_environment.items()
            ]
            if exceptions:
                default += f" ({'; '.join(exceptions)})"
        lines.append(f"| `{declaration.variable}` | {default} | {declaration.meaning} |")
    return "\n".join(lines) + "\n"


README_TABLE_AFTER = "## Configuration"


def readme_with_table(readme: str) -> str:
    """`readme` with the first table after its "Configuration" heading replaced by
    `markdown_table()`."""
    lines = readme.splitlines(keepends=True)
    heading = next(i for i, line in enumerate(lines) if line.rstrip() == README_TABLE_AFTER)
    start = next(i for i in range(heading, len(lines)) if lines[i].startswith("|"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return "".join([*lines[:start], markdown_table(), *lines[end:]])
