"""Every HTTP request: bounded in time, cancelled when its client goes away, never a bare 500.

`RequestGuard` is an ASGI middleware around the whole app (inside `RequestIdMiddleware`, so
its answers carry `X-Request-Id`). It runs the request's handler as a task and

* stops it after HUB_REQUEST_TIMEOUT seconds: the handler is cancelled, with it the
  database statement it is waiting for (`hub.db.engine.RequestScope`), and the caller gets
  503 `REQUEST_TIMEOUT` with `Retry-After`;
* stops it as soon as the client hangs up (`http.disconnect`), statement included: nobody is
  left to read the answer. That is logged at INFO, not as an error;
* answers an exception that escaped the handler (the GraphQL view maps its own errors; this
  is everything else: the OAuth endpoints, identifying the caller, …) with the one error
  mapping (`schema.errors`): a database outage is 503 `SERVICE_UNAVAILABLE` (or
  `DATABASE_BUSY`, `REQUEST_TIMEOUT`) with `Retry-After`, any other problem its mapped
  status, and a bug a 500 `INTERNAL` with the request id — always a GraphQL-shaped JSON body
  (`{"errors": [{"message", "extensions": {"code", "requestId", …}}]}`), on the OAuth
  endpoints also with RFC 6749's `error` / `error_description`; under `/api/` (the REST
  face) RFC 9457 problem details instead (`hub.web.problem_json`).

The handler reads the body from the server itself; a request still running after
`WATCH_AFTER` seconds, once its body is read, gets a watcher that waits for the disconnect.
Nothing is buffered, the handler never waits on the watcher, and quick requests pay for no
watcher at all.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson

from hub.db.engine import RequestScope, current_request
from hub.rules.problems import Problem, RequestTimeout, Unavailable
from hub.web import problem_json
from schema.errors import error_body, problem_in, wire_of

log = logging.getLogger("hub.errors")


def _has_body(scope: Any) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


# A request still running after this many seconds starts watching for its client's disconnect;
# quicker ones never pay for the watcher (a task: ~40 µs a request).
WATCH_AFTER = 0.05


class _Exchange:
    """The handler reads the request's body from the server itself, one message at a time.
    A watcher, started once the request has run `WATCH_AFTER` seconds and its body is read
    (at once, for a request without a body), reads on for the client's disconnect; the
    handler never waits on it."""

    def __init__(self, scope: Any, receive: Any, send: Any, on_disconnect: Any) -> None:
        self._receive = receive
        self._send = send
        self._on_disconnect = on_disconnect
        self.bodyless = not _has_body(scope)
        self.body_read = self.bodyless
        self.empty_body = self.bodyless  # the one empty body message: the handler gets ours
        self.gone = False
        self.waiting: asyncio.Event | None = None  # a handler reading after the body
        self.started = False
        self.complete = False
        self.want_watch = False
        self.watcher: asyncio.Future[None] | None = None

    def watch(self) -> None:
        self.want_watch = True
        if self.body_read and self.watcher is None:
            self.watcher = asyncio.ensure_future(self._wait_for_disconnect(self.bodyless))

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.cancel()

    async def _wait_for_disconnect(self, skip_first: bool) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self._disconnected()
                return
            if not skip_first:
                return  # nothing a server sends after the body: stop watching
            skip_first = False  # the empty body message of a request without a body

    def _disconnected(self) -> None:
        self.gone = True
        if self.waiting is not None:
            self.waiting.set()
        if not self.complete:
            self._on_disconnect()

    async def receive(self) -> dict[str, Any]:
        if self.empty_body:
            self.empty_body = False
            return {"type": "http.request", "body": b"", "more_body": False}
        if not self.body_read:
            message: dict[str, Any] = await self._receive()
            if message["type"] == "http.disconnect":
                self._disconnected()
            elif not message.get("more_body", False):
                self.body_read = True
                if self.want_watch:
                    self.watch()
            return message
        if not self.gone:  # a handler that listens for the disconnect itself
            self.waiting = self.waiting or asyncio.Event()
            self.watch()
            await self.waiting.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            self.complete = True
        await self._send(message)


class RequestGuard:
    def __init__(
        self, app: Any, *, timeout: float | None = None, mask: bool = True, issuer: str = ""
    ) -> None:
        self.app = app
        self.timeout = timeout or None
        self.mask = mask
        self.issuer = issuer  # the base of the REST face's problem types

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        statements = RequestScope()
        handler: asyncio.Future[None] | None = None
        stopped: str | None = None  # why we cancelled the handler: "deadline" or "client"

        def stop(reason: str) -> None:
            nonlocal stopped
            if stopped is None and handler is not None and not handler.done():
                stopped = reason
                statements.cancel()  # SQLite: interrupt the statement in its thread
                handler.cancel()  # asyncpg: cancels the server-side statement

        exchange = _Exchange(scope, receive, send, lambda: stop("client"))
        token = current_request.set(statements)
        try:  # the task copies the context: its statements belong to this request
            handler = asyncio.ensure_future(self.app(scope, exchange.receive, exchange.send))
        finally:
            current_request.reset(token)
        deadline = loop.call_later(self.timeout, stop, "deadline") if self.timeout else None
        watching = loop.call_later(WATCH_AFTER, exchange.watch)
        error: BaseException | None = None
        try:
            await handler  # cancelling this task (the server shutting down) cancels the handler
        except asyncio.CancelledError:
            if stopped is None:
                raise
        except Exception as exc:
            error = exc
        finally:
            watching.cancel()
            if deadline is not None:
                deadline.cancel()
            exchange.stop()
        where = (scope.get("method"), scope.get("path"), _request_id(scope))
        if stopped == "deadline":
            log.warning(
                "request %s %s stopped after %s s (request %s)", *where[:2], self.timeout, where[2]
            )
            if not exchange.started:
                await self._answer(scope, send, RequestTimeout(), None)
            return
        if stopped == "client" or (error is not None and exchange.gone):
            log.info("client went away: %s %s cancelled (request %s)", *where)
            return
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
        if str(scope.get("path", "")).startswith("/api/"):
            # The REST face answers problem details (RFC 9457), its own refusals' form.
            response = problem_json.from_web_error(
                problem,
                base=self.issuer,
                instance=str(scope.get("path", "")),
                request_id=request_id,
                mask=self.mask,
            )
            await response({"type": "http"}, _nothing, send)
            return
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


async def _nothing() -> dict[str, Any]:
    return {"type": "http.disconnect"}


def _request_id(scope: Any) -> str:
    state = scope.get("state") or {}
    request_id = state.get("request_id") if isinstance(state, dict) else None
    return request_id if isinstance(request_id, str) and request_id else "-"
