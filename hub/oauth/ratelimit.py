"""Rate limits and login throttling, kept in the database so every worker shares them.

* The token endpoint allows `HUB_TOKEN_RATE_LIMIT` requests per client per
  `HUB_TOKEN_RATE_WINDOW` seconds (a fixed-window counter in `rate_limit_counters`). Only
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
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import time
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.models import RateLimitCounter, User
from hub.oauth.keys import aware, utcnow
from hub.rules.passwords import hash_password, verify_password_async
from hub.settings import Settings

# Verified against when the username is unknown, so both cases cost the same time.
_DUMMY_HASH = hash_password("not-a-password", salt=b"info-hub-dummy!!")


@dataclass(frozen=True)
class Limited:
    allowed: bool
    retry_after: int  # seconds until the window resets (when not allowed)


async def hit(engine: AsyncEngine, key: str, limit: int, window: int) -> Limited:
    """Count one request under `key`; allowed while the window's count is within `limit`."""
    now = time.time()
    current = int(now // window)
    table = RateLimitCounter.__table__
    insert = (postgresql if engine.dialect.name == "postgresql" else sqlite).insert(table)
    statement = (
        insert.values(key=key, window=current, count=1)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "window": current,
                "count": case((table.c.window == current, table.c.count + 1), else_=1),
            },
        )
        .returning(table.c.count)
    )
    async with engine.begin() as conn:
        count = int((await conn.execute(statement)).scalar_one())
    retry_after = max(1, math.ceil((current + 1) * window - now))
    return Limited(count <= limit, retry_after)


async def exceeded(engine: AsyncEngine, key: str, limit: int, window: int) -> Limited:
    """Whether `key` is already over `limit` in the current window, counting nothing."""
    now = time.time()
    current = int(now // window)
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(RateLimitCounter.window, RateLimitCounter.count).where(
                    RateLimitCounter.key == key
                )
            )
        ).one_or_none()
    count = int(row[1]) if row is not None and row[0] == current else 0
    return Limited(count <= limit, max(1, math.ceil((current + 1) * window - now)))


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
