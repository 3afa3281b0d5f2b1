"""One access-log line and the metrics of every HTTP request.

`AccessLogMiddleware` wraps the app just inside `RequestIdMiddleware`: for each request it
writes one line on the `hub.access` logger (INFO; WARNING for a 5xx) with the request id,
method, path (never the query string), status, duration, the caller's kind (public, user,
client: never who from the token), the consumer key and calling officer the caller declared
(`X-Consumer-Key`, `X-Officer-Id`: GDX's convention, recorded so a call can be traced to
the officer named on it) and, for GraphQL, the operation's type and name and the error codes
returned (counted, never the messages, the document or the variables), and it counts the
request in `hub.web.metrics`. GraphQL adds what only it knows through `note_operation` and
`note_errors` (hub/web/telemetry.py, hub/web/app.py).

A client that hangs up before its request was read is not a server error: the request is
logged as 499 ("client closed request") at INFO, without a traceback, and nothing is sent.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import ClientDisconnect

from hub.web import logs, metrics

log = logging.getLogger("hub.access")

CLIENT_CLOSED = 499  # nginx's "client closed request"
MAX_PATH = 200
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")  # a GraphQL name, at most 100 characters


@dataclass
class RequestRecord:
    """What the layers below the middleware learn about the request."""

    operation_type: str | None = None
    operation_name: str | None = None
    error_codes: Counter[str] = field(default_factory=Counter)


_record: ContextVar[RequestRecord | None] = ContextVar("hub_request_record", default=None)


def note_operation(operation_type: str | None, operation_name: str | None) -> None:
    """The GraphQL operation the request ran (a name only if it is a GraphQL name)."""
    record = _record.get()
    if record is not None:
        record.operation_type = operation_type
        valid = operation_name is not None and _NAME.fullmatch(operation_name)
        record.operation_name = operation_name if valid else None


def note_errors(codes: Iterable[str]) -> None:
    """The `extensions.code` of each GraphQL error returned."""
    record = _record.get()
    if record is not None:
        record.error_codes.update(codes)


class AccessLogMiddleware:
    """See the module docstring. `engines` gives the database engines whose pools are
    reported after each request (by name)."""

    def __init__(
        self,
        app: Any,
        *,
        engines: Callable[[], dict[str, Any]] = dict,
        metrics_enabled: bool = True,
    ) -> None:
        self.app = app
        self.engines = engines
        self.metrics_enabled = metrics_enabled

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        record = RequestRecord()
        state = scope.setdefault("state", {})
        record_token = _record.set(record)
        id_token = logs.request_id_var.set(state.get("request_id"))
        status: int | None = None

        async def send_and_watch(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        client_gone = False
        try:
            await self.app(scope, receive, send_and_watch)
        except ClientDisconnect:
            client_gone = True
        except asyncio.CancelledError:
            client_gone = True
            raise
        except Exception:
            status = status or 500
            raise
        finally:
            if client_gone or status is None:  # nothing was (or could be) answered
                status = CLIENT_CLOSED
            self._finish(scope, state, record, status, time.perf_counter() - started)
            logs.request_id_var.reset(id_token)
            _record.reset(record_token)

    def _finish(
        self, scope: Any, state: Any, record: RequestRecord, status: int, seconds: float
    ) -> None:
        route = scope.get("route")
        endpoint = getattr(route, "path", None) or "other"
        operation = record.operation_type or "none"
        identity = state.get("identity")
        path = scope.get("path", "")
        declared = state.get("declared_caller")
        log.log(
            logging.WARNING if status >= 500 else logging.INFO,
            "%s %s %s %.1f ms",
            scope.get("method"),
            path[:MAX_PATH],
            status,
            seconds * 1000,
            extra={
                "request_id": state.get("request_id"),
                "method": scope.get("method"),
                "path": path[:MAX_PATH],
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
                "caller": getattr(identity, "kind", None),
                "operation_type": record.operation_type,
                "operation_name": record.operation_name,
                "errors": dict(record.error_codes),
                # The GDX declarations (hub/web/declared_caller.py): recorded as declared.
                "consumer_key": getattr(declared, "consumer_key", None),
                "officer_id": getattr(declared, "officer_id", None),
            },
        )
        if self.metrics_enabled:
            error_codes = record.error_codes.elements()
            metrics.observe_request(endpoint, operation, status, seconds, error_codes)
            metrics.observe_pools(self.engines())
