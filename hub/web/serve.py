"""How `hub serve` runs uvicorn: limits on connections, so slow or idle clients cannot hold
the server's connection slots.

* `HeaderTimeoutProtocol`: uvicorn's h11 protocol, closing a connection whose request head
  (request line and headers) has not fully arrived `HUB_HEADER_TIMEOUT` seconds after the
  connection opened or the previous response ended. uvicorn has no such timeout: its
  keep-alive timer stops at the first byte, so a client sending one header line a minute
  (or nothing at all) kept a connection forever.
* The same protocol sets TCP_NODELAY on every accepted connection. asyncio sets it only on
  sockets whose `proto` is IPPROTO_TCP; with `--workers N` uvicorn binds the shared socket with
  `proto` 0, so its connections kept Nagle's algorithm and every keep-alive request after the
  first waited ~40 ms for the client's delayed ACK (uvicorn issue #3149).
* `uvicorn_options(settings)`: keep-alive 5 s, request heads of at most 16 KiB (larger ones
  get 400 from h11), at most `HUB_MAX_CONNECTIONS` concurrent connections per worker (beyond
  it uvicorn answers 503), and the protocol above.

A slow *body* is the app's business: `hub/web/edge.py` answers 408 after `HUB_BODY_TIMEOUT`.
"""

from __future__ import annotations

import asyncio
import functools
import socket
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from hub.settings import Settings

KEEP_ALIVE_SECONDS = 5
MAX_HEAD_BYTES = 16 * 1024


@functools.cache
def _configured_header_timeout() -> float:
    # uvicorn builds the protocol itself, in each worker process: the setting is read there.
    return Settings.from_env().header_timeout


class HeaderTimeoutProtocol(H11Protocol):
    """See the module docstring."""

    header_timeout: float | None = None  # seconds; None: HUB_HEADER_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_seconds = (
            self.header_timeout if self.header_timeout is not None else _configured_header_timeout()
        )
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        _set_nodelay(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._head_deadline is None and self.conn.their_state is h11.IDLE:
            self._arm()  # the next request on a kept-alive connection begins
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()  # the head is in; the body has its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_deadline = self.loop.call_later(self._head_seconds, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def _set_nodelay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "http": HeaderTimeoutProtocol,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
        "limit_concurrency": settings.max_connections,
    }
