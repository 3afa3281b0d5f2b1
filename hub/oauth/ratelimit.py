"""Rate limits and login throttling, kept where every worker and replica shares them.

* The token endpoint allows `HUB_TOKEN_RATE_LIMIT` requests per client per
  `HUB_TOKEN_RATE_WINDOW` seconds (a fixed-window counter, in Redis when `HUB_REDIS_URL` is
  set, otherwise in the database's `rate_limit_counters`). Only
  requests that prove who they are count against a client: one holding its secret, or, for a
  public client (no secret), one from the same source address. Anyone can *claim* a client
  id, so counting claims would let anyone lock a ministry out of its tokens.
* Failed client authentications (a wrong secret, no secret, an unknown or disabled client) at
  any OAuth endpoint count separately, per source address and claimed client, with the same
  limit and window; past it, that address's further attempts are refused before their secret
  is hashed, which bounds both brute force and the CPU it costs. The holder of the right
  secret at another address is never affected.
* Each failed login of an account adds `HUB_LOGIN_DELAY_STEP` seconds of delay (capped at
  `HUB_LOGIN_DELAY_MAX`); after `HUB_LOGIN_MAX_FAILURES` failures in a row the account is
  locked for `HUB_LOGIN_LOCKOUT_SECONDS` (`users.failed_logins`, `users.locked_until`).

The counters are `Counters`: `DatabaseCounters` (an upsert per counted request: correct, but
a write transaction on the token endpoint's hot path) or `RedisCounters` (INCR with an expiry:
no database write, and old windows vanish by themselves). They are short-lived and need no
durability; losing them (a Redis restart) only resets the current windows. Lockouts stay in
the database: they belong to the account and must survive a restart. An unreachable Redis
makes the OAuth endpoints answer 503 (`Unavailable`, retry later), never count nothing and
let everything through.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import time
from dataclasses import dataclass
from typing import Literal, Protocol

from redis import asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.models import RateLimitCounter, User
from hub.oauth.keys import aware, utcnow
from hub.rules.passwords import hash_password, verify_password_async
from hub.rules.problems import Unavailable
from hub.settings import Settings

log = logging.getLogger(__name__)

# Verified against when the username is unknown, so both cases cost the same time.
_DUMMY_HASH = hash_password("not-a-password", salt=b"info-hub-dummy!!")


@dataclass(frozen=True)
class Limited:
    allowed: bool
    retry_after: int  # seconds until the window resets (when not allowed)
    count: int = 0  # requests counted in the current window, this one included


def _window(window: int) -> tuple[int, int]:
    """The current fixed window's number, and the seconds until it ends (at least 1)."""
    now = time.time()
    current = int(now // window)
    return current, max(1, math.ceil((current + 1) * window - now))


class Counters(Protocol):
    """Fixed-window request counters shared by every worker and replica."""

    async def hit(self, key: str, limit: int, window: int) -> Limited:
        """Count one request under `key`; allowed while the window's count is within
        `limit`."""
        ...

    async def exceeded(self, key: str, limit: int, window: int) -> Limited:
        """Whether `key` is already over `limit` in the current window, counting nothing."""
        ...


@dataclass(frozen=True)
class DatabaseCounters:
    """The counters as rows of `rate_limit_counters`, one per key, reset by a new window."""

    engine: AsyncEngine

    async def hit(self, key: str, limit: int, window: int) -> Limited:
        current, retry_after = _window(window)
        table = RateLimitCounter.__table__
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(table)
            .values(key=key, window=current, count=1)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "window": current,
                    "count": case((table.c.window == current, table.c.count + 1), else_=1),
                },
            )
            .returning(table.c.count)
        )
        async with self.engine.begin() as conn:
            count = int((await conn.execute(statement)).scalar_one())
        return Limited(count <= limit, retry_after, count)

    async def exceeded(self, key: str, limit: int, window: int) -> Limited:
        current, retry_after = _window(window)
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(RateLimitCounter.window, RateLimitCounter.count).where(
                        RateLimitCounter.key == key
                    )
                )
            ).one_or_none()
        count = int(row[1]) if row is not None and row[0] == current else 0
        return Limited(count <= limit, retry_after)


# Seconds to connect to Redis, and for one command's answer: a token request fails quickly
# (503) rather than hanging on a Redis that does not answer.
REDIS_TIMEOUT = 2.0


class RedisCounters:
    """The counters in Redis (HUB_REDIS_URL): a key per (key, window length, window number),
    incremented and given an expiry just past its window's end in one transaction."""

    def __init__(self, url: str) -> None:
        self.client = aioredis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )

    @staticmethod
    def _name(key: str, window: int, current: int) -> str:
        return f"hub:rate:{window}:{current}:{key}"

    async def hit(self, key: str, limit: int, window: int) -> Limited:
        current, retry_after = _window(window)
        name = self._name(key, window, current)
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, retry_after + 1)
                count, _ = await pipe.execute()
        except RedisError as exc:
            raise _unreachable(exc) from exc
        return Limited(int(count) <= limit, retry_after, int(count))

    async def exceeded(self, key: str, limit: int, window: int) -> Limited:
        current, retry_after = _window(window)
        try:
            count = await self.client.get(self._name(key, window, current))
        except RedisError as exc:
            raise _unreachable(exc) from exc
        return Limited(int(count or 0) <= limit, retry_after)

    async def close(self) -> None:
        await self.client.aclose()


def _unreachable(exc: RedisError) -> Unavailable:
    log.warning("the rate-limit counters' Redis cannot be reached: %r", exc)
    return Unavailable()


def redis_counters(settings: Settings) -> RedisCounters | None:
    """The shared counters in Redis when HUB_REDIS_URL is set (nothing connects until the
    first request); None: the database keeps them."""
    return RedisCounters(settings.redis_url) if settings.redis_url else None


LoginStatus = Literal["ok", "wrong", "locked", "disabled"]


@dataclass(frozen=True)
class LoginResult:
    status: LoginStatus
    user_id: int | None = None
    locked_minutes: int = 0  # when locked: minutes until the account opens again


async def attempt_login(
    engine: AsyncEngine, settings: Settings, username: str, password: str
) -> LoginResult:
    """Check a person's password, counting failures, delaying and locking as configured."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(User.id, User.password_hash, User.disabled, User.locked_until).where(
                    User.username == username
                )
            )
        ).one_or_none()
    now = utcnow()
    locked_until = aware(row.locked_until) if row else None
    if row is not None and locked_until is not None and locked_until > now:
        return LoginResult("locked", row.id, _minutes(locked_until - now))
    stored = row.password_hash if row is not None else _DUMMY_HASH
    ok = await verify_password_async(password, stored)
    if row is not None and ok:
        if row.disabled:
            return LoginResult("disabled", row.id)
        async with engine.begin() as conn:
            await conn.execute(
                update(User).where(User.id == row.id).values(failed_logins=0, locked_until=None)
            )
        return LoginResult("ok", row.id)
    failures = 1
    locked = False
    if row is not None:
        async with engine.begin() as conn:
            failures = int(
                (
                    await conn.execute(
                        update(User)
                        .where(User.id == row.id)
                        .values(failed_logins=User.failed_logins + 1)
                        .returning(User.failed_logins)
                    )
                ).scalar_one()
            )
            if failures >= settings.login_max_failures:
                locked = True
                await conn.execute(
                    update(User)
                    .where(User.id == row.id)
                    .values(
                        failed_logins=0,
                        locked_until=now + dt.timedelta(seconds=settings.login_lockout_seconds),
                    )
                )
    await asyncio.sleep(min(settings.login_delay_step * failures, settings.login_delay_max))
    if locked:
        return LoginResult(
            "locked",
            row.id if row else None,
            _minutes(dt.timedelta(seconds=settings.login_lockout_seconds)),
        )
    return LoginResult("wrong")


def _minutes(delta: dt.timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds() / 60))
