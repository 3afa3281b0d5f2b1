"""Reads the GDX declarations (`X-Consumer-Key`, `X-Officer-Id`) of every HTTP request.

`DeclaredCallerMiddleware` parses the two headers once (`hub.rules.declared_caller`) and puts
the `DeclaredCaller` in the ASGI scope's state (`declared_caller`), where

* the access log (`hub.web.observability`) writes them on the request's line
  (`consumer_key`, `officer_id`);
* the GraphQL view and the REST face hand them to services as `HubContext.declared_caller`
  (the read audit records them beside the identity).

A value that cannot be recorded as sent is refused before anything runs: 400 naming the
header, as problem details under `/api/`, the hub's GraphQL-shaped error body elsewhere.
"""

from __future__ import annotations

from typing import Any

import orjson

from hub.rules.declared_caller import (
    CONSUMER_KEY_HEADER,
    NOBODY_DECLARED,
    OFFICER_HEADER,
    declared_caller,
)
from hub.rules.problems import InvalidInput
from hub.web import problem_json
from schema.errors import error_body

_CONSUMER = CONSUMER_KEY_HEADER.lower().encode("latin-1")
_OFFICER = OFFICER_HEADER.lower().encode("latin-1")


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    found = [v for k, v in headers if k == name]
    if not found:
        return None
    # Twice is refused like a malformed value (a comma is not allowed in either).
    return ",".join(v.decode("latin-1") for v in found)


class DeclaredCallerMiddleware:
    def __init__(self, app: Any, *, issuer: str) -> None:
        self.app = app
        self.issuer = issuer

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        headers = scope.get("headers") or []
        consumer, officer = _header(headers, _CONSUMER), _header(headers, _OFFICER)
        if consumer is None and officer is None:
            state["declared_caller"] = NOBODY_DECLARED
            await self.app(scope, receive, send)
            return
        try:
            state["declared_caller"] = declared_caller(consumer, officer)
        except InvalidInput as problem:
            await self._refuse(scope, send, problem)
            return
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Any, send: Any, problem: InvalidInput) -> None:
        request_id = scope.get("state", {}).get("request_id")
        path = str(scope.get("path", ""))
        if path.startswith("/api/"):
            response = problem_json.from_problem(
                problem, base=self.issuer, instance=path, request_id=request_id
            )
            body, media_type = response.body, problem_json.MEDIA_TYPE
        else:
            body = orjson.dumps(error_body(problem, request_id=request_id or "-"))
            media_type = "application/json"
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [
                    (b"content-type", media_type.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
