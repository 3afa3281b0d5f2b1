"""Configuration, read once from environment variables.

Every setting the hub has is listed here and in README.md ("Configuration"); nothing else
reads the environment.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SQLITE_PATH = Path("var/hub.sqlite3")
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///./{DEFAULT_SQLITE_PATH.as_posix()}"


class SettingsError(ValueError):
    """A configuration variable has a value the hub cannot use."""


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
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


def _log_format(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"json", "text"}:
        raise SettingsError(f"HUB_LOG_FORMAT must be json or text, got {raw!r}")
    return value


def _seconds(name: str, raw: str) -> float:
    value = _float(name, raw)
    if not 0 <= value < 86_400:
        raise SettingsError(f"{name} must be a number of seconds (0 for no limit), got {raw!r}")
    return value


SIGNING_ALGORITHMS = ("ES256", "RS256")
# How claims of an external identity provider's tokens map onto ours (HUB_EXTERNAL_CLAIMS_MAP).
DEFAULT_CLAIMS_MAP: dict[str, str] = {
    "subject": "sub",
    "role": "role",
    "lao_code": "lao_code",
    "district_code": "district_code",
    "province_code": "province_code",
    "scope": "scope",
}


def _claims_map(raw: str) -> dict[str, object]:
    try:
        value = json.loads(raw)
    except ValueError:
        raise SettingsError(f"HUB_EXTERNAL_CLAIMS_MAP must be a JSON object, got {raw!r}") from None
    if not isinstance(value, dict):
        raise SettingsError("HUB_EXTERNAL_CLAIMS_MAP must be a JSON object")
    return {**DEFAULT_CLAIMS_MAP, **value}


DEVELOPMENT_CORS_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*")
_ORIGIN = re.compile(r"^https?://(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:(\d{1,5}|\*))?$")


def _origins(raw: str) -> tuple[str, ...]:
    origins = tuple(raw.replace(",", " ").split())
    for origin in origins:
        if origin != "*" and not _ORIGIN.match(origin):
            raise SettingsError(
                "HUB_CORS_ORIGINS lists origins such as https://portal.example.go.th, "
                f"http://localhost:* (any port) or *, got {origin!r}"
            )
    return origins


def _positive(name: str, value: float) -> Any:
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {value}")
    return value


def _algorithms(name: str, raw: str) -> tuple[str, ...]:
    algs = tuple(raw.replace(",", " ").split())
    if not algs or any(a not in SIGNING_ALGORITHMS for a in algs):
        raise SettingsError(f"{name} must list algorithms out of {' '.join(SIGNING_ALGORITHMS)}")
    return algs


@dataclass(frozen=True)
class Settings:
    """The hub's configuration. Build it with `Settings.from_env()`."""

    database_url: str = DEFAULT_DATABASE_URL
    environment: str = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    auto_migrate: bool = True
    redis_url: str | None = None
    log_level: str = "info"
    # Logs and metrics (README "Logs and metrics"): JSON lines or text; Prometheus at /metrics.
    log_format: str | None = None  # json or text; None: json in production, text otherwise
    metrics: bool = True
    # Set by the operator for several workers (prometheus_client's multiprocess mode).
    metrics_multiproc_dir: str | None = None
    graphiql: bool = True
    # Performance (README "Performance"): the planned read path, and per-request SQL counts.
    planner: bool = True
    count_statements: bool = False
    # Time bounds (README "Configuration"): a request past `request_timeout` seconds is stopped
    # with REQUEST_TIMEOUT (503); every statement the app runs is stopped after
    # `statement_timeout` seconds; a SQLite writer waits `sqlite_busy_timeout` seconds for
    # another writer's lock before answering DATABASE_BUSY (503). 0 means no bound.
    request_timeout: float = 30.0
    statement_timeout: float = 25.0
    sqlite_busy_timeout: float = 10.0
    extra: dict[str, str] = field(default_factory=dict)
    # OAuth 2.0: the hub as authorization server and resource server (README "Authentication").
    issuer: str = "http://127.0.0.1:8000"
    audience: str = "info-hub"
    signing_alg: str = "ES256"
    key_encryption_secret: str | None = None
    access_token_ttl: int = 15 * 60  # seconds
    refresh_token_ttl: int = 30 * 24 * 3600
    token_leeway: int = 30  # seconds of clock skew accepted on exp / nbf / iat
    login_max_failures: int = 5  # failed logins before the account locks
    login_lockout_seconds: int = 15 * 60
    login_delay_step: float = 0.5  # seconds of delay added per failed login
    login_delay_max: float = 5.0
    token_rate_limit: int = 60  # token requests per client per window
    token_rate_window: int = 60  # seconds
    external_issuer: str | None = None
    external_jwks_url: str | None = None
    external_audience: str | None = None
    external_algorithms: tuple[str, ...] = SIGNING_ALGORITHMS
    external_claims_map: dict[str, object] = field(default_factory=lambda: dict(DEFAULT_CLAIMS_MAP))
    # The HTTP edge (hub/edge.py, hub/serve.py): limits every request meets before any route
    # sees it, so no single request can exhaust memory, the stack or a connection slot.
    max_request_bytes: int = 1_048_576  # request body; larger ones get 413
    max_json_depth: int = 64  # nesting of arrays/objects in a JSON body or token; deeper: 400
    max_string_length: int = 10_000  # characters in one GraphQL string argument (not CSV)
    body_timeout: float = 30.0  # seconds for a request body to arrive; slower: 408
    header_timeout: float = 10.0  # seconds for a request's headers to arrive (hub serve)
    max_connections: int = 1000  # per worker; beyond it new requests get 503 (hub serve)
    # Origins whose browser pages may call the hub (CORS): exact origins, `*` (any), or an
    # origin ending in `:*` (any port). Development allows local pages on any port.
    cors_origins: tuple[str, ...] = ()

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
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        environment = env.get("HUB_ENV", "development").strip().lower()
        if environment not in {"development", "production", "test"}:
            raise SettingsError(
                f"HUB_ENV must be development, test or production, got {environment!r}"
            )
        production = environment == "production"
        return cls(
            database_url=env.get("HUB_DATABASE_URL", DEFAULT_DATABASE_URL),
            environment=environment,
            host=env.get("HUB_HOST", "127.0.0.1"),
            port=_int("HUB_PORT", env.get("HUB_PORT", "8000")),
            workers=_int("HUB_WORKERS", env.get("HUB_WORKERS", "1")),
            auto_migrate=_bool("HUB_AUTO_MIGRATE", env.get("HUB_AUTO_MIGRATE", "true")),
            redis_url=env.get("HUB_REDIS_URL") or None,
            log_level=env.get("HUB_LOG_LEVEL", "info").lower(),
            log_format=_log_format(env["HUB_LOG_FORMAT"]) if env.get("HUB_LOG_FORMAT") else None,
            metrics=_bool("HUB_METRICS", env.get("HUB_METRICS", "true")),
            metrics_multiproc_dir=env.get("PROMETHEUS_MULTIPROC_DIR") or None,
            graphiql=_bool(
                "HUB_GRAPHIQL", env.get("HUB_GRAPHIQL", "false" if production else "true")
            ),
            planner=_bool("HUB_PLANNER", env.get("HUB_PLANNER", "on")),
            count_statements=_bool(
                "HUB_COUNT_STATEMENTS", env.get("HUB_COUNT_STATEMENTS", "false")
            ),
            request_timeout=_seconds("HUB_REQUEST_TIMEOUT", env.get("HUB_REQUEST_TIMEOUT", "30")),
            statement_timeout=_seconds(
                "HUB_STATEMENT_TIMEOUT", env.get("HUB_STATEMENT_TIMEOUT", "25")
            ),
            sqlite_busy_timeout=_seconds(
                "HUB_SQLITE_BUSY_TIMEOUT", env.get("HUB_SQLITE_BUSY_TIMEOUT", "10")
            ),
            **_oauth_from_env(env),
            **_edge_from_env(env, environment),
        )


def _edge_from_env(env: dict[str, str], environment: str) -> dict[str, Any]:
    def number(name: str, default: str, parse: Any = _int) -> Any:
        return _positive(name, parse(name, env.get(name, default)))

    cors = env.get("HUB_CORS_ORIGINS")
    return {
        "max_request_bytes": number("HUB_MAX_REQUEST_BYTES", "1048576"),
        "max_json_depth": number("HUB_MAX_JSON_DEPTH", "64"),
        "max_string_length": number("HUB_MAX_STRING_LENGTH", "10000"),
        "body_timeout": number("HUB_BODY_TIMEOUT", "30", _float),
        "header_timeout": number("HUB_HEADER_TIMEOUT", "10", _float),
        "max_connections": number("HUB_MAX_CONNECTIONS", "1000"),
        "cors_origins": _origins(cors)
        if cors is not None
        else DEVELOPMENT_CORS_ORIGINS
        if environment == "development"
        else (),
    }


def _oauth_from_env(env: dict[str, str]) -> dict[str, Any]:
    alg = env.get("HUB_SIGNING_ALG", "ES256")
    if alg not in SIGNING_ALGORITHMS:
        raise SettingsError(f"HUB_SIGNING_ALG must be ES256 or RS256, got {alg!r}")
    external = env.get("HUB_EXTERNAL_ISSUER") or None
    if external and not env.get("HUB_EXTERNAL_JWKS_URL"):
        raise SettingsError("HUB_EXTERNAL_ISSUER needs HUB_EXTERNAL_JWKS_URL")
    return {
        "issuer": env.get("HUB_ISSUER", "http://127.0.0.1:8000").rstrip("/"),
        "audience": env.get("HUB_AUDIENCE", "info-hub"),
        "signing_alg": alg,
        "key_encryption_secret": env.get("HUB_KEY_ENCRYPTION_SECRET") or None,
        "access_token_ttl": _int("HUB_ACCESS_TOKEN_TTL", env.get("HUB_ACCESS_TOKEN_TTL", "900")),
        "refresh_token_ttl": _int(
            "HUB_REFRESH_TOKEN_TTL", env.get("HUB_REFRESH_TOKEN_TTL", str(30 * 24 * 3600))
        ),
        "token_leeway": _int("HUB_TOKEN_LEEWAY", env.get("HUB_TOKEN_LEEWAY", "30")),
        "login_max_failures": _int(
            "HUB_LOGIN_MAX_FAILURES", env.get("HUB_LOGIN_MAX_FAILURES", "5")
        ),
        "login_lockout_seconds": _int(
            "HUB_LOGIN_LOCKOUT_SECONDS", env.get("HUB_LOGIN_LOCKOUT_SECONDS", "900")
        ),
        "login_delay_step": _float("HUB_LOGIN_DELAY_STEP", env.get("HUB_LOGIN_DELAY_STEP", "0.5")),
        "login_delay_max": _float("HUB_LOGIN_DELAY_MAX", env.get("HUB_LOGIN_DELAY_MAX", "5")),
        "token_rate_limit": _int("HUB_TOKEN_RATE_LIMIT", env.get("HUB_TOKEN_RATE_LIMIT", "60")),
        "token_rate_window": _int(
            "HUB_TOKEN_RATE_WINDOW", env.get("HUB_TOKEN_RATE_WINDOW", "60")
        ),
        "external_issuer": external,
        "external_jwks_url": env.get("HUB_EXTERNAL_JWKS_URL") or None,
        "external_audience": env.get("HUB_EXTERNAL_AUDIENCE") or None,
        "external_algorithms": _algorithms(
            "HUB_EXTERNAL_ALGORITHMS", env.get("HUB_EXTERNAL_ALGORITHMS", "RS256 ES256")
        ),
        "external_claims_map": _claims_map(env.get("HUB_EXTERNAL_CLAIMS_MAP", "{}")),
    }
