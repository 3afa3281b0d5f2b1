"""HTTP caching of GraphQL queries sent with GET (`/graphql?query=…`, or `?extensions=…` /
`?documentId=…` for a persisted one), so a CDN or a portal's proxy can keep them.

A successful answer (200, no `errors`) carries a strong `ETag` (the SHA-256 of its body) and
`Cache-Control`: `public, max-age=HUB_PUBLIC_MAX_AGE` when the caller is the public (no
token: the answer depends only on the request), `private, no-store` for anyone identified
(their answer depends on who they are and must not be kept by a shared cache). `Vary:
Accept, Authorization` keeps the two media types and callers apart. A request whose
`If-None-Match` names the current ETag gets `304 Not Modified` with no body. Errors and
refusals are `no-store`. POST answers are left as they are.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from hub.rules.identity import PUBLIC
from hub.web.graphql_http import buffered


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = [c.strip() for c in if_none_match.split(",")]
    return "*" in candidates or any(c.removeprefix("W/") == etag for c in candidates)


class HttpCaching:
    """ASGI wrapper around the GraphQL endpoint applying the rules above to GET requests."""

    def __init__(self, app: Any, max_age: int) -> None:
        self.app = app
        self.max_age = max_age

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return

        async def answer(start: dict[str, Any], body: bytes) -> None:
            await self._answer(scope, start, body, send)

        await self.app(scope, receive, buffered(answer))

    async def _answer(self, scope: Any, start: dict[str, Any], body: bytes, send: Any) -> None:
        status = start.get("status", 200)
        headers = [
            (k, v)
            for k, v in start.get("headers", [])
            if k.lower() not in (b"cache-control", b"etag", b"vary", b"content-length")
        ]
        content_type = dict(headers).get(b"content-type", b"")
        if status != 200 or b"json" not in content_type or _has_errors(body):
            headers.append((b"cache-control", b"no-store"))
        else:
            identity = scope.get("state", {}).get("identity", PUBLIC)
            cache_control = (
                f"public, max-age={self.max_age}" if identity == PUBLIC else "private, no-store"
            )
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            headers += [
                (b"cache-control", cache_control.encode()),
                (b"etag", etag.encode()),
                (b"vary", b"Accept, Authorization"),
            ]
            request_headers = dict(scope["headers"])
            if_none_match = request_headers.get(b"if-none-match", b"").decode("latin-1")
            if if_none_match and _matches(if_none_match, etag):
                kept = [(k, v) for k, v in headers if k.lower() != b"content-type"]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _has_errors(body: bytes) -> bool:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return True
    return not isinstance(parsed, dict) or bool(parsed.get("errors"))
