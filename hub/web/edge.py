"""The HTTP edge: limits every request meets before any route (GraphQL, OAuth, health) sees it.

`RequestLimits` (ASGI middleware) reads the request body itself, then hands it on:

* **size**: a body over `HUB_MAX_REQUEST_BYTES` is refused with 413 as soon as that is
  known: from `Content-Length` before a byte is read, or, for a chunked body, when the
  chunks received pass the limit. Nothing beyond the limit is ever held in memory (without
  this, 40 anonymous 10 MB requests grew the server by ~490 MiB). The few routes that take
  files (`large_bodies`: the console's bulk upload) have a larger limit of their own and
  more time for the body to arrive; a refused console request is answered with a short
  Thai/English HTML page, since a person's browser shows it;
* **time**: a body that has not fully arrived `HUB_BODY_TIMEOUT` seconds after the request
  started is refused with 408, so a slow client cannot hold a worker's request open;
* **JSON depth**: a JSON body, or the `variables` / `extensions` of a GET request, nested
  deeper than `HUB_MAX_JSON_DEPTH` is refused with 400 `BAD_USER_INPUT` before any parser
  sees it (Python's recursive parser fails with RecursionError, a 500, at ~1,000 levels);
* **NUL characters** in a query parameter, a form field (`application/x-www-form-urlencoded`,
  what the OAuth endpoints take) or HTTP Basic credentials are refused with 400
  `BAD_USER_INPUT` naming the parameter: PostgreSQL cannot hold a NUL in text and fails the
  statement (a 500). Strings inside GraphQL requests are checked by `schema/text_guard.py`,
  which knows the arguments they are for.

Refusals are GraphQL-shaped JSON on every path, e.g. `{"errors": [{"message": "...",
"extensions": {"code": "REQUEST_TOO_LARGE", "maxBytes": 1048576, "messageTh": "..."}}]}`,
and close the connection (the rest of the body is never read).

`cors_options(origins)` configures starlette's CORSMiddleware from `HUB_CORS_ORIGINS`.
Slow request *headers* are the server's business: see `hub/web/serve.py`.
"""

from __future__ import annotations

import asyncio
import base64
import re
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import parse_qsl

import orjson

from hub.rules.input_rules import NUL_CHARACTER, json_too_deep
from hub.web import problem_json
from schema.errors import BAD_USER_INPUT, REQUEST_TIMEOUT, REQUEST_TOO_LARGE

# Methods whose requests normally carry no body: without Content-Length or Transfer-Encoding
# there is nothing to read, and the request goes straight through.
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
JSON_PARAMETERS = ("variables", "extensions")


@dataclass(frozen=True)
class LargeBody:
    """A route (its path, matched whole) that takes larger bodies, and more time for them."""

    path: re.Pattern[str]
    max_bytes: int
    body_timeout: float


def _for_a_person(scope: Any) -> bool:
    """The console's pages are read by people: their refusals are HTML."""
    return str(scope.get("path", "")).startswith("/console/")


_PAGE = """<!doctype html><html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{status} — INFO Hub</title>
<link rel="stylesheet" href="/console/static/console/console.css"></head>
<body class="plain"><main><h1>{status}</h1><div class="error-summary" role="alert">
<p>{th}</p><p lang="en">{en}</p></div>
<p><a href="/console/">หน้าหลัก / Home</a></p></main></body></html>"""


async def refuse(
    send: Any,
    status: int,
    code: str,
    message: str,
    message_th: str,
    *,
    oauth: bool = False,
    html: bool = False,
    rest: tuple[str, str] | None = None,
    **extensions: Any,
) -> None:
    """Answer with one GraphQL-shaped error and close the connection. On the OAuth endpoints
    the body also carries RFC 6749's `error` and `error_description`, which their clients read;
    to a person's browser (the console) it is a short page in Thai and English; on the REST
    face (`rest`: the hub's public address and the request's path) RFC 9457 problem details
    (`hub.web.problem_json`)."""
    if rest is not None:
        base, path = rest
        problem = problem_json.problem_body(
            base=base,
            code=code,
            detail=message,
            instance=path,
            request_id=None,
            status=status,
            messageTh=message_th,
            **extensions,
        )
        response = problem_json.ProblemResponse(problem, headers={"Connection": "close"})
        await response({"type": "http"}, _nothing, send)
        return
    if html:
        page = _PAGE.format(status=status, th=escape(message_th), en=escape(message)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(page)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": page})
        return
    content: dict[str, Any] = {
        "errors": [
            {
                "message": message,
                "extensions": {"code": code, **extensions, "messageTh": message_th},
            }
        ]
    }
    if oauth:
        content = {"error": "invalid_request", "error_description": message, **content}
    body = orjson.dumps(content)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _nothing() -> dict[str, Any]:
    return {"type": "http.disconnect"}


class BodyTooLarge(Exception):
    pass


class RequestLimits:
    """See the module docstring."""

    def __init__(
        self,
        app: Any,
        *,
        max_bytes: int,
        max_json_depth: int,
        body_timeout: float,
        large_bodies: tuple[LargeBody, ...] = (),
        issuer: str = "",
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_json_depth = max_json_depth
        self.body_timeout = body_timeout
        self.large_bodies = large_bodies
        self.issuer = issuer  # the base of the REST face's problem types

    def _limits(self, scope: Any) -> tuple[int, float]:
        """The body size and time the request's route allows."""
        if scope["method"] == "POST":
            for route in self.large_bodies:
                if route.path.fullmatch(scope["path"]):
                    return route.max_bytes, route.body_timeout
        return self.max_bytes, self.body_timeout

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        max_bytes, body_timeout = self._limits(scope)
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            await self._too_large(send, scope, max_bytes)
            return
        query_string = scope.get("query_string", b"")
        if query_string and self._query_too_deep(query_string):
            await self._too_deep(send)
            return
        nul = _nul_in_query(query_string) or _nul_in_basic_auth(headers.get(b"authorization"))
        if nul is not None:
            await self._nul(send, scope, nul)
            return
        if scope["method"] in _BODYLESS and length is None and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return
        try:
            async with asyncio.timeout(body_timeout):
                body = await self._read_body(receive, max_bytes)
        except BodyTooLarge:
            await self._too_large(send, scope, max_bytes)
            return
        except TimeoutError:
            await refuse(
                send,
                408,
                REQUEST_TIMEOUT,
                f"The request body did not arrive within {body_timeout:g} seconds.",
                f"ข้อมูลคำขอส่งมาไม่ครบภายใน {body_timeout:g} วินาที",
                html=_for_a_person(scope),
                rest=self._rest(scope),
                timeoutSeconds=body_timeout,
            )
            return
        if body is None:
            return  # the client went away; nobody is left to answer
        content_type = headers.get(b"content-type", b"").lower()
        if b"json" in content_type and json_too_deep(body, self.max_json_depth):
            await self._too_deep(send)
            return
        if content_type.startswith(FORM) and (nul := _nul_in_form(body)) is not None:
            await self._nul(send, scope, nul)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, receive: Any, max_bytes: int) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _query_too_deep(self, query_string: bytes) -> bool:
        if b"variables=" not in query_string and b"extensions=" not in query_string:
            return False
        params = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        return any(
            name in JSON_PARAMETERS and json_too_deep(value, self.max_json_depth)
            for name, value in params
        )

    def _rest(self, scope: Any) -> tuple[str, str] | None:
        """(the hub's address, the path) for a request to the REST face, else None."""
        path = str(scope.get("path", ""))
        return (self.issuer, path) if path.startswith("/api/") else None

    async def _nul(self, send: Any, scope: Any, parameter: str) -> None:
        await refuse(
            send,
            400,
            BAD_USER_INPUT,
            f'Parameter "{parameter}" {NUL_CHARACTER.message}.',
            f'พารามิเตอร์ "{parameter}" {NUL_CHARACTER.message_th}',
            oauth=scope["path"].startswith("/oauth/"),
            rest=self._rest(scope),
            reason=NUL_CHARACTER.code,
            parameter=parameter,
        )

    async def _too_large(self, send: Any, scope: Any, max_bytes: int) -> None:
        await refuse(
            send,
            413,
            REQUEST_TOO_LARGE,
            f"The request body is larger than {max_bytes:,} bytes ({max_bytes / 1048576:.0f} MB).",
            f"ข้อมูลคำขอมีขนาดเกิน {max_bytes:,} ไบต์ ({max_bytes / 1048576:.0f} MB)",
            html=_for_a_person(scope),
            rest=self._rest(scope),
            maxBytes=max_bytes,
        )

    async def _too_deep(self, send: Any) -> None:
        await refuse(
            send,
            400,
            BAD_USER_INPUT,
            f"The request's JSON nests deeper than {self.max_json_depth} levels.",
            f"ข้อมูล JSON ในคำขอซ้อนกันลึกเกิน {self.max_json_depth} ชั้น",
            maxDepth=self.max_json_depth,
        )


FORM = b"application/x-www-form-urlencoded"


def _nul_in_pairs(encoded: str) -> str | None:
    for name, value in parse_qsl(encoded, keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "\\0")
    return None


def _nul_in_query(query_string: bytes) -> str | None:
    """The first query parameter holding a NUL (`%00`): no column can store one, and
    PostgreSQL refuses it in any statement (the OAuth endpoints look parameters up)."""
    if b"%00" not in query_string:
        return None
    return _nul_in_pairs(query_string.decode("latin-1"))


def _nul_in_form(body: bytes) -> str | None:
    if b"%00" not in body and b"\x00" not in body:
        return None
    return _nul_in_pairs(body.decode("utf-8", "replace"))


def _nul_in_basic_auth(authorization: bytes | None) -> str | None:
    """A NUL in HTTP Basic credentials (a client id is looked up in the database)."""
    if authorization is None or authorization[:6].lower() != b"basic ":
        return None
    try:
        credentials = base64.b64decode(authorization[6:].strip(), validate=True)
    except ValueError:
        return None  # not Basic credentials at all: the route refuses them
    if b"\x00" in credentials or b"%00" in credentials:
        return "Authorization"
    return None


def _replay(body: bytes, receive: Any) -> Any:
    """A `receive` that gives the body already read, then waits as the original does."""
    delivered = False

    async def replay() -> Any:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


# --- CORS ------------------------------------------------------------------------------------

CORS_METHODS = ("GET", "POST")
# The REST face's GDX declarations may be sent, and its paging `Link` read, from a page too.
CORS_ALLOW_HEADERS = (
    "Authorization",
    "Content-Type",
    "X-Request-Id",
    "X-Consumer-Key",
    "X-Officer-Id",
    # What a caller declares about a read of personal data (the read audit).
    "X-Purpose",
    "X-Calling-Officer",
)
CORS_EXPOSE_HEADERS = ("X-Request-Id", "Retry-After", "WWW-Authenticate", "Link")


def cors_options(origins: tuple[str, ...]) -> dict[str, Any]:
    """Keyword arguments for starlette's CORSMiddleware allowing `origins` (`HUB_CORS_ORIGINS`:
    exact origins, `*`, or `scheme://host:*` for any port). Bearer tokens travel in a header,
    never a cookie, so credentials are not allowed: a page reads what its token allows."""
    patterns = []
    for origin in origins:
        if origin.endswith(":*"):
            patterns.append(re.escape(origin[:-2]) + r"(:\d{1,5})?")
        else:
            patterns.append(re.escape(origin))
    return {
        "allow_origins": ["*"] if "*" in origins else [],
        "allow_origin_regex": "|".join(patterns) if patterns and "*" not in origins else None,
        "allow_methods": CORS_METHODS,
        "allow_headers": CORS_ALLOW_HEADERS,
        "expose_headers": CORS_EXPOSE_HEADERS,
        "allow_credentials": False,
        "max_age": 600,
    }
