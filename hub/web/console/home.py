"""Signing in and out, the language and text-size preferences, and the home page (per role:
`hub.web.console.role_home`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from hub.web.console import role_home, session
from hub.web.console.page import (
    ENVIRONMENT,
    LANGUAGES,
    PAGE_HEADERS,
    TEXT_SIZES,
    Console,
    language,
    text_size,
    view,
)

PREF_MAX_AGE = 365 * 24 * 3600


def _plain(
    request: Request,
    title: tuple[str, str],
    message: tuple[str, str],
    *,
    status: int = 200,
    alert: bool = False,
) -> HTMLResponse:
    """A page for someone not signed in: the sign-in failure, signed out."""
    lang = language(request)
    pick = 1 if lang == "en" else 0
    body = ENVIRONMENT.get_template("plain.html").render(
        lang=lang,
        text_size=text_size(request),
        title=title[pick],
        message=message[pick],
        alert=alert,
        sign_in=("เข้าสู่ระบบ", "Sign in")[pick],
    )
    return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)


async def login(request: Request) -> Response:
    return await session.login(request)


async def callback(request: Request) -> Response:
    try:
        return await session.callback(request)
    except session.SignInFailed as failed:
        return _plain(
            request,
            ("เข้าสู่ระบบไม่สำเร็จ", "Signing in did not work"),
            (failed.th, failed.en),
            status=400,
            alert=True,
        )


@view
async def logout(request: Request, console: Console) -> Response:
    return await session.logout(request, console.signed)


async def signed_out(request: Request) -> Response:
    return _plain(
        request,
        ("ออกจากระบบแล้ว", "Signed out"),
        ("คุณได้ออกจากระบบ INFO Hub แล้ว", "You have signed out of INFO Hub."),
    )


async def prefs(request: Request) -> Response:
    """Set the language and/or text size, then go back: works as a plain link or form."""
    target = request.query_params.get("next") or "/console/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/console"):
        target = "/console/"
    response = RedirectResponse(target, status_code=303)
    lang = request.query_params.get("lang")
    if lang in LANGUAGES:
        response.set_cookie("hub_lang", lang, max_age=PREF_MAX_AGE, samesite="lax", path="/")
    size = request.query_params.get("text")
    if size in TEXT_SIZES:
        response.set_cookie("hub_text", size, max_age=PREF_MAX_AGE, samesite="lax", path="/")
    return response


@view
async def home(request: Request, console: Console) -> Response:
    return await role_home.home(request, console)


routes = [
    Route("/console", lambda request: RedirectResponse("/console/", 308)),
    Route("/console/", home),
    Route("/console/login", login),
    Route("/console/callback", callback),
    Route("/console/logout", logout, methods=["POST"]),
    Route("/console/signed-out", signed_out),
    Route("/console/prefs", prefs),
]
