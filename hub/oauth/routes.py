"""HTTP routes of the authorization server.

GET  /.well-known/openid-configuration      discovery (OpenID Connect)
GET  /.well-known/oauth-authorization-server discovery (RFC 8414)
GET  /.well-known/jwks.json                 the public signing keys
GET  /oauth/authorize                       the sign-in page (Thai and English)
POST /oauth/authorize                       sign in: redirects back with a code
POST /oauth/token                           client credentials, code + PKCE, refresh
POST /oauth/revoke                          RFC 7009
POST /oauth/introspect                      RFC 7662
POST /oauth/logout                          ends a person's sign-in (revokes its refresh tokens)
GET  /oauth/activate                        set a password with a one-time code (Thai and English)
POST /oauth/activate                        ... the form: the code is used up, the password set
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import OAuth2Error
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from hub.oauth import ratelimit, server
from hub.oauth.keys import KeyStore
from hub.oauth.resource import ResourceServer
from hub.rules.passwords import PASSWORD_MIN_LENGTH
from hub.rules.problems import InvalidInput
from hub.services import accounts
from hub.settings import Settings

CSRF_COOKIE = "hub_login_csrf"
ACTIVATE_CSRF_COOKIE = "hub_activate_csrf"
AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "ui_locales",
)
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


@dataclass
class OAuthState:
    """Per-process helpers (caches only; all shared state is in the database, and the rate
    limits' counters in Redis when HUB_REDIS_URL is set)."""

    settings: Settings
    keystore: KeyStore
    resource: ResourceServer
    redis_counters: ratelimit.RedisCounters | None = None

    def counters(self, engine: Any) -> ratelimit.Counters:
        return self.redis_counters or ratelimit.DatabaseCounters(engine)

    async def close(self) -> None:
        """At the app's shutdown: close the connections to Redis."""
        if self.redis_counters is not None:
            await self.redis_counters.close()


def oauth_state(settings: Settings) -> OAuthState:
    keystore = KeyStore(settings)
    return OAuthState(
        settings,
        keystore,
        ResourceServer(settings, keystore),
        ratelimit.redis_counters(settings),
    )


def _state(request: Request) -> OAuthState:
    state: OAuthState = request.app.state.oauth
    return state


# --- discovery and keys --------------------------------------------------------------------


def metadata(settings: Settings) -> dict[str, Any]:
    base = settings.issuer
    client_auth = ["client_secret_basic", "client_secret_post", "none"]
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "introspection_endpoint": f"{base}/oauth/introspect",
        "end_session_endpoint": f"{base}/oauth/logout",
        "scopes_supported": list(server.SCOPES_SUPPORTED),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": client_auth,
        "revocation_endpoint_auth_methods_supported": client_auth,
        "introspection_endpoint_auth_methods_supported": client_auth[:2],
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [settings.signing_alg],
        "ui_locales_supported": ["th", "en"],
        "claims_supported": [
            *("sub", "iss", "aud", "exp", "iat", "auth_time", "nonce"),
            *("name", "preferred_username"),
        ],
    }


async def discovery(request: Request) -> Response:
    return JSONResponse(
        metadata(_state(request).settings), headers={"Cache-Control": "max-age=300"}
    )


async def jwks(request: Request) -> Response:
    keys = await _state(request).keystore.jwks(request.app.state.engine)
    return JSONResponse(keys, headers={"Cache-Control": "max-age=60"})


# --- token, revocation, introspection ------------------------------------------------------


def _slow_down(retry_after: int) -> Response:
    return JSONResponse(
        {"error": "slow_down", "error_description": "too many token requests; retry later"},
        status_code=429,
        headers={"Retry-After": str(retry_after), "Cache-Control": "no-store"},
    )


async def authenticate_client(
    request: Request, oauth_request: server.StarletteOAuth2Request, *, token_endpoint: bool
) -> tuple[Response | None, server.SecretChecks]:
    """Check the client's credentials before authlib runs, and apply the rate limits
    (hub/oauth/ratelimit.py): a refusal, or None and the checked secrets for authlib.

    Failures count per source address and claimed client, and past the limit are refused
    before their secret is hashed; at the token endpoint, requests that prove who they are
    count against the client's own budget. A failure never touches that budget.
    """
    s = _state(request).settings
    engine = request.app.state.engine
    counters = _state(request).counters(engine)
    claimed = server.claimed_client(request.headers, oauth_request.form)
    if claimed.malformed:
        return JSONResponse(
            {"error": "invalid_client", "error_description": "malformed Basic credentials"},
            status_code=401,
            headers={"WWW-Authenticate": 'Basic realm="info-hub"', "Cache-Control": "no-store"},
        ), {}
    address = request.client.host if request.client else "unknown"
    failures = f"token-failures:{address}:{claimed.client_id or ''}"[:200]
    if claimed.secrets:
        blocked = await counters.exceeded(failures, s.token_rate_limit, s.token_rate_window)
        if not blocked.allowed:
            return _slow_down(blocked.retry_after), {}
    check = await server.check_client(engine, claimed)
    if check.authenticated:
        key: str | None = f"token:{claimed.client_id}" if token_endpoint else None
    elif check.public and not claimed.secrets:
        # Whoever sends a public client's id speaks for it: its budget is per address.
        key = f"token:{claimed.client_id}@{address}" if token_endpoint else None
    elif claimed.client_id is None and not token_endpoint:
        key = None  # e.g. a logout naming no client: authlib refuses it, nothing to hash
    else:
        key = failures if check.known else f"token-failures:{address}:?"
    if key is not None:
        limited = await counters.hit(key[:200], s.token_rate_limit, s.token_rate_window)
        if not limited.allowed:
            return _slow_down(limited.retry_after), {}
    return None, check.secret_checks


async def token(request: Request) -> Response:
    state = _state(request)
    oauth_request = await server.read_request(request, state.settings)
    refused, checks = await authenticate_client(request, oauth_request, token_endpoint=True)
    if refused is not None:
        return refused
    return await server.run(
        request.app.state.engine,
        state.keystore,
        state.settings,
        lambda srv: srv.create_token_response(oauth_request),
        checks,
    )


async def revoke(request: Request) -> Response:
    return await _endpoint(request, "revocation")


async def introspect(request: Request) -> Response:
    return await _endpoint(request, "introspection")


async def _endpoint(request: Request, name: str) -> Response:
    state = _state(request)
    oauth_request = await server.read_request(request, state.settings)
    refused, checks = await authenticate_client(request, oauth_request, token_endpoint=False)
    if refused is not None:
        return refused
    return await server.run(
        request.app.state.engine,
        state.keystore,
        state.settings,
        lambda srv: srv.create_endpoint_response(name, oauth_request),
        checks,
    )


async def logout(request: Request) -> Response:
    """Revoke the refresh token's whole sign-in, then go back to the client or say goodbye."""
    state = _state(request)
    oauth_request = await server.read_request(request, state.settings)
    refused, checks = await authenticate_client(request, oauth_request, token_endpoint=False)
    if refused is not None:
        return refused
    back = oauth_request.form.get("post_logout_redirect_uri")

    def work(srv: server.HubAuthorizationServer) -> Response:
        response = srv.create_endpoint_response("revocation", oauth_request)
        if response.status_code != 200:
            return response
        client = srv.query_client(oauth_request.payload.client_id or "")
        if back and client is not None and client.check_redirect_uri(back):
            return RedirectResponse(back, status_code=303)
        return _page(
            "ออกจากระบบแล้ว — Signed out",
            "<p>คุณได้ออกจากระบบ INFO Hub แล้ว<br>You have signed out of INFO Hub.</p>",
        )

    response = await server.run(
        request.app.state.engine, state.keystore, state.settings, work, checks
    )
    response.delete_cookie(CSRF_COOKIE, path="/oauth/authorize")
    return response


# --- the sign-in page ------------------------------------------------------------------------

STYLE = """body{font-family:system-ui,'Noto Sans Thai',sans-serif;max-width:28rem;margin:3rem auto;
padding:0 1rem;color:#222}h1{font-size:1.3rem}label{display:block;margin-top:1rem}
input[type=text],input[type=password]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1.2rem;padding:.5rem 1.2rem;font-size:1rem}.error{color:#a00;
border:1px solid #a00;padding:.6rem;margin-top:1rem}.muted{color:#666;font-size:.9rem}"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        '<!doctype html><html lang="th"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=PAGE_HEADERS)


def _login_form(
    params: dict[str, str], csrf: str, client_name: str, error: str | None, username: str = ""
) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
        for k, v in params.items()
        if k in AUTHORIZE_PARAMS and v
    )
    problem = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return (
        f'<p class="muted">{html.escape(client_name)} ขอเข้าใช้ INFO Hub ในนามของคุณ<br>'
        f"{html.escape(client_name)} asks to use INFO Hub on your behalf.</p>{problem}"
        '<form method="post" action="/oauth/authorize">'
        f'{hidden}<input type="hidden" name="csrf_token" value="{html.escape(csrf)}">'
        '<label for="username">ชื่อผู้ใช้ / Username</label>'
        f'<input type="text" id="username" name="username" value="{html.escape(username)}" '
        'autocomplete="username" required autofocus>'
        '<label for="password">รหัสผ่าน / Password</label>'
        '<input type="password" id="password" name="password" autocomplete="current-password" required>'
        '<button type="submit" name="action" value="login">เข้าสู่ระบบ / Sign in</button> '
        '<button type="submit" name="action" value="cancel" formnovalidate>ยกเลิก / Cancel</button>'
        "</form>"
    )


def _error_page(error: OAuth2Error) -> HTMLResponse:
    detail = html.escape(error.description or error.error)
    return _page(
        "คำขอเข้าสู่ระบบไม่ถูกต้อง — Invalid sign-in request",
        f"<p>{html.escape(error.error)}: {detail}</p>",
        status=400,
    )


def _oauth_error_response(
    srv: server.HubAuthorizationServer, req: Any, error: OAuth2Error
) -> Response:
    if error.redirect_uri:  # the client and its redirect URI are known: tell the client
        return srv.handle_error_response(req, error)  # type: ignore[no-any-return]
    return _error_page(error)


MESSAGES = {
    "wrong": "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง — wrong username or password",
    "disabled": "บัญชีนี้ถูกระงับการใช้งาน — this account is disabled",
    "locked": "บัญชีถูกล็อกชั่วคราวเพราะใส่รหัสผ่านผิดหลายครั้ง กรุณาลองใหม่ในอีก {m} นาที — "
    "account locked after repeated failed sign-ins; try again in {m} minutes",
    "csrf": "แบบฟอร์มหมดอายุ กรุณาลองใหม่ — the form expired; please try again",
}


async def authorize(request: Request) -> Response:
    state = _state(request)
    s = state.settings
    engine = request.app.state.engine
    oauth_request = await server.read_request(request, s)
    data = oauth_request.payload.data
    params = {k: data[k] for k in AUTHORIZE_PARAMS if k in data}
    if len(params.get("nonce", "")) > 255:
        return _page("คำขอเข้าสู่ระบบไม่ถูกต้อง — Invalid sign-in request", "<p>nonce too long</p>", 400)

    def validate(srv: server.HubAuthorizationServer) -> tuple[Response | None, str]:
        try:
            grant = srv.get_consent_grant(oauth_request)
        except OAuth2Error as error:
            return _oauth_error_response(srv, oauth_request, error), ""
        client_row = srv.ctx.session.get(server.ApiClient, grant.client.id)
        return None, client_row.name if client_row else grant.client.client_id

    failure, client_name = await server.run(engine, state.keystore, s, validate)
    if failure is not None:
        return failure

    if request.method == "GET":
        csrf = secrets.token_urlsafe(32)
        response = _page(
            "เข้าสู่ระบบ INFO Hub — Sign in to INFO Hub", _login_form(params, csrf, client_name, None)
        )
        response.set_cookie(
            CSRF_COOKIE,
            csrf,
            path="/oauth/authorize",
            httponly=True,
            samesite="strict",
            secure=s.issuer.startswith("https://"),
            max_age=1800,
        )
        return response

    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = data.get("csrf_token", "")
    if not cookie or not secrets.compare_digest(cookie.encode(), sent.encode()):
        return _page(
            "เข้าสู่ระบบ INFO Hub — Sign in to INFO Hub",
            f'<p class="error">{MESSAGES["csrf"]}</p>',
            403,
        )

    if data.get("action") == "cancel":

        def deny(srv: server.HubAuthorizationServer) -> Response:
            grant = srv.get_consent_grant(oauth_request)
            return srv.create_authorization_response(oauth_request, grant_user=None, grant=grant)  # type: ignore[no-any-return]

        return await server.run(engine, state.keystore, s, deny)

    username = data.get("username", "").strip()
    result = await ratelimit.attempt_login(engine, s, username, data.get("password", ""))
    if result.status != "ok":
        message = MESSAGES[result.status].format(m=result.locked_minutes)
        return _page(
            "เข้าสู่ระบบ INFO Hub — Sign in to INFO Hub",
            _login_form(params, cookie, client_name, message, username),
            status=403 if result.status in {"locked", "disabled"} else 400,
        )
    user_id = result.user_id
    assert user_id is not None

    def grant_code(srv: server.HubAuthorizationServer) -> Response:
        user = srv.load_user(user_id)
        grant = srv.get_consent_grant(oauth_request, end_user=user)
        return srv.create_authorization_response(oauth_request, grant_user=user, grant=grant)  # type: ignore[no-any-return]

    response = await server.run(engine, state.keystore, s, grant_code)
    response.delete_cookie(CSRF_COOKIE, path="/oauth/authorize")
    return response


# --- the activation page ---------------------------------------------------------------------
#
# A person given a one-time code (a new account, or a reset of a forgotten password) sets
# their own password here; the code travels in the link's query (never logged: the access
# log writes paths only, and the page sends no referrer). The form is protected like the
# sign-in page: a CSRF token in a SameSite=Strict cookie that the form must repeat.

ACTIVATE_TITLE = "ตั้งรหัสผ่าน INFO Hub — Set your INFO Hub password"
ACTIVATE_MESSAGES = {
    "mismatch": "รหัสผ่านทั้งสองช่องไม่ตรงกัน — the two passwords differ",
}


def _activate_form(csrf: str, code: str, problems: list[str]) -> str:
    shown = "".join(f'<p class="error" role="alert">{html.escape(p)}</p>' for p in problems)
    return (
        "<p>กรอกรหัสที่ได้รับจากผู้ออกบัญชี แล้วตั้งรหัสผ่านของคุณเอง "
        f"(อย่างน้อย {PASSWORD_MIN_LENGTH} ตัวอักษร)<br>Enter the code you were given and choose "
        f"your own password (at least {PASSWORD_MIN_LENGTH} characters).</p>{shown}"
        '<form method="post" action="/oauth/activate">'
        f'<input type="hidden" name="csrf_token" value="{html.escape(csrf)}">'
        '<label for="code">รหัสใช้ครั้งเดียว / One-time code</label>'
        f'<input type="text" id="code" name="code" value="{html.escape(code)}" '
        'autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required>'
        '<label for="password">รหัสผ่านใหม่ / New password</label>'
        '<input type="password" id="password" name="password" autocomplete="new-password" '
        f'minlength="{PASSWORD_MIN_LENGTH}" required>'
        '<label for="confirm">ยืนยันรหัสผ่านใหม่ / Repeat the new password</label>'
        '<input type="password" id="confirm" name="confirm" autocomplete="new-password" '
        f'minlength="{PASSWORD_MIN_LENGTH}" required>'
        '<button type="submit">ตั้งรหัสผ่าน / Set password</button>'
        "</form>"
    )


async def activate(request: Request) -> Response:
    """The activation page: a code and a new password (twice); see above."""
    s = _state(request).settings
    secure = s.issuer.startswith("https://")

    def page(csrf: str, code: str, problems: list[str], status: int = 200) -> HTMLResponse:
        response = _page(ACTIVATE_TITLE, _activate_form(csrf, code, problems), status)
        response.set_cookie(
            ACTIVATE_CSRF_COOKIE,
            csrf,
            path="/oauth/activate",
            httponly=True,
            samesite="strict",
            secure=secure,
            max_age=1800,
        )
        return response

    if request.method == "GET":
        code = request.query_params.get("code", "")[:100]
        return page(secrets.token_urlsafe(32), code, [])

    form = await server.read_form(request)
    cookie = request.cookies.get(ACTIVATE_CSRF_COOKIE, "")
    sent = str(form.get("csrf_token", ""))
    code = str(form.get("code", ""))[:100]
    if not cookie or not secrets.compare_digest(cookie.encode(), sent.encode()):
        return page(secrets.token_urlsafe(32), code, [MESSAGES["csrf"]], 403)
    password = str(form.get("password", ""))
    if password != str(form.get("confirm", "")):
        return page(cookie, code, [ACTIVATE_MESSAGES["mismatch"]], 400)
    writer = request.app.state.writer or request.app.state.engine
    try:
        username = await accounts.redeem_code(writer, code, password)
    except InvalidInput as problem:
        problems = [f"{e.message_th} — {e.message_en}" for e in problem.errors]
        bad_code = any(e.path == "code" for e in problem.errors)
        return page(cookie, "" if bad_code else code, problems, 400)
    response = _page(
        "ตั้งรหัสผ่านแล้ว — Your password is set",
        "<p>บัญชีของคุณพร้อมใช้งานแล้ว ชื่อผู้ใช้ของคุณคือ "
        f"<strong>{html.escape(username)}</strong> "
        "เข้าสู่ระบบได้จากแอปพลิเคชันที่คุณใช้งาน<br>"
        f"Your account is ready. Your username is <strong>{html.escape(username)}</strong>: "
        "sign in from the application you use.</p>",
    )
    response.delete_cookie(ACTIVATE_CSRF_COOKIE, path="/oauth/activate")
    return response


def routes() -> list[Route]:
    return [
        Route("/.well-known/openid-configuration", discovery),
        Route("/.well-known/oauth-authorization-server", discovery),
        Route("/.well-known/jwks.json", jwks),
        Route("/oauth/authorize", authorize, methods=["GET", "POST"]),
        Route("/oauth/token", token, methods=["POST"]),
        Route("/oauth/revoke", revoke, methods=["POST"]),
        Route("/oauth/introspect", introspect, methods=["POST"]),
        Route("/oauth/logout", logout, methods=["POST"]),
        Route("/oauth/activate", activate, methods=["GET", "POST"]),
    ]
