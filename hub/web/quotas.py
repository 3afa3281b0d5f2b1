"""Quotas on the API: a rate limit per minute and a quota per day for every caller, shared by
every worker and replica.

Who counts: a machine client by its client id, a person by their username (or an external
provider's subject), the public by source address. The limits are the settings'
(`HUB_RATE_LIMIT_PER_MINUTE`, `HUB_QUOTA_PER_DAY`) unless the client's registration has its
own (`hub clients set ID --rate-limit N --daily-quota N`); 0 is no limit. The counters are the
OAuth rate limits' (`hub.oauth.ratelimit.Counters`): fixed windows in Redis when
`HUB_REDIS_URL` is set (INCR with an expiry), otherwise rows of `rate_limit_counters`
written with one atomic upsert each; a day is a UTC day.

Every answer carries the IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers):
`RateLimit-Policy: "minute";q=600;w=60, "day";q=100000;w=86400` and
`RateLimit: "minute";r=599;t=42, "day";r=99999;t=3600` (remaining requests and seconds until
the window resets). A request over either answers `429` with `Retry-After` and a
GraphQL-shaped body whose error has `extensions.code` `RATE_LIMITED`, `retryAfter` and
`policy`.

Use: `admit(request, identity, client)` from an endpoint that knows its caller (the GraphQL
view does), or wrap an ASGI app in `QuotaMiddleware` (REST, exports), which identifies the
caller itself and leaves the identity in `scope["state"]["identity"]`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request

from hub.db import revocation_epoch
from hub.oauth.ratelimit import Counters, Limited
from hub.rules.identity import Identity
from hub.rules.problems import RateLimited
from hub.services.client_policy import ClientPolicy, client_policy
from hub.settings import Settings
from hub.web import problem_json
from schema.errors import error_body

MINUTE, DAY = 60, 86_400


@dataclass(frozen=True)
class QuotaPolicy:
    name: str  # "minute" or "day"
    limit: int
    window: int  # seconds


@dataclass(frozen=True)
class Admission:
    allowed: bool
    headers: list[tuple[str, str]]
    retry_after: int = 0
    exceeded: str | None = None  # the policy refused under


def policies(settings: Settings, client: ClientPolicy | None) -> tuple[QuotaPolicy, ...]:
    """The limits applying to a caller (those at 0, no limit, left out)."""
    per_minute = settings.rate_limit_per_minute
    per_day = settings.quota_per_day
    if client is not None:
        per_minute = per_minute if client.rate_limit is None else client.rate_limit
        per_day = per_day if client.daily_quota is None else client.daily_quota
    chosen = (QuotaPolicy("minute", per_minute, MINUTE), QuotaPolicy("day", per_day, DAY))
    return tuple(p for p in chosen if p.limit > 0)


def caller_key(identity: Identity, request: Request) -> str:
    if identity.kind == "client":
        key = f"client:{identity.subject}"
    elif identity.kind == "user":
        key = f"user:{identity.subject}" + (f"@{identity.issuer}" if identity.issuer else "")
    else:
        key = f"ip:{request.client.host if request.client else 'unknown'}"
    return key[:180]


# Client policies a worker remembers, like verified tokens (hub/oauth/verified_tokens.py): for
# HUB_TOKEN_RECHECK_SECONDS, and not past a policy change or revocation this process wrote.
# A client's every request then costs no extra round trip for its policy.
_POLICY_CACHE_MAX = 10_000


async def policy_of(request: Request, identity: Identity) -> ClientPolicy | None:
    """The hub's own client's policy (None: not a client of this hub, or no such client)."""
    if identity.kind != "client" or identity.issuer is not None or identity.subject is None:
        return None
    state = request.app.state
    seconds = state.settings.token_recheck_seconds
    remembered_policies: dict[str, tuple[ClientPolicy | None, float, int]] = (
        getattr(state, "client_policies", None) or {}
    )
    state.client_policies = remembered_policies
    remembered = remembered_policies.get(identity.subject)
    now = time.monotonic()
    if (
        remembered is not None
        and remembered[1] > now
        and remembered[2] == revocation_epoch.current()
    ):
        return remembered[0]
    epoch = revocation_epoch.current()
    policy = await client_policy(request.app.state.engine, identity.subject)
    if seconds > 0:
        if len(remembered_policies) >= _POLICY_CACHE_MAX:
            remembered_policies.clear()
        remembered_policies[identity.subject] = (policy, now + seconds, epoch)
    return policy


def _counters(request: Request) -> Counters:
    state = request.app.state
    counters: Counters = state.oauth.counters(state.writer)
    return counters


async def admit(request: Request, identity: Identity, client: ClientPolicy | None) -> Admission:
    """Counts this request against each of the caller's limits."""
    chosen = policies(request.app.state.settings, client)
    if not chosen:
        return Admission(True, [])
    counters = _counters(request)
    key = caller_key(identity, request)
    counted: list[tuple[QuotaPolicy, Limited]] = []
    for policy in chosen:
        counted.append(
            (policy, await counters.hit(f"quota:{policy.name}:{key}", policy.limit, policy.window))
        )
    headers = [
        ("RateLimit-Policy", ", ".join(f'"{p.name}";q={p.limit};w={p.window}' for p in chosen)),
        (
            "RateLimit",
            ", ".join(
                f'"{p.name}";r={max(0, p.limit - hit.count)};t={hit.retry_after}'
                for p, hit in counted
            ),
        ),
    ]
    over = [(p, hit) for p, hit in counted if not hit.allowed]
    if not over:
        return Admission(True, headers)
    policy, hit = max(over, key=lambda item: item[1].retry_after)
    return Admission(
        False, [*headers, ("Retry-After", str(hit.retry_after))], hit.retry_after, policy.name
    )


def refusal_body(admission: Admission, request_id: str) -> bytes:
    """The 429 answer's body: a GraphQL-shaped error naming the policy and the wait."""
    per = "minute" if admission.exceeded == "minute" else "day"
    problem = RateLimited(
        f"Too many requests this {per}: retry after {admission.retry_after} s.",
        f"มีคำขอมากเกินโควตาต่อ{'นาที' if per == 'minute' else 'วัน'} "
        f"กรุณาลองใหม่หลัง {admission.retry_after} วินาที",
        retry_after=admission.retry_after,
    )
    body = error_body(problem, request_id=request_id)
    body["errors"][0]["extensions"]["policy"] = admission.exceeded
    return orjson.dumps(body)


def problem_refusal_body(admission: Admission, scope: Any, base: str) -> bytes:
    """The 429 answer of the REST face: an RFC 9457 problem, like its other refusals."""
    per = "minute" if admission.exceeded == "minute" else "day"
    body = problem_json.problem_body(
        base=base,
        code="RATE_LIMITED",
        detail=f"Too many requests this {per}: retry after {admission.retry_after} s.",
        instance=scope.get("path", ""),
        request_id=scope.get("state", {}).get("request_id"),
        status=429,
        messageTh=f"มีคำขอมากเกินโควตาต่อ{'นาที' if per == 'minute' else 'วัน'} "
        f"กรุณาลองใหม่หลัง {admission.retry_after} วินาที",
        retryAfter=admission.retry_after,
        policy=admission.exceeded,
    )
    return orjson.dumps(body)


async def send_refusal(
    admission: Admission,
    scope: Any,
    send: Callable[[Any], Awaitable[None]],
    problem_base: str | None = None,
) -> None:
    """Answer 429; as a problem (`application/problem+json`) when `problem_base` is given."""
    if problem_base is not None:
        body = problem_refusal_body(admission, scope, problem_base)
        media = problem_json.MEDIA_TYPE.encode()
    else:
        body = refusal_body(admission, scope.get("state", {}).get("request_id", ""))
        media = b"application/json"
    headers = [
        (b"content-type", media),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *((k.lower().encode(), v.encode()) for k, v in admission.headers),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def adding_headers(
    send: Callable[[Any], Awaitable[None]], headers: list[tuple[str, str]]
) -> Callable[[Any], Awaitable[None]]:
    """`send` with `headers` added to the response's start."""
    encoded = [(k.lower().encode(), v.encode()) for k, v in headers]

    async def wrapped(message: Any) -> None:
        if message["type"] == "http.response.start" and encoded:
            message.setdefault("headers", []).extend(encoded)
        await send(message)

    return wrapped


Identify = Callable[[Request], Awaitable[Identity]]


class QuotaMiddleware:
    """Quotas in front of any ASGI app (the REST face, exports): identifies the caller (a bad
    token: 401 as everywhere), counts the request, answers 429 past a limit."""

    def __init__(self, app: Any, identify: Identify, problem_base: str | None = None) -> None:
        self.app = app
        self.identify = identify
        self.problem_base = problem_base  # set: refusals are RFC 9457 problems (REST)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            identity = await self.identify(request)
        except HTTPException:
            await self.app(scope, receive, send)  # the app answers its own 401
            return
        scope.setdefault("state", {})["identity"] = identity
        admission = await admit(request, identity, await policy_of(request, identity))
        if not admission.allowed:
            await send_refusal(admission, scope, send, self.problem_base)
            return
        await self.app(scope, receive, adding_headers(send, admission.headers))


class QuotaPaths:
    """Quotas on the hub's other API faces: the REST face (`/api/`, refusals as problems) and
    the exports (`/exports/`); `/graphql` counts its own requests (HubGraphQL), and the
    OpenAPI document, its viewer and the problem pages are not counted."""

    UNCOUNTED = ("/api/v1/openapi.json", "/api/v1/docs", "/api/v1/problems/")

    def __init__(self, app: Any, identify: Identify, issuer: str) -> None:
        self.app = app
        self.rest = QuotaMiddleware(app, identify, problem_base=issuer)
        self.exports = QuotaMiddleware(app, identify)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith("/api/") and not path.startswith(self.UNCOUNTED):
            await self.rest(scope, receive, send)
        elif path.startswith("/exports/"):
            await self.exports(scope, receive, send)
        else:
            await self.app(scope, receive, send)
