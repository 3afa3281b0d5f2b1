"""The change log: append-only, each entry chained to the one before by SHA-256.

`append` must run inside the writing transaction, so a change and its log entry commit or
roll back together. Every service names its actor with `actor_of`: the caller, and the role
that allowed the action (the services decide it, never their callers). An entry names its actor by row id (`actor_user_id`, `actor_client_id`)
or, for a caller of an external identity provider, by subject and issuer (`actor_subject`,
`actor_issuer`); the hash covers both (the latter only when set, so entries written before
they existed keep their hashes). Appends are serialised on the chain head (a row lock on PostgreSQL; the
single writer of SQLite), which also makes entry ids gapless: a deleted, inserted or edited
entry breaks the chain at that point, and `verify` names the first entry that no longer fits.
The chain's machinery (`lock_head`, `verify_chain`) also keeps the read audit's own chain
(`hub.services.read_audit`), under its own head.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db.models import ChangeLogEntry, HubMeta
from hub.rules.enums import Role
from hub.rules.identity import Identity, RoleGrant
from hub.rules.permissions import LaoPlace

GENESIS = "0" * 64
HEAD_KEY = "change_log_head"
_log: Table = ChangeLogEntry.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    client_id: int | None = None
    role: Role | None = None
    name: str | None = None  # username or client id, for messages only (not hashed)
    subject: str | None = None  # an external identity provider's subject (no row here)
    issuer: str | None = None  # ... and that provider's issuer


def command_actor(command: str) -> Actor:
    """Who runs a `hub` command (an import from a file): the operating-system account that
    ran it, named as an external subject of the command, since it has no row here."""
    import getpass

    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no name for the process's user (a bare container)
        login = "unknown"
    return Actor(name=login, subject=login, issuer=f"hub {command}")


def now() -> dt.datetime:
    """The time a write and its log entry are stamped with (whole seconds, UTC)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _bound_to(grant: RoleGrant, place: LaoPlace | None) -> bool:
    """Whether the grant applies to the LAO at `place` (a grant bound to nothing: DLA's)."""
    if place is None or (grant.lao_id, grant.district_id, grant.province_id) == (None,) * 3:
        return True
    return (
        grant.lao_id == place.lao_id
        or grant.district_id == place.district_id
        or grant.province_id == place.province_id
    )


def actor_of(
    identity: Identity, acting: Sequence[Role] = (), place: LaoPlace | None = None
) -> Actor:
    """The caller as the change log names it, with the role it acted in: the first of
    `acting` (the roles that allow the action, in order of preference) it holds for the LAO
    at `place`; without one, its first role (None for a client)."""
    roles = identity.roles()
    role = next(
        (r for r in acting if any(g.role is r and _bound_to(g, place) for g in identity.grants)),
        roles[0] if roles else None,
    )
    return Actor(
        user_id=identity.user_id,
        client_id=identity.client_pk,
        role=role,
        name=identity.subject,
        subject=identity.external_subject,
        issuer=identity.issuer,
    )


def named(actor: Actor) -> str | None:
    """How a record other than the change log names its author when no `users` row does: an
    external provider's subject with its issuer, or the subject of a caller without a row."""
    if actor.subject is not None:
        return f"{actor.subject} ({actor.issuer})"
    return actor.name if actor.user_id is None and actor.client_id is None else None


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "name"):  # enums
        return value.name
    raise TypeError(f"cannot log {type(value).__name__}")


def logged_form(value: Any) -> Any:
    """A value as the log holds it (a date as ISO text, an enum by name): what a stored
    value is compared with when the log is replayed (`hub.services.state_replay`)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return json.loads(json.dumps(value, default=_json_default))


def canonical_changes(changes: Mapping[str, tuple[Any, Any]]) -> str:
    return json.dumps(
        {k: [before, after] for k, (before, after) in changes.items()},
        sort_keys=True,
        ensure_ascii=False,
        default=_json_default,
        separators=(",", ":"),
    )


def entry_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical form of an entry (its id and prev_hash included)."""
    at = row["at"]
    if isinstance(at, dt.datetime):
        at = (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat()
    role = row["actor_role"]
    payload = {
        "id": row["id"],
        "at": at,
        "actor_user_id": row["actor_user_id"],
        "actor_client_id": row["actor_client_id"],
        "actor_role": role.name if isinstance(role, Role) else role,
        "entity": row["entity"],
        "entity_id": row["entity_id"],
        "lao_id": row["lao_id"],
        "action": row["action"],
        "changes": row["changes_json"],
        "reason": row["reason"],
        "prev_hash": row["prev_hash"],
    }
    for name in ("actor_subject", "actor_issuer"):
        if row.get(name) is not None:
            payload[name] = row[name]
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_locked_heads: dict[str, Any] = {}


def _locked_head(key: str) -> Any:
    """The statement reading a chain head under a row lock, built once per chain."""
    statement = select(HubMeta.value).where(HubMeta.key == key).with_for_update()
    _locked_heads[key] = statement
    return statement


async def lock_head(conn: AsyncConnection, key: str = HEAD_KEY) -> tuple[int, str]:
    """Read the chain head (`key` in `hub_meta`: the change log's, or another chain's such as
    the read audit's) under a lock held until the transaction ends (creating it once)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = _locked_heads[key] if key in _locked_heads else _locked_head(key)
        value: str | None = (await conn.execute(statement)).scalar_one_or_none()
        if value is None:  # the chain's first append (one round trip less on every other)
            # Concurrent first appends: one creates the head, the others wait on its row lock.
            await conn.execute(
                pg_insert(HubMeta).values(key=key, value=f"0 {GENESIS}").on_conflict_do_nothing()
            )
            value = (await conn.execute(statement)).scalar_one()
    else:  # SQLite: writers hold the database lock from BEGIN IMMEDIATE
        value = (
            await conn.execute(select(HubMeta.value).where(HubMeta.key == key))
        ).scalar_one_or_none()
        if value is None:
            await conn.execute(insert(HubMeta).values(key=key, value=f"0 {GENESIS}"))
            value = f"0 {GENESIS}"
    assert value is not None
    last_id, last_hash = value.split()
    return int(last_id), last_hash


@dataclass(frozen=True)
class Entry:
    """One change to log (`append_many`): what `append` takes besides the actor."""

    entity: str
    entity_id: str | int
    action: str
    changes: Mapping[str, tuple[Any, Any]]
    lao_id: int | None = None
    reason: str | None = None


def _row(
    actor: Actor, entry: Entry, entry_id: int, prev_hash: str, at: dt.datetime
) -> dict[str, Any]:
    row = {
        "id": entry_id,
        "at": at.replace(microsecond=0),
        "actor_user_id": actor.user_id,
        "actor_client_id": actor.client_id,
        "actor_role": actor.role,
        "actor_subject": actor.subject,
        "actor_issuer": actor.issuer,
        "entity": entry.entity,
        "entity_id": str(entry.entity_id),
        "lao_id": entry.lao_id,
        "action": entry.action,
        "changes_json": canonical_changes(entry.changes),
        "reason": entry.reason,
        "prev_hash": prev_hash,
    }
    row["hash"] = entry_hash(row)
    return row


async def append(
    conn: AsyncConnection,
    actor: Actor,
    *,
    entity: str,
    entity_id: str | int,
    action: str,
    changes: Mapping[str, tuple[Any, Any]],
    lao_id: int | None = None,
    reason: str | None = None,
    at: dt.datetime | None = None,
) -> str:
    """Append one entry in the caller's transaction; returns its hash."""
    entry = Entry(entity, entity_id, action, changes, lao_id, reason)
    return await append_many(conn, actor, [entry], at=at)


async def append_many(
    conn: AsyncConnection,
    actor: Actor,
    entries: Sequence[Entry],
    *,
    at: dt.datetime | None = None,
) -> str:
    """Append `entries`, in order, in the caller's transaction: the chain head is locked and
    moved once, the entries inserted in one batch (a bulk import logs thousands of records).
    Each entry is chained exactly as `append` chains one. Returns the last hash."""
    last_id, last_hash = await lock_head(conn)
    if not entries:
        return last_hash
    moment = at or now()
    rows = []
    for entry in entries:
        last_id += 1
        row = _row(actor, entry, last_id, last_hash, moment)
        last_hash = str(row["hash"])
        rows.append(row)
    await conn.execute(insert(_log), rows)
    await conn.execute(
        update(HubMeta).where(HubMeta.key == HEAD_KEY).values(value=f"{last_id} {last_hash}")
    )
    return last_hash


class Chain:
    """Chains entries one by one for a caller that inserts them itself, in bulk, in its own
    transaction (the demo load streams its rows while generating them): `start` locks the
    head as `append` does, `row` returns each next row (the `change_log` table's columns),
    `finish` moves the head past the rows, which the caller must have inserted by then."""

    def __init__(self, actor: Actor, last_id: int, last_hash: str, at: dt.datetime) -> None:
        self.actor, self.last_id, self.last_hash, self.at = actor, last_id, last_hash, at

    @classmethod
    async def start(
        cls, conn: AsyncConnection, actor: Actor, at: dt.datetime | None = None
    ) -> Chain:
        last_id, last_hash = await lock_head(conn)
        return cls(actor, last_id, last_hash, at or now())

    def row(self, entry: Entry) -> dict[str, Any]:
        self.last_id += 1
        row = _row(self.actor, entry, self.last_id, self.last_hash, self.at)
        self.last_hash = str(row["hash"])
        return row

    async def finish(self, conn: AsyncConnection) -> None:
        await conn.execute(
            update(HubMeta)
            .where(HubMeta.key == HEAD_KEY)
            .values(value=f"{self.last_id} {self.last_hash}")
        )


@dataclass(frozen=True)
class Verification:
    entries: int
    broken_at: int | None  # id of the first entry that does not fit the chain
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


async def verify(engine: AsyncEngine, batch: int = 5000) -> Verification:
    """Recompute the whole change log's chain; report the first entry that does not fit."""
    return await verify_chain(engine, _log, entry_hash, HEAD_KEY, batch)


async def verify_chain(
    engine: AsyncEngine,
    table: Table,
    hash_of: Callable[[Mapping[str, Any]], str],
    head_key: str,
    batch: int = 5000,
) -> Verification:
    """Recompute a hash chain (`table`'s rows by id, each hashed by `hash_of` over its
    `prev_hash`, the head kept in `hub_meta` under `head_key`); report the first row that
    does not fit: missing, out of chain, edited, or the chain ending before its head."""
    expected_prev, expected_id, count = GENESIS, 1, 0
    async with engine.connect() as conn:
        last = 0
        while True:
            rows = (
                (
                    await conn.execute(
                        select(table).where(table.c.id > last).order_by(table.c.id).limit(batch)
                    )
                )
                .mappings()
                .all()
            )
            if not rows:
                break
            for row in rows:
                if row["id"] != expected_id:
                    return Verification(count, row["id"], f"entry {expected_id} is missing")
                if row["prev_hash"] != expected_prev:
                    return Verification(
                        count, row["id"], "its prev_hash does not match the entry before it"
                    )
                if hash_of(dict(row)) != row["hash"]:
                    return Verification(
                        count, row["id"], "its content does not match its hash (edited)"
                    )
                expected_prev, expected_id, count = row["hash"], expected_id + 1, count + 1
            last = rows[-1]["id"]
        head = (
            await conn.execute(select(HubMeta.value).where(HubMeta.key == head_key))
        ).scalar_one_or_none()
    if head is not None and head.split()[1] != expected_prev:
        return Verification(
            count, expected_id, f"the chain ends early: the head says {head.split()[0]} entries"
        )
    return Verification(count, None, None)
