"""This process's revocation epoch: a counter bumped whenever it writes something that ends
access tokens early (a revoked token or sign-in, a disabled account or client, a revoked role).

Verified access tokens are remembered for a few seconds per process
(`hub/oauth/verified_tokens.py`); an entry admitted under an older epoch is not used again, so
the process that wrote a revocation honours it at once. Other workers and replicas honour it when
their entry's revocation check is `HUB_TOKEN_RECHECK_SECONDS` old: the database stays the one
shared record, and nothing here needs to travel between processes.

Callers bump *before* their transaction commits: a request that reads the database in between
sees the old state and caches it under the new epoch, which `HUB_TOKEN_RECHECK_SECONDS` bounds.
"""

from __future__ import annotations

import itertools

_counter = itertools.count(1)
_epoch = 0


def current() -> int:
    return _epoch


def bump() -> None:
    global _epoch
    _epoch = next(_counter)
