"""GraphiQL, fixed: served from the hub's own vendored assets, and able to call as the
signed-in person.

- `GET /console/graphiql` (signed in): GraphiQL 3.9.0 on React 18.3.1, every file served by
  the hub (hub/web/static/vendor, hub/web/static/VENDORED.md), so it works offline. It posts
  to `/console/graphql` with the session's CSRF token in the `X-CSRF-Token` header; the
  browser sends the session cookie itself. `?query=` opens it on that operation.
- `POST /console/graphql`: the hub's own GraphQL view (`hub.web.app.HubGraphQL`: the same
  schema, text guard, limits, costs, planner and error mapping as `/graphql`) with an
  identity resolver that reads the console session instead of a bearer token. Without a
  session: 401 `UNAUTHENTICATED`; without the session's token in `X-CSRF-Token`: 403
  `FORBIDDEN` (another site's page could make the browser send the cookie, never the
  token). Only POST: a GET could be made by any page.
- `/graphql`'s own GraphiQL (`HUB_GRAPHIQL`) is the same page posting to `/graphql`, where
  a caller adds `Authorization: Bearer …` in the headers editor.

The page needs more than the console's Content-Security-Policy allows: GraphiQL's bundle
inserts `<style>` elements and its fonts and icons are `data:` URLs. `GRAPHIQL_HEADERS` allow
exactly that, and still nothing from another origin.
"""

from __future__ import annotations

import hmac

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from hub.rules.identity import Identity
from hub.web.console import session
from hub.web.console.page import ENVIRONMENT, Console, view

ENDPOINT = "/console/graphql"
GRAPHIQL_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'",
}

CONSOLE_QUERY = """# เรียกใช้ในนามของท่าน — this runs as you.
# กด ▶ หรือ Ctrl-Enter — press ▶ or Ctrl-Enter.
{
  viewer {
    subject
    roles
    areas { level province { code nameTh } district { code nameTh } }
  }
  fiscalYears { yearBe recordDeadline isOpen }
}
"""

PUBLIC_QUERY = """# INFO Hub: without a token you read as the public.
# Headers below: {"Authorization": "Bearer <token>"}
{
  laoCountsByType { type labelTh count }
  lao(code: "6500105") { code nameTh type province { code nameTh nameEn } district { nameTh } }
}
"""


def ide_page(
    *,
    endpoint: str,
    lang: str,
    default_query: str,
    query: str | None = None,
    csrf_token: str | None = None,
    signed_in_as: str | None = None,
    roles: str | None = None,
) -> HTMLResponse:
    """The GraphiQL page, its assets all from the hub."""
    body = ENVIRONMENT.get_template("graphiql.html").render(
        lang=lang,
        endpoint=endpoint,
        default_query=default_query,
        query=query or "",
        csrf_token=csrf_token or "",
        signed_in_as=signed_in_as,
        roles=roles,
        tr=lambda th, en: en if lang == "en" else th,
    )
    return HTMLResponse(body, headers=GRAPHIQL_HEADERS)


def public_ide(lang: str = "en") -> HTMLResponse:
    """`/graphql`'s GraphiQL (HUB_GRAPHIQL): the public endpoint, tokens in the headers."""
    return ide_page(endpoint="/graphql", lang=lang, default_query=PUBLIC_QUERY)


@view
async def graphiql(request: Request, console: Console) -> Response:
    roles = [r.label_en if console.lang == "en" else r.label_th for r in console.identity.roles()]
    return ide_page(
        endpoint=ENDPOINT,
        lang=console.lang,
        default_query=CONSOLE_QUERY,
        query=request.query_params.get("query"),
        csrf_token=console.signed.csrf_token,
        signed_in_as=console.signed.display_name,
        roles=", ".join(roles),
    )


async def identify(request: Request) -> Identity:
    """Who calls `/console/graphql`: the console session's person, if the request also
    carries the session's CSRF token (header only: the body is GraphQL's)."""
    signed = await session.signed_in(request)
    if signed is None:
        raise HTTPException(
            401, "Sign in to the console first (/console/login) / กรุณาเข้าสู่ระบบคอนโซลก่อน"
        )
    sent = request.headers.get(session.CSRF_HEADER) or ""
    if not hmac.compare_digest(sent.encode(), signed.csrf_token.encode()):
        raise HTTPException(
            403,
            "The X-CSRF-Token header must carry the console session's token "
            "/ ต้องส่งรหัส CSRF ของคอนโซลในส่วนหัว X-CSRF-Token",
        )
    return signed.identity


routes = [Route("/console/graphiql", graphiql)]
