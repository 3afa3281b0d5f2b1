"""What a calling system declares about a call, besides its token (the GDX convention).

Thai agencies integrating through DGA's GDX gateway send, with each call, the consumer key of
the system making it and the identifier of the officer on whose behalf it is made. The hub
accepts both on every API (`X-Consumer-Key`, `X-Officer-Id`; `hub.web.declared_caller` reads
the headers) and records them: in the access log line, and in the request's `HubContext`
(`HubContext.declared_caller`) so that a service recording a read or a write (the read audit)
can name them.

They are declarations, never credentials: who the caller is and what it may read is decided
by its token alone (`hub.rules.identity`); a declared officer widens nothing. Because they
are written to logs, a value must be short printable ASCII (1 to 100 characters, no spaces at
either end, no control characters); anything else is refused naming the header, rather than
stored altered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.rules.problems import invalid

CONSUMER_KEY_HEADER = "X-Consumer-Key"
OFFICER_HEADER = "X-Officer-Id"
MAX_LENGTH = 100
# Printable ASCII, no space at either end (the pattern the OpenAPI document states too).
PATTERN = r"^[!-~]([ -~]{0,98}[!-~])?$"
_VALID = re.compile(PATTERN)


@dataclass(frozen=True)
class DeclaredCaller:
    """The consumer key and calling officer a request declared (None: not declared)."""

    consumer_key: str | None = None
    officer_id: str | None = None

    @property
    def declared(self) -> bool:
        return self.consumer_key is not None or self.officer_id is not None


NOBODY_DECLARED = DeclaredCaller()


def _value(header: str, raw: str | None) -> str | None:
    if raw is None:
        return None
    if not _VALID.match(raw):
        raise invalid(
            header,
            "NOT_A_DECLARATION",
            f"must be 1 to {MAX_LENGTH} printable ASCII characters, no space at either end",
            f"ต้องเป็นอักขระ ASCII ที่พิมพ์ได้ 1 ถึง {MAX_LENGTH} ตัว ไม่มีช่องว่างหัวท้าย",
        )
    return raw


def declared_caller(consumer_key: str | None, officer_id: str | None) -> DeclaredCaller:
    """The declaration of the two header values (None: absent); raises `InvalidInput` naming
    the header of a value that cannot be recorded as it is."""
    if consumer_key is None and officer_id is None:
        return NOBODY_DECLARED
    return DeclaredCaller(
        consumer_key=_value(CONSUMER_KEY_HEADER, consumer_key),
        officer_id=_value(OFFICER_HEADER, officer_id),
    )
