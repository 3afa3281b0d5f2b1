"""GraphQL over HTTP: the `application/graphql-response+json` media type.

A client that accepts `application/graphql-response+json` gets it, and with it the status codes
the GraphQL-over-HTTP specification asks for: a request error (the document does not parse or
validate, variables do not coerce: no execution happened, so there is no `data` and no error has
a `path`) is a 400 without a `data` entry. Clients that accept only `application/json` keep the
traditional 200 responses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson

GRAPHQL_RESPONSE = "application/graphql-response+json"


def _wants_graphql_response(headers: list[tuple[bytes, bytes]]) -> bool:
    accept = next((v for k, v in headers if k == b"accept"), b"").decode("latin-1").lower()
    if GRAPHQL_RESPONSE not in accept:
        return False
    # An explicit preference for plain JSON (listed first) keeps plain JSON.
    return (
        accept.find(GRAPHQL_RESPONSE) <= accept.find("application/json")
        or "application/json" not in accept
    )


def is_request_error(body: dict[str, Any]) -> bool:
    errors = body.get("errors")
    return bool(errors) and body.get("data") is None and not any("path" in e for e in errors)


def buffered(
    answer: Callable[[dict[str, Any], bytes], Awaitable[None]],
) -> Callable[[Any], Awaitable[None]]:
    """An ASGI `send` that holds a response until its last body chunk, then calls
    `answer(start_message, whole_body)`: for wrappers that rewrite a whole answer."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def buffer(message: Any) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            await answer(start, b"".join(chunks))

    return buffer


class GraphQLResponseMediaType:
    """ASGI wrapper around the GraphQL endpoint applying the rules above."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not _wants_graphql_response(scope["headers"]):
            await self.app(scope, receive, send)
            return

        async def answer(start: dict[str, Any], body: bytes) -> None:
            headers = [
                (k, v)
                for k, v in start.get("headers", [])
                if k.lower() not in (b"content-type", b"content-length")
            ]
            status = start.get("status", 200)
            content_type = dict(start.get("headers", [])).get(b"content-type", b"")
            if content_type.startswith(b"application/json"):
                content_type = GRAPHQL_RESPONSE.encode()
                try:
                    result = orjson.loads(body)
                except orjson.JSONDecodeError:
                    result = None
                if status == 200 and isinstance(result, dict) and is_request_error(result):
                    status = 400
                    result.pop("data", None)
                    body = orjson.dumps(result)
            headers += [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered(answer))
