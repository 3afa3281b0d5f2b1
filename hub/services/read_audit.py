"""The read audit (PDPA): every read of personal data, appended to a hash-chained log.

During a request, whatever reads a field guarded as personal data (`schema.permissions`:
`PersonalData`, `AssessorName`) notes it in the request's `PersonalReads`: the LAO whose
people were read and the field (`Lao.recorders.phone`). When the request has been answered
in full, `record` writes one row per LAO read (`hub.db.models.PersonalDataRead`): who read
(the caller as the change log names it, `hub.services.audit.actor_of`), which fields, when,
and what the caller declared (`hub.rules.read_audit`: purpose, calling officer), with the
operation's name and the request id. All of a request's rows go in one batched INSERT, so the
statements do not grow with the LAOs read (a province's 500 LAOs with their recorders are one
INSERT of 500 rows).

Tamper evidence is the change log's: each row's SHA-256 covers its content and the previous
row's hash; appends are serialised on the chain's own head in `hub_meta` (`HEAD_KEY`; a row
lock on PostgreSQL, the single writer on SQLite), so ids are gapless and `verify` (`hub audit
verify --reads`) names the first row deleted, inserted or edited. The chain is separate from
the change log's: reads are far more frequent than writes, and must not queue behind them.

The write is in its own transaction on the writing engine, after the read: a read whose log
cannot be written fails (the caller gets the database's typed error, e.g. 503
`DATABASE_BUSY`, and retries), so no personal data leaves without its entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, Update, insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.models import HubMeta, PersonalDataRead
from hub.rules.enums import Role
from hub.rules.identity import Identity
from hub.rules.read_audit import NOTHING_DECLARED, Declared
from hub.services import audit

HEAD_KEY = "personal_read_log_head"
_reads: Table = PersonalDataRead.__table__  # type: ignore[assignment]


@dataclass
class PersonalReads:
    """One request's reads of personal data: {LAO id: {field, …}}, in the order first read."""

    by_lao: dict[int, set[str]] = field(default_factory=dict)

    def note(self, lao_id: int, fields: list[str] | tuple[str, ...]) -> None:
        self.by_lao.setdefault(lao_id, set()).update(fields)

    def __bool__(self) -> bool:
        return bool(self.by_lao)

    def take(self) -> dict[int, set[str]]:
        """The reads noted so far, forgotten here (a request records them once)."""
        taken, self.by_lao = self.by_lao, {}
        return taken


def read_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical form of a row (its id and prev_hash included)."""
    at = row["at"]
    if isinstance(at, dt.datetime):
        at = (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat()
    role = row["actor_role"]
    payload = {
        name: row[name]
        for name in (
            "id",
            "actor_user_id",
            "actor_client_id",
            "actor_subject",
            "actor_issuer",
            "reader",
            "reader_kind",
            "lao_id",
            "fields",
            "purpose",
            "calling_officer",
            "operation",
            "request_id",
            "prev_hash",
        )
    }
    payload["at"] = at
    payload["actor_role"] = role.name if isinstance(role, Role) else role
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def record(
    engine: AsyncEngine,
    identity: Identity,
    reads: Mapping[int, set[str]],
    *,
    declared: Declared = NOTHING_DECLARED,
    operation: str | None = None,
    request_id: str | None = None,
    at: dt.datetime | None = None,
) -> int:
    """Append one row per LAO in `reads`, in one transaction and one INSERT; returns how
    many rows were written. `engine` is the writing engine."""
    if not reads:
        return 0
    actor = audit.actor_of(identity)
    moment = (at or audit.now()).replace(microsecond=0)
    async with engine.begin() as conn:
        last_id, last_hash = await audit.lock_head(conn, HEAD_KEY)
        rows = []
        for lao_id, fields in reads.items():
            last_id += 1
            row: dict[str, Any] = {
                "id": last_id,
                "at": moment,
                "actor_user_id": actor.user_id,
                "actor_client_id": actor.client_id,
                "actor_role": actor.role,
                "actor_subject": actor.subject,
                "actor_issuer": actor.issuer,
                "reader": (identity.subject or "")[:255] or None,
                "reader_kind": identity.kind,
                "lao_id": lao_id,
                "fields": json.dumps(sorted(fields), ensure_ascii=False),
                "purpose": declared.purpose,
                "calling_officer": declared.calling_officer,
                "operation": operation[:255] if operation else None,
                "request_id": request_id[:100] if request_id else None,
                "prev_hash": last_hash,
            }
            row["hash"] = last_hash = read_hash(row)
            rows.append(row)
        await conn.execute(insert(_reads), rows)
        await conn.execute(
            update(HubMeta).where(HubMeta.key == HEAD_KEY).values(value=f"{last_id} {last_hash}")
        )
    return len(rows)


def restart() -> Update:
    """The statement that moves the chain's head back to its start (with the rows deleted:
    `hub demo load --replace`). The head itself is made by the migration, so every append
    runs the same statements."""
    return update(HubMeta).where(HubMeta.key == HEAD_KEY).values(value=f"0 {audit.GENESIS}")


async def verify(engine: AsyncEngine, batch: int = 5000) -> audit.Verification:
    """Recompute the read audit's whole chain; report the first row that does not fit."""
    return await audit.verify_chain(engine, _reads, read_hash, HEAD_KEY, batch)
