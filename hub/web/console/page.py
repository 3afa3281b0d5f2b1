"""What every console page is made of: the signed-in person, the language, the templates, and
the hub's own GraphQL operations executed in-process as that person.

A page is a function `async def page(request, console) -> Response` wrapped by `view`:

- no session: the browser is sent to sign in, and comes back to the same address;
- a POST without the session's CSRF token: 403, nothing done;
- `console.graphql(...)` runs an operation of the hub's schema with the person's identity
  (the planned read path first, the resolvers otherwise), so the console reads and writes
  through exactly the rules, permissions and change log of the API — never a copy of them;
- `console.render(...)` renders a Jinja2 template with the layout's context: `tr(th, en)`
  picks the language's text, `date`/`moment` write dates in Buddhist Era in Thai.

Language (`hub_lang`: `th` by default, or `en`) and text size (`hub_text`: `m`, `l`, `xl`)
are cookies set by `/console/prefs`, which works as a plain link or form without JavaScript.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from hub.rules import thai_dates
from hub.web.console import session
from hub.web.console.menu import menu_for
from schema.context import HubContext
from schema.errors import present_errors

log = logging.getLogger("hub.console")

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("th", "en")
TEXT_SIZES = ("m", "l", "xl")

# Pages are private, never framed, load only what the hub serves (no CDN, no inline script).
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'self'",
}


def language(request: Request) -> str:
    lang = request.cookies.get("hub_lang", "th")
    return lang if lang in LANGUAGES else "th"


def text_size(request: Request) -> str:
    size = request.cookies.get("hub_text", "m")
    return size if size in TEXT_SIZES else "m"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = lambda n, digits=0: (
        "–" if n is None else f"{n:,.{digits}f}" if isinstance(n, float) else f"{n:,}"
    )
    env.filters["urlq"] = lambda s: quote(str(s), safe="")
    return env


ENVIRONMENT = _environment()


class GraphQLFailed(Exception):
    """An operation the console sent answered with errors (a bug or a refusal of the API)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(e.get("message")) for e in errors))
        self.errors = errors


@dataclass
class Console:
    """One console request: who, in which language, and the tools to answer."""

    request: Request
    signed: session.SignedIn
    lang: str
    text_size: str
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def identity(self) -> Any:
        return self.signed.identity

    def tr(self, th: str, en: str) -> str:
        return en if self.lang == "en" else th

    def date(self, value: dt.date | dt.datetime | str | None, long: bool = False) -> str:
        if value is None:
            return "–"
        if isinstance(value, str):
            value = (
                dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
            )
        return thai_dates.format_date(value, self.lang, long=long)

    def moment(self, value: dt.datetime | str | None) -> str:
        if value is None:
            return "–"
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return thai_dates.format_moment(value, self.lang)

    def days_left(self, deadline: dt.date | dt.datetime | str | None) -> int | None:
        if deadline is None:
            return None
        if isinstance(deadline, str):
            deadline = (
                dt.datetime.fromisoformat(deadline)
                if "T" in deadline
                else dt.date.fromisoformat(deadline)
            )
        return thai_dates.days_left(deadline, self.now)

    def context(self) -> HubContext:
        state = self.request.app.state
        return HubContext(
            engine=state.engine,
            writer=state.writer,
            reader=state.reader,
            identity=self.identity,
            request=self.request,
            now=self.now,
            max_import_lines=state.settings.import_max_lines,
        )

    async def execute(
        self, query: str, variables: Mapping[str, Any] | None = None
    ) -> ExecutionResult:
        """Run one of the hub's GraphQL operations as the signed-in person."""
        state = self.request.app.state
        context = self.context()
        # The planner reads the request as strawberry's HTTP view hands it over (attributes,
        # not a dict): given anything else it would answer None and every list would take
        # the slower resolver path.
        request_data = GraphQLRequestData(
            query=query, variables=dict(variables or {}), operation_name=None, extensions=None
        )
        result = None
        if state.planner is not None:
            result = await state.planner.execute(request_data, context)
        if result is None:
            result = await state.schema.execute(
                query, variable_values=dict(variables or {}), context_value=context
            )
        return result

    async def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> Any:
        """The operation's data; its errors raise `GraphQLFailed` with the API's codes."""
        result = await self.execute(query, variables)
        if result.errors:
            mask = self.request.app.state.settings.production
            errors = [
                e.formatted
                for e in present_errors(result.errors, context=self.context(), mask=mask)
            ]
            raise GraphQLFailed(errors)
        return result.data

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        body = ENVIRONMENT.get_template(template).render(layout_values(self), **values)
        return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)


def layout_values(console: Console) -> dict[str, Any]:
    """What the layout template needs on every page."""
    request = console.request
    roles = console.identity.roles()
    return {
        "c": console,
        "tr": console.tr,
        "lang": console.lang,
        "text_size": console.text_size,
        "user": console.signed,
        "roles": [r.name for r in roles],
        "role_labels": [r.label_en if console.lang == "en" else r.label_th for r in roles],
        "csrf_token": console.signed.csrf_token,
        "path": request.url.path,
        "here": request.url.path + ("?" + request.url.query if request.url.query else ""),
        "htmx": request.headers.get("hx-request") == "true",
        "menu": menu_for(roles, console.lang, request.url.path),
    }


PageFunction = Callable[[Request, Console], Awaitable[Response]]


def view(function: PageFunction) -> Callable[[Request], Awaitable[Response]]:
    """A console page: signed in (or sent to sign in), CSRF-checked on POST."""

    @functools.wraps(function)
    async def endpoint(request: Request) -> Response:
        signed = await session.signed_in(request)
        if signed is None:
            if request.method != "GET" or request.headers.get("hx-request") == "true":
                # A form posted after the session ended: sign in, then see the page again.
                target = request.headers.get("hx-current-url") or request.url.path
                location = "/console/login?next=" + quote(_path_of(target), safe="")
                if request.headers.get("hx-request") == "true":
                    return Response(status_code=204, headers={"HX-Redirect": location})
                return RedirectResponse(location, status_code=303)
            nxt = request.url.path + ("?" + request.url.query if request.url.query else "")
            return RedirectResponse("/console/login?next=" + quote(nxt, safe=""), 303)
        console = Console(request, signed, language(request), text_size(request))
        if request.method == "POST":
            try:
                await session.check_csrf(request, signed)
            except session.CsrfRefused:
                return console.render("refused.html", status=403)
        try:
            return await function(request, console)
        except GraphQLFailed as failed:
            log.info("console: the API refused: %s", failed)
            return console.render("failed.html", status=_status(failed), errors=failed.errors)

    return endpoint


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def _status(failed: GraphQLFailed) -> int:
    codes = {str((e.get("extensions") or {}).get("code")) for e in failed.errors}
    if "FORBIDDEN" in codes or "UNAUTHENTICATED" in codes:
        return 403
    if "NOT_FOUND" in codes:
        return 404
    if "BAD_USER_INPUT" in codes or "GRAPHQL_VALIDATION_FAILED" in codes:
        return 400
    return 500
