"""The deadline-week write load on PostgreSQL: many clerks, each saving its own LAO's sections.

`prepare_clerks` gives each of N LAOs drafting the newest fiscal year a recorder account of
the bench's own (`bench.clerk.<lao code>`, one password hash shared by all: it is the same
password); `sign_in_all` signs each in through the hub's own authorization-code flow with
PKCE (the demo portal's sign-in, as a person's browser would), so every save carries a real
user token. `run_write_load` then runs `bench.writeload` in its own process and checks what
it reports against the database: every value a clerk saw saved is the one stored (no lost
update), no refusal happened (each clerk is its LAO's only writer), and `hub audit verify`
still verifies the change log's chain.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import secrets
import subprocess
import sys
from base64 import urlsafe_b64encode
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
from sqlalchemy import func, insert, select

from hub.db.engine import create_engine
from hub.db.models import SECTION_TABLES, Lao, LaoYear, RoleAssignment, User
from hub.rules.catalogue import domain
from hub.rules.passwords import hash_password
from loaders.demo_accounts import PORTAL_REDIRECT_URIS, secret_for

PASSWORD = "bench-clerk-password"  # the bench's own accounts, in the bench's own database
PORTAL = "demo-portal"
REDIRECT_URI = PORTAL_REDIRECT_URIS.split()[0]


@dataclass
class WriteResult:
    clerks: int
    think_seconds: float
    seconds: float
    workers: int
    latencies: list[float]
    errors: dict[str, int]
    lost: list[str]  # "<lao code> <domain.field>: saved x, stored y"
    audit: str  # `hub audit verify`'s last line
    audit_ok: bool
    wall: float
    rss_mb: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def saves_per_second(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


async def prepare_clerks(url: str, n: int) -> list[tuple[str, str, int]]:
    """(username, LAO code, fiscal year) of N recorder accounts, one per LAO drafting the
    newest fiscal year (made once; a second run reuses them)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            year = (await conn.execute(select(func.max(LaoYear.fiscal_year)))).scalar_one()
            laos = (
                await conn.execute(
                    select(Lao.id, Lao.code)
                    .join(LaoYear, LaoYear.lao_id == Lao.id)
                    .where(LaoYear.fiscal_year == year, LaoYear.state == "DRAFT")
                    .order_by(Lao.id)
                    .limit(n)
                )
            ).all()
            names = {f"bench.clerk.{code}": (lao_id, code) for lao_id, code in laos}
            existing = set(
                (
                    await conn.execute(select(User.username).where(User.username.in_(names)))
                ).scalars()
            )
            missing = [name for name in names if name not in existing]
            if missing:
                at = dt.datetime.now(dt.UTC).replace(microsecond=0)
                password_hash = hash_password(PASSWORD)
                next_user = (await conn.execute(select(func.max(User.id)))).scalar_one() or 0
                next_grant = (
                    await conn.execute(select(func.max(RoleAssignment.id)))
                ).scalar_one() or 0
                users, grants = [], []
                for i, name in enumerate(missing, start=1):
                    users.append(
                        {
                            "id": next_user + i,
                            "username": name,
                            "display_name": f"Bench clerk {names[name][1]}",
                            "email": f"{name}@bench.info-hub.invalid",
                            "password_hash": password_hash,
                            "disabled": False,
                            "failed_logins": 0,
                            "is_demo": False,
                            "created_at": at,
                        }
                    )
                    grants.append(
                        {
                            "id": next_grant + i,
                            "user_id": next_user + i,
                            "role": "LAO_RECORDER",
                            "lao_id": names[name][0],
                            "granted_at": at,
                        }
                    )
                await conn.execute(insert(User), users)
                await conn.execute(insert(RoleAssignment), grants)
        return [(name, str(code), int(year)) for name, (_, code) in names.items()]
    finally:
        await engine.dispose()


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


async def _sign_in(client: httpx.AsyncClient, username: str, secret: str) -> str:
    verifier, challenge = _pkce()
    page = await client.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": PORTAL,
            "redirect_uri": REDIRECT_URI,
            "state": "bench",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    page.raise_for_status()
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)
    form = {k: unescape(v) for k, v in hidden}
    answer = await client.post(
        "/oauth/authorize",
        data={**form, "username": username, "password": PASSWORD, "action": "login"},
    )
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in of {username}: {answer.status_code} {answer.text[:200]}")
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    token = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=(PORTAL, secret),
    )
    token.raise_for_status()
    return str(token.json()["access_token"])


async def sign_in_all(base: str, usernames: list[str], seed: int) -> list[str]:
    """Each account's access token, by the authorization-code flow, 8 sign-ins at a time."""
    secret, _ = secret_for(seed, PORTAL, "demo-secret-", 20)
    gate = asyncio.Semaphore(8)

    async def one(username: str) -> str:
        async with gate, httpx.AsyncClient(base_url=base, timeout=60) as client:
            return await _sign_in(client, username, secret)

    return list(await asyncio.gather(*(one(u) for u in usernames)))


async def lost_updates(url: str, saved: dict[str, dict[str, int]], year: int) -> list[str]:
    """Every value a clerk saw saved that the database does not hold."""
    engine = create_engine(url)
    lost = []
    try:
        async with engine.connect() as conn:
            for number in range(1, 9):
                wanted = {
                    (code, key.split(".", 1)[1]): value
                    for code, values in saved.items()
                    for key, value in values.items()
                    if key.startswith(f"{number}.")
                }
                if not wanted:
                    continue
                table = SECTION_TABLES[number]
                names = {name for _, name in wanted}
                columns = [table.c[domain(number).field(name).column] for name in sorted(names)]
                rows = await conn.execute(
                    select(Lao.code, *columns)
                    .join(LaoYear, LaoYear.lao_id == Lao.id)
                    .join(table, table.c.lao_year_id == LaoYear.id)
                    .where(LaoYear.fiscal_year == year, Lao.code.in_({c for c, _ in wanted}))
                )
                stored = {
                    (row[0], name): row[1 + i]
                    for row in rows
                    for i, name in enumerate(sorted(names))
                }
                for key, value in wanted.items():
                    if stored.get(key) != value:
                        lost.append(
                            f"{key[0]} {number}.{key[1]}: saved {value}, stored {stored.get(key)}"
                        )
    finally:
        await engine.dispose()
    return lost


def run_write_load(
    url: str,
    base: str,
    clerks: list[tuple[str, str, int]],
    tokens: list[str],
    seconds: float,
    think_seconds: float,
    workers: int,
    hub_command: Callable[..., subprocess.CompletedProcess[str]],
) -> WriteResult:
    spec = {
        "url": base + "/graphql",
        "clerks": [
            {"token": t, "lao_code": code, "fiscal_year": year}
            for (_, code, year), t in zip(clerks, tokens, strict=True)
        ],
        "seconds": seconds,
        "think_seconds": think_seconds,
        "seed": 2570,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.writeload"], input=orjson.dumps(spec), capture_output=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.writeload failed:\n{done.stderr.decode()[-3000:]}")
    result: dict[str, Any] = orjson.loads(done.stdout)
    lost = asyncio.run(lost_updates(url, result["saved"], clerks[0][2]))
    verified = hub_command(url, "audit", "verify")
    lines = (verified.stdout + verified.stderr).strip().splitlines()
    return WriteResult(
        clerks=len(clerks),
        think_seconds=think_seconds,
        seconds=seconds,
        workers=workers,
        latencies=result["latencies"],
        errors=result["errors"],
        lost=lost,
        audit=lines[-1] if lines else "",
        audit_ok=verified.returncode == 0,
        wall=result["wall"],
    )
