"""Verified access tokens, remembered per process so a request with a token costs no database
round trip and no signature check most of the time.

Contract:
* An entry is keyed by the SHA-256 of the token (never the token itself) and holds the caller's
  `Identity` as the full check admitted it (signature, claims, revocation).
* It is used while all of these hold: the token's `exp` has not passed (no leeway here: a
  remembered token is never accepted longer than a freshly checked one), its revocation check is
  younger than `recheck_seconds` (HUB_TOKEN_RECHECK_SECONDS), and this process has written no
  revocation since (`hub/db/revocation_epoch.py`). So a revocation, a sign-out or a disabled
  account written by any worker or replica is honoured everywhere within `recheck_seconds`, and at
  once by the process that wrote it.
* At most `max_entries` tokens are remembered (least recently used first out); 0 seconds turns
  the cache off.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass

from hub.db import revocation_epoch
from hub.rules.identity import Identity

DEFAULT_MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class _Entry:
    identity: Identity
    expires_at: float  # the token's `exp` (epoch seconds)
    recheck_at: float  # monotonic seconds after which the revocation check is repeated
    epoch: int


def token_key(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class VerifiedTokens:
    def __init__(self, recheck_seconds: float, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.recheck_seconds = recheck_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()

    def get(self, key: bytes) -> Identity | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if (
            entry.epoch != revocation_epoch.current()
            or time.monotonic() >= entry.recheck_at
            or time.time() >= entry.expires_at
        ):
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry.identity

    def remember(self, key: bytes, identity: Identity, expires_at: float, epoch: int) -> None:
        """Remember `identity` for a token checked under revocation epoch `epoch` (read before
        the check began, so a revocation written during the check invalidates the entry)."""
        if self.recheck_seconds <= 0 or self.max_entries <= 0:
            return
        self._entries[key] = _Entry(
            identity, expires_at, time.monotonic() + self.recheck_seconds, epoch
        )
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
