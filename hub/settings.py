"""Configuration, read once from environment variables.

Every setting the hub has is listed here and in README.md ("Configuration"); nothing else
reads the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

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
    graphiql: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.environment == "production"

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
            graphiql=_bool(
                "HUB_GRAPHIQL", env.get("HUB_GRAPHIQL", "false" if production else "true")
            ),
        )
