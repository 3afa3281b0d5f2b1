"""Which reads a streaming replica may answer, and how stale a replica is.

A PostgreSQL streaming replica replays the primary's write-ahead log a little after the
primary wrote it, so what it answers may be a moment old. Two rules decide when that is fine:

* **Who.** Callers who cannot write read replicas: the public and machine clients that only
  read (ministries' and portals' systems, dashboards). Callers who can write read the primary:
  people (clerks, officers, administrators) and clients that deliver another system's values
  (`pulled:<system>`). So a caller who just wrote always reads its own write, without the hub
  tracking each caller's position in the log across workers and machines — a reader that
  cannot write has no write of its own to miss. Only read operations go to a replica; a
  mutation (and what its answer reads) runs on the primary whoever sends it.
* **How stale.** A replica serves reads only while it is at most `max_lag` seconds behind the
  primary. Staleness is measured in the log, not by clocks: each check samples the primary's
  flushed log position (`pg_current_wal_flush_lsn()`) and each replica's replayed position
  (`pg_last_wal_replay_lsn()`). A replica that has replayed up to the position the primary
  had at time t holds everything committed before t, so it is at most `now - t` behind for
  the latest such sample t (`staleness`). An idle primary's position does not move, so a
  caught-up replica of an idle primary is 0 s behind, not "seconds since the last commit" as
  `pg_last_xact_replay_timestamp()` would say.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.rules.identity import Identity
from hub.rules.source_systems import SOURCE_SCOPES

_WRITING_SCOPES = frozenset(SOURCE_SCOPES)


def reads_may_lag(identity: Identity) -> bool:
    """Whether `identity`'s reads may be answered by a replica (it cannot write)."""
    if identity.kind == "public":
        return True
    if identity.kind == "client":
        return not (identity.scopes & _WRITING_SCOPES)
    return False


def parse_lsn(text: str) -> int:
    """A PostgreSQL log position (`pg_lsn`, e.g. `0/16B3748`) as a number that orders as the
    log does."""
    high, _, low = text.partition("/")
    if not low:
        raise ValueError(f"not a log position: {text!r}")
    return (int(high, 16) << 32) | int(low, 16)


def staleness(samples: Iterable[tuple[float, int]], replayed: int, now: float) -> float | None:
    """Seconds the replica that has replayed up to `replayed` may be behind the primary, from
    `samples` of the primary's position (time, position), in any order: `now - t` for the
    latest sample t whose position the replica has reached, or None when it has reached none
    (it is further behind than the samples reach)."""
    reached = [t for t, position in samples if position <= replayed]
    return max(0.0, now - max(reached)) if reached else None
