"""Signing in to the console, the session that follows, and CSRF protection.

The console is a first-party OAuth client of the hub's own authorization server
(`CLIENT_ID`, a public client: authorization code + PKCE S256). Sign-in:

1. `GET /console/login` makes a PKCE verifier and a `state`, keeps them in a short-lived
   HttpOnly cookie scoped to `/console`, and sends the browser to `/oauth/authorize`.
2. The hub's sign-in page redirects back to `GET /console/callback` with a code, which is
   exchanged at `/oauth/token` (a real token request, made in-process over ASGI) for an
   access token and a refresh token.
3. A session row (hub/db/models/console.py) keeps both tokens sealed with AES-GCM under a key
   derived from a random secret that only the browser holds, in the HttpOnly `hub_console`
   cookie (`Secure` in production, `SameSite=Lax`).

Every console request opens the session, refreshes the access token shortly before it
expires (one request claims the refresh by bumping the row's version; concurrent requests
wait for it, so a refresh token is never presented twice) and verifies it exactly as
`/graphql` verifies a bearer token: a disabled person, a revoked sign-in or a retired key
ends the console session at once.

Every state-changing request (POST) must carry the session's CSRF token, as the form field
`csrf_token` or the `X-CSRF-Token` header (htmx sends the header). Sign-out revokes the
refresh token's whole sign-in at `/oauth/logout` and deletes the row.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, insert, select, update
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.db.models import ConsoleSession, User
from hub.oauth.tokens import TokenRejected
from hub.rules.identity import Identity
from hub.services import accounts
from hub.settings import Settings

log = logging.getLogger("hub.console")

CLIENT_ID = "hub-console"
CLIENT_NAME = "INFO Hub console / คอนโซล INFO Hub"
COOKIE = "hub_console"
FLOW_COOKIE = "hub_console_flow"
COOKIE_PATH = "/console"
FLOW_TTL = 600  # seconds to finish signing in
REFRESH_MARGIN = dt.timedelta(seconds=60)  # refresh this long before the access token expires
REFRESH_WAIT = 5.0  # seconds a request waits for another's refresh of the same session
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def redirect_uri(settings: Settings) -> str:
    """The console's registered redirect URI: under the hub's public address."""
    return settings.issuer + "/console/callback"


@dataclass(frozen=True)
class SignedIn:
    """The person behind a console request."""

    session_id: str
    username: str
    display_name: str
    identity: Identity
    csrf_token: str


class CsrfRefused(Exception):
    """A state-changing request without the session's CSRF token."""


# --- sealing the tokens ------------------------------------------------------------------------


def _key(secret: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"info-hub console session"
    ).derive(secret)
    return AESGCM(derived)


def seal(secret: bytes, tokens: dict[str, str]) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + _key(secret).encrypt(nonce, json.dumps(tokens).encode(), b"hub-console")


def unseal(secret: bytes, sealed: bytes) -> dict[str, str]:
    data = _key(secret).decrypt(sealed[:12], sealed[12:], b"hub-console")
    tokens: dict[str, str] = json.loads(data)
    return tokens


def _digest(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- talking to the authorization server -------------------------------------------------------


async def _oauth_post(request: Request, path: str, data: dict[str, str]) -> httpx.Response:
    """A real OAuth request to this hub's own endpoint, made in-process over ASGI.

    It carries the browser's address, so the token endpoint's per-address limits for public
    clients count each person's requests, not the console's."""
    settings: Settings = request.app.state.settings
    host = request.client.host if request.client else "127.0.0.1"
    transport = httpx.ASGITransport(app=request.app, client=(host, 0))
    async with httpx.AsyncClient(transport=transport, base_url=settings.issuer) as client:
        return await client.post(path, data=data)


def _safe_next(value: str | None) -> str:
    """Only a path inside the console: never an open redirect."""
    if not value or not value.startswith(COOKIE_PATH) or value.startswith("//"):
        return COOKIE_PATH + "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return COOKIE_PATH + "/"
    return value


def _cookie_options(settings: Settings, max_age: int) -> dict[str, Any]:
    return {
        "max_age": max_age,
        "path": COOKIE_PATH,
        "httponly": True,
        "secure": settings.production,
        "samesite": "lax",
    }


async def login(request: Request) -> Response:
    """Start signing in: PKCE verifier and state into a cookie, then the hub's sign-in page."""
    settings: Settings = request.app.state.settings
    home = urlsplit(settings.issuer)
    if (request.url.scheme, request.url.netloc) != (home.scheme, home.netloc):
        # The callback comes back to the issuer's host, where the flow cookie must be.
        return RedirectResponse(settings.issuer + request.url.path + "?" + request.url.query, 303)
    await accounts.ensure_first_party_client(
        request.app.state.writer, CLIENT_ID, CLIENT_NAME, redirect_uri(settings)
    )
    verifier = secrets.token_urlsafe(48)
    state = secrets.token_urlsafe(24)
    challenge = _b64(hashlib.sha256(verifier.encode()).digest())
    lang = request.cookies.get("hub_lang", "th")
    query = urlencode(
        {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": redirect_uri(settings),
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "ui_locales": "en" if lang == "en" else "th",
        }
    )
    response = RedirectResponse("/oauth/authorize?" + query, status_code=303)
    flow = {
        "state": state,
        "verifier": verifier,
        "next": _safe_next(request.query_params.get("next")),
    }
    response.set_cookie(
        FLOW_COOKIE, _b64(json.dumps(flow).encode()), **_cookie_options(settings, FLOW_TTL)
    )
    return response


class SignInFailed(Exception):
    """The sign-in could not be finished; `reason` is shown to the person (Thai, English)."""

    def __init__(self, th: str, en: str) -> None:
        super().__init__(en)
        self.th, self.en = th, en


async def callback(request: Request) -> Response:
    """Finish signing in: exchange the code, open a session, go where the person was going."""
    settings: Settings = request.app.state.settings
    try:
        flow = json.loads(_unb64(request.cookies.get(FLOW_COOKIE, "")))
        assert isinstance(flow, dict)
    except Exception:
        raise SignInFailed(
            "การเข้าสู่ระบบหมดเวลาหรือไม่สมบูรณ์ กรุณาเข้าสู่ระบบอีกครั้ง",
            "The sign-in expired or was incomplete. Please sign in again.",
        ) from None
    if not hmac.compare_digest(str(flow.get("state", "")), request.query_params.get("state", "")):
        raise SignInFailed(
            "การเข้าสู่ระบบไม่ตรงกับคำขอ กรุณาเข้าสู่ระบบอีกครั้ง",
            "The sign-in did not match this browser's request. Please sign in again.",
        )
    code = request.query_params.get("code")
    if not code:
        raise SignInFailed("ยกเลิกการเข้าสู่ระบบแล้ว", "Signing in was cancelled.")
    answer = await _oauth_post(
        request,
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri(settings),
            "client_id": CLIENT_ID,
            "code_verifier": str(flow.get("verifier", "")),
        },
    )
    if answer.status_code != 200:
        log.info("console sign-in refused by the token endpoint: %s", answer.text[:200])
        raise SignInFailed(
            "รหัสเข้าสู่ระบบใช้ไม่ได้แล้ว กรุณาเข้าสู่ระบบอีกครั้ง",
            "The sign-in code could not be used. Please sign in again.",
        )
    tokens = answer.json()
    identity = await _verify(request, tokens["access_token"])
    if identity is None or identity.kind != "user":
        raise SignInFailed("บัญชีนี้ใช้คอนโซลไม่ได้", "This account cannot use the console.")
    writer = request.app.state.writer
    secret = secrets.token_bytes(32)
    now = _now()
    async with writer.begin() as conn:
        person = None
        if identity.user_id is not None:
            person = (
                await conn.execute(
                    select(User.username, User.display_name).where(User.id == identity.user_id)
                )
            ).one_or_none()
        await conn.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
        await conn.execute(
            insert(ConsoleSession).values(
                id=_digest(secret),
                user_id=identity.user_id,
                username=person.username if person else identity.subject or "",
                display_name=person.display_name if person else identity.subject or "",
                sealed_tokens=seal(
                    secret,
                    {"access": tokens["access_token"], "refresh": tokens.get("refresh_token", "")},
                ),
                access_expires_at=now + dt.timedelta(seconds=int(tokens.get("expires_in", 900))),
                csrf_token=secrets.token_urlsafe(32),
                version=1,
                created_at=now,
                expires_at=now + dt.timedelta(seconds=settings.console_session_ttl),
            )
        )
    response = RedirectResponse(_safe_next(flow.get("next")), status_code=303)
    response.set_cookie(
        COOKIE, _b64(secret), **_cookie_options(settings, settings.console_session_ttl)
    )
    response.delete_cookie(FLOW_COOKIE, path=COOKIE_PATH)
    return response


async def _verify(request: Request, access_token: str) -> Identity | None:
    """The token checked exactly as `/graphql` checks a bearer token."""
    try:
        identity: Identity = await request.app.state.oauth.resource.identity(
            request.app.state.engine, access_token
        )
    except TokenRejected:
        return None
    return identity


def _secret(request: Request) -> bytes | None:
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 100:
        return None
    try:
        secret = _unb64(raw)
    except ValueError:
        return None
    return secret if len(secret) == 32 else None


async def signed_in(request: Request) -> SignedIn | None:
    """The request's session, its access token fresh and verified; None to sign in again."""
    secret = _secret(request)
    if secret is None:
        return None
    session_id = _digest(secret)
    engine = request.app.state.engine
    async with engine.connect() as conn:
        row = (
            await conn.execute(select(ConsoleSession).where(ConsoleSession.id == session_id))
        ).one_or_none()
    if row is None:
        return None
    session = row  # the row's columns, by name
    now = _now()
    if session.expires_at <= now:
        await _forget(request, session_id)
        return None
    try:
        tokens = unseal(secret, session.sealed_tokens)
    except Exception:  # a cookie that does not open its row: not this browser's session
        return None
    if session.access_expires_at - REFRESH_MARGIN <= now:
        refreshed = await _refresh(request, secret, session)
        if refreshed is None:
            await _forget(request, session_id)
            return None
        tokens = refreshed
    identity = await _verify(request, tokens["access"])
    if identity is None:
        await _forget(request, session_id)
        return None
    return SignedIn(
        session_id=session_id,
        username=session.username,
        display_name=session.display_name,
        identity=identity,
        csrf_token=session.csrf_token,
    )


async def _refresh(request: Request, secret: bytes, session: Any) -> dict[str, str] | None:
    """New tokens for the session; exactly one concurrent request presents the refresh token."""
    if session.version % 2 == 0:  # read while another request was refreshing
        return await _await_refresh(request, secret, session.id)
    writer = request.app.state.writer
    async with writer.begin() as conn:
        claimed = await conn.execute(
            update(ConsoleSession)
            .where(ConsoleSession.id == session.id, ConsoleSession.version == session.version)
            .values(version=session.version + 1)
        )
    if claimed.rowcount != 1:
        return await _await_refresh(request, secret, session.id)
    tokens = unseal(secret, session.sealed_tokens)
    answer = await _oauth_post(
        request,
        "/oauth/token",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh"], "client_id": CLIENT_ID},
    )
    if answer.status_code != 200:
        return None
    fresh = answer.json()
    tokens = {
        "access": fresh["access_token"],
        "refresh": fresh.get("refresh_token", tokens["refresh"]),
    }
    async with writer.begin() as conn:
        await conn.execute(
            update(ConsoleSession)
            .where(ConsoleSession.id == session.id)
            .values(
                sealed_tokens=seal(secret, tokens),
                access_expires_at=_now() + dt.timedelta(seconds=int(fresh.get("expires_in", 900))),
                version=session.version + 2,
            )
        )
    return tokens


async def _await_refresh(request: Request, secret: bytes, session_id: str) -> dict[str, str] | None:
    """Another request of the same session is refreshing: use its tokens when they land."""
    engine = request.app.state.engine
    deadline = asyncio.get_running_loop().time() + REFRESH_WAIT
    while asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
        async with engine.connect() as conn:
            row = (
                await conn.execute(select(ConsoleSession).where(ConsoleSession.id == session_id))
            ).one_or_none()
        if row is None:
            return None
        if row.version % 2 == 1 and row.access_expires_at - REFRESH_MARGIN > _now():
            return unseal(secret, row.sealed_tokens)
    return None


async def _forget(request: Request, session_id: str) -> None:
    async with request.app.state.writer.begin() as conn:
        await conn.execute(delete(ConsoleSession).where(ConsoleSession.id == session_id))


async def check_csrf(request: Request, signed: SignedIn) -> None:
    """Raise CsrfRefused unless the request carries the session's CSRF token."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, signed.csrf_token):
        raise CsrfRefused()


async def logout(request: Request, signed: SignedIn) -> Response:
    """Revoke the sign-in at the authorization server, delete the session, clear the cookie."""
    secret = _secret(request)
    if secret is not None:
        engine = request.app.state.engine
        async with engine.connect() as conn:
            sealed = (
                await conn.execute(
                    select(ConsoleSession.sealed_tokens).where(
                        ConsoleSession.id == signed.session_id
                    )
                )
            ).scalar_one_or_none()
        if sealed is not None:
            refresh = unseal(secret, sealed).get("refresh")
            if refresh:
                answer = await _oauth_post(
                    request, "/oauth/logout", {"client_id": CLIENT_ID, "token": refresh}
                )
                if answer.status_code >= 400:
                    log.warning("console sign-out: the sign-in was not revoked: %s", answer.text)
    await _forget(request, signed.session_id)
    response = RedirectResponse(COOKIE_PATH + "/signed-out", status_code=303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response
