"""Every HTTP request: bounded in time, cancelled when its client goes away, never a bare 500.

`RequestGuard` is an ASGI middleware around the whole app (inside `RequestIdMiddleware`, so
its answers carry `X-Request-Id`). It runs the request's handler as a task and

* stops it after HUB_REQUEST_TIMEOUT seconds: the handler is cancelled, with it the
  database statement it is waiting for (`hub.database.RequestScope`), and the caller gets
  503 `REQUEST_TIMEOUT` with `Retry-After`;
* stops it as soon as the client hangs up (`http.disconnect`), statement included: nobody is
  left to read the answer. That is logged at INFO, not as an error;
* answers an exception that escaped the handler (the GraphQL view maps its own errors; this
  is everything else: the OAuth endpoints, identifying the caller, …) with the one error
  mapping (`schema.errors`): a database outage is 503 `SERVICE_UNAVAILABLE` (or
  `DATABASE_BUSY`, `REQUEST_TIMEOUT`) with `Retry-After`, any other problem its mapped
  status, and a bug a 500 `INTERNAL` with the request id — always a GraphQL-shaped JSON body
  (`{"errors": [{"message", "extensions": {"code", "requestId", …}}]}`), on the OAuth
  endpoints also with RFC 6749's `error` / `error_description`.

The body is passed to the handler as it reads it (one message at a time), so watching for
the disconnect buffers nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import orjson

from hub.database import RequestScope, current_request
from hub.problems import Problem, RequestTimeout, Unavailable
from schema.errors import error_body, problem_in, wire_of

log = logging.getLogger("hub.errors")


class _Exchange:
    """The request's messages, handed to the handler one at a time, and the response's state."""

    def __init__(self, receive: Any, send: Any, on_disconnect: Any) -> None:
        self._receive = receive
        self._send = send
        self._on_disconnect = on_disconnect
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1)
        self.disconnected = False
        self.started = False
        self.complete = False

    async def pump(self) -> None:
        """Reads the client's messages; a disconnect before the answer is complete cancels."""
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                with contextlib.suppress(asyncio.QueueFull):
                    self.inbox.put_nowait(message)
                if not self.complete:
                    self._on_disconnect()
                return
            await self.inbox.put(message)  # waits until the handler took the previous one

    async def receive(self) -> dict[str, Any]:
        if self.disconnected and self.inbox.empty():
            return {"type": "http.disconnect"}
        return await self.inbox.get()

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            self.complete = True
        await self._send(message)


class RequestGuard:
    def __init__(self, app: Any, *, timeout: float | None = None, mask: bool = True) -> None:
        self.app = app
        self.timeout = timeout or None
        self.mask = mask

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        statements = RequestScope()
        handler: asyncio.Future[None] | None = None
        cancelled_by_client = False

        def on_disconnect() -> None:
            nonlocal cancelled_by_client
            cancelled_by_client = True
            statements.cancel()
            if handler is not None:
                handler.cancel()

        exchange = _Exchange(receive, send, on_disconnect)
        token = current_request.set(statements)
        try:  # the tasks copy the context: their statements belong to this request
            handler = asyncio.ensure_future(self.app(scope, exchange.receive, exchange.send))
            pump = asyncio.ensure_future(exchange.pump())
        finally:
            current_request.reset(token)
        try:
            done, _ = await asyncio.wait({handler}, timeout=self.timeout)
        except BaseException:  # the server is shutting down: stop everything of ours
            statements.cancel()
            handler.cancel()
            pump.cancel()
            raise
        pump.cancel()
        if handler not in done:  # over the deadline
            statements.cancel()
            handler.cancel()
            await asyncio.wait({handler})
            log.warning(
                "request %s %s stopped after %s s (request %s)",
                scope.get("method"),
                scope.get("path"),
                self.timeout,
                _request_id(scope),
            )
            if not exchange.started:
                await self._answer(scope, send, RequestTimeout(), None)
            return
        if handler.cancelled():
            if cancelled_by_client:
                log.info(
                    "client went away: %s %s cancelled (request %s)",
                    scope.get("method"),
                    scope.get("path"),
                    _request_id(scope),
                )
                return
            raise asyncio.CancelledError
        error = handler.exception()
        if error is None:
            return
        if exchange.started:
            raise error
        await self._answer(scope, send, problem_in(error), error)

    async def _answer(
        self, scope: Any, send: Any, problem: Problem | None, error: BaseException | None
    ) -> None:
        request_id = _request_id(scope)
        where = f"{scope.get('method')} {scope.get('path')}"
        if problem is None:
            assert error is not None
            log.error(
                "internal error at %s (request %s): %s",
                where,
                request_id,
                error,
                exc_info=(type(error), error, error.__traceback__),
                extra={"request_id": request_id},
            )
            status = 500
        else:
            if isinstance(problem, Unavailable) and error is not None:
                log.warning(
                    "%s at %s (request %s): %s",
                    type(problem).__name__,
                    where,
                    request_id,
                    type(error).__name__,
                    extra={"request_id": request_id},
                )
            status = wire_of(problem).status
        body = error_body(
            problem, request_id=request_id, mask=self.mask, detail=str(error) if error else None
        )
        if str(scope.get("path", "")).startswith("/oauth/"):
            # OAuth clients read RFC 6749's fields.
            body["error"] = "temporarily_unavailable" if status == 503 else "server_error"
            body["error_description"] = body["errors"][0]["message"]
        headers = [(b"content-type", b"application/json")]
        if problem is not None and problem.retry_after is not None:
            headers.append((b"retry-after", str(problem.retry_after).encode()))
        payload = orjson.dumps(body)
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def _request_id(scope: Any) -> str:
    state = scope.get("state") or {}
    request_id = state.get("request_id") if isinstance(state, dict) else None
    return request_id if isinstance(request_id, str) and request_id else "-"
