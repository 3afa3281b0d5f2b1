"""The change log: append-only, each entry chained by SHA-256 to the one before it in its chain.

`append` must run inside the writing transaction, so a change and its log entry commit or
roll back together. Every service names its actor with `actor_of`: the caller, and the role
that allowed the action (the services decide it, never their callers). An entry names its actor by row id (`actor_user_id`, `actor_client_id`)
or, for a caller of an external identity provider, by subject and issuer (`actor_subject`,
`actor_issuer`); the hash covers both (the latter only when set, so entries written before
they existed keep their hashes).

Chains: an entry about an LAO (`lao_id` set) goes to that LAO's chain ("lao:<id>"), any other
to the global chain (""). Each chain has its head in `hub_meta` (its last `seq` and hash),
and appends lock only the heads of their own chains (a row lock on PostgreSQL; SQLite's one
writer holds the database anyway), in key order, so the country's clerks no longer queue
behind one row in the deadline week: before, every save in the country waited for the one
global head, held to its commit. Within a chain `seq` is gapless, so a deleted, inserted or
edited entry breaks its chain at that point, and `verify` names the first entry that no
longer fits; a chain cut short at its end no longer reaches its head. Entry ids come from
the table's sequence: unique and increasing, not gapless, and no longer in commit order
across chains (the changes feeds page by transaction id, `hub.db.change_feed`). Entries
written before chains stay in the global chain at `seq` = id, hashed in their first format.
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

from sqlalchemy import Table, bindparam, func, insert, or_, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db.models import ChangeLogEntry, HubMeta
from hub.rules.enums import Role
from hub.rules.identity import Identity, RoleGrant
from hub.rules.permissions import LaoPlace

GENESIS = "0" * 64
HEAD_KEY = "change_log_head"  # the global chain's head; an LAO's is HEAD_KEY + ":lao:<id>"
GLOBAL_CHAIN = ""
HASH_FORMAT = 2  # the hash covers `chain` and `seq` (1: entries written before chains)
# Anchors: entries of the global chain recording LAO chains' heads (`anchor`), and where the
# last anchor left each LAO chain (hub_meta, JSON {chain: seq}).
ANCHOR_ENTITY, ANCHOR_ACTION = "change_log", "anchor"
ANCHORED_KEY = "change_log_anchored"
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
    """SHA-256 over the canonical form of an entry (its id and prev_hash included, and since
    chains its chain and place in it)."""
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
    if (row.get("hash_format") or 1) >= 2:  # an entry cannot be moved within or across chains
        payload["chain"] = row["chain"]
        payload["seq"] = row["seq"]
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chain_of(lao_id: int | None) -> str:
    """The chain of an entry about the LAO `lao_id` (None: the global chain)."""
    return GLOBAL_CHAIN if lao_id is None else f"lao:{lao_id}"


def head_key(chain: str) -> str:
    """Where `chain`'s head lies in `hub_meta`."""
    return HEAD_KEY if chain == GLOBAL_CHAIN else f"{HEAD_KEY}:{chain}"


def chain_named(key: str) -> str:
    """The chain whose head lies under `key` (`head_key`'s inverse)."""
    return GLOBAL_CHAIN if key == HEAD_KEY else key.removeprefix(f"{HEAD_KEY}:")


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
    return _parsed(value)


def _parsed(head: str) -> tuple[int, str]:
    """A chain head as `hub_meta` holds it ("<last seq> <last hash>")."""
    last_seq, last_hash = head.split()
    return int(last_seq), last_hash


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
    actor: Actor,
    entry: Entry,
    entry_id: int,
    place: tuple[str, int],
    prev_hash: str,
    at: dt.datetime,
) -> dict[str, Any]:
    chain, seq = place
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
        "chain": chain,
        "seq": seq,
        "hash_format": HASH_FORMAT,
    }
    row["hash"] = entry_hash(row)
    return row


HEADS_AT_ONCE = 5000  # heads locked by one statement (a bulk import reaches every LAO)


async def lock_heads(conn: AsyncConnection, chains: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Each chain's head (last seq, last hash) under a lock held until the transaction ends,
    taken in key order (two appenders reaching the same chains cannot deadlock), the heads
    of new chains created. One statement for the usual single chain once its head exists."""
    if len(chains) == 1:
        return {chains[0]: await lock_head(conn, head_key(chains[0]))}
    keys = sorted({head_key(c) for c in chains})
    values: dict[str, str] = {}
    postgres = conn.dialect.name == "postgresql"
    for start in range(0, len(keys), HEADS_AT_ONCE):
        part = keys[start : start + HEADS_AT_ONCE]
        statement = select(HubMeta.key, HubMeta.value).where(HubMeta.key.in_(part))
        if postgres:
            statement = statement.order_by(HubMeta.key).with_for_update()
        values.update((await conn.execute(statement)).all())
        new = [k for k in part if k not in values]
        if new:
            if postgres:
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                # Concurrent first appends: one creates a head, the others wait on its lock.
                await conn.execute(
                    pg_insert(HubMeta).on_conflict_do_nothing(),
                    [{"key": k, "value": f"0 {GENESIS}"} for k in new],
                )
                again = statement.where(HubMeta.key.in_(new))
                values.update((await conn.execute(again)).all())
            else:
                await conn.execute(
                    insert(HubMeta), [{"key": k, "value": f"0 {GENESIS}"} for k in new]
                )
                values.update((k, f"0 {GENESIS}") for k in new)
    return {chain_named(key): _parsed(value) for key, value in values.items()}


async def _new_ids(conn: AsyncConnection, n: int) -> list[int]:
    """`n` new entry ids, increasing: from the table's sequence on PostgreSQL (concurrent
    appenders of other chains take their own); after the largest on SQLite, whose one
    writer holds the database."""
    if conn.dialect.name == "postgresql":
        taken = await conn.execute(
            select(func.nextval(func.pg_get_serial_sequence("change_log", "id"))).select_from(
                func.generate_series(1, n)
            )
        )
        return sorted(int(i) for i in taken.scalars())
    last = (await conn.execute(select(func.max(_log.c.id)))).scalar_one() or 0
    return list(range(last + 1, last + 1 + n))


async def _move_heads(conn: AsyncConnection, heads: Mapping[str, tuple[int, str]]) -> None:
    statement = (
        update(HubMeta).where(HubMeta.key == bindparam("head")).values(value=bindparam("moved"))
    )
    await conn.execute(
        statement,
        [{"head": head_key(c), "moved": f"{seq} {h}"} for c, (seq, h) in heads.items()],
    )


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
    """Append one entry in the caller's transaction (to its LAO's chain, or the global
    one); returns its hash."""
    entry = Entry(entity, entity_id, action, changes, lao_id, reason)
    return await append_many(conn, actor, [entry], at=at)


async def append_many(
    conn: AsyncConnection,
    actor: Actor,
    entries: Sequence[Entry],
    *,
    at: dt.datetime | None = None,
) -> str:
    """Append `entries`, in order, in the caller's transaction: the heads of their chains are
    locked and moved once each, the entries inserted in one batch (a bulk import logs
    thousands of records). Each entry is chained exactly as `append` chains one. Returns
    the last entry's hash (no entries: the global chain's head)."""
    if not entries:
        return (await lock_head(conn))[1]
    chains = [chain_of(e.lao_id) for e in entries]
    heads = await lock_heads(conn, sorted(set(chains)))
    ids = await _new_ids(conn, len(entries))
    moment = at or now()
    rows = []
    for entry, chain, entry_id in zip(entries, chains, ids, strict=True):
        seq, prev_hash = heads[chain]
        row = _row(actor, entry, entry_id, (chain, seq + 1), prev_hash, moment)
        heads[chain] = (seq + 1, str(row["hash"]))
        rows.append(row)
    await conn.execute(insert(_log), rows)
    await _move_heads(conn, heads)
    return str(rows[-1]["hash"])


class Chain:
    """Chains entries one by one for a caller that inserts them itself, in bulk, in its own
    transaction (the demo load streams its rows while generating them): `start` locks the
    log against other appenders and reads every chain's head, `row` returns each next row
    (the `change_log` table's columns), `finish` moves the heads past the rows, which the
    caller must have inserted by then."""

    def __init__(
        self, actor: Actor, heads: dict[str, tuple[int, str]], last_id: int, at: dt.datetime
    ) -> None:
        self.actor, self.heads, self.last_id, self.at = actor, heads, last_id, at
        self.moved: set[str] = set()

    @classmethod
    async def start(
        cls, conn: AsyncConnection, actor: Actor, at: dt.datetime | None = None
    ) -> Chain:
        if conn.dialect.name == "postgresql":
            # The ids are written here, not drawn one by one: no other appender may draw
            # one meanwhile (they wait for this transaction; readers do not).
            await conn.execute(text("LOCK TABLE change_log IN SHARE ROW EXCLUSIVE MODE"))
        heads = await _chain_heads(conn)
        last_id = (await conn.execute(select(func.max(_log.c.id)))).scalar_one() or 0
        return cls(actor, heads, last_id, at or now())

    def row(self, entry: Entry) -> dict[str, Any]:
        chain = chain_of(entry.lao_id)
        seq, prev_hash = self.heads.get(chain, (0, GENESIS))
        self.last_id += 1
        row = _row(self.actor, entry, self.last_id, (chain, seq + 1), prev_hash, self.at)
        self.heads[chain] = (seq + 1, str(row["hash"]))
        self.moved.add(chain)
        return row

    async def finish(self, conn: AsyncConnection) -> None:
        if not self.moved:
            return
        rows = [
            {"key": head_key(c), "value": f"{self.heads[c][0]} {self.heads[c][1]}"}
            for c in sorted(self.moved)
        ]
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        statement = upsert(HubMeta)
        statement = statement.on_conflict_do_update(
            index_elements=[HubMeta.key], set_={"value": statement.excluded.value}
        )
        await conn.execute(statement, rows)
        if conn.dialect.name == "postgresql":
            await conn.execute(
                select(
                    func.setval(
                        func.pg_get_serial_sequence("change_log", "id"), self.last_id + 1, False
                    )
                )
            )


async def _chain_heads(conn: AsyncConnection) -> dict[str, tuple[int, str]]:
    """Every chain's head as committed now (no lock: a head is a position its chain keeps)."""
    statement = select(HubMeta.key, HubMeta.value).where(
        or_(HubMeta.key == HEAD_KEY, HubMeta.key.startswith(f"{HEAD_KEY}:", autoescape=True))
    )
    return {
        chain_named(key): _parsed(value) for key, value in (await conn.execute(statement)).all()
    }


async def global_head(conn: AsyncConnection) -> tuple[int, str]:
    """The global chain's head (seq, hash) as committed now: what to keep a copy of."""
    return (await _chain_heads(conn)).get(GLOBAL_CHAIN, (0, GENESIS))


async def anchor(conn: AsyncConnection, actor: Actor) -> int:
    """Record in the global chain the head (seq and hash) of every LAO chain that moved since
    the last anchor, as one entry; returns how many (0: none moved, nothing written).

    So the global chain's head commits to every chain: a chain deleted whole, or cut short
    with its head moved back, no longer holds the position an anchor recorded, and `verify`
    says so. Anchors are serialised on the global head; run `hub audit anchor` regularly
    (hourly, say) and keep a copy of the global head it prints somewhere else."""
    await lock_head(conn)  # one anchor at a time; its entry is appended under this lock
    marks = (
        await conn.execute(select(HubMeta.value).where(HubMeta.key == ANCHORED_KEY))
    ).scalar_one_or_none()
    anchored: dict[str, int] = json.loads(marks) if marks else {}
    heads = await _chain_heads(conn)
    moved = {
        chain: head
        for chain, head in sorted(heads.items())
        if chain != GLOBAL_CHAIN and head[0] > 0 and anchored.get(chain) != head[0]
    }
    if not moved:
        return 0
    changes = {c: (anchored.get(c), f"{seq} {h}") for c, (seq, h) in moved.items()}
    await append_many(conn, actor, [Entry(ANCHOR_ENTITY, ANCHOR_ACTION, ANCHOR_ACTION, changes)])
    anchored.update({c: seq for c, (seq, _) in moved.items()})
    value = json.dumps(anchored, sort_keys=True, separators=(",", ":"))
    if marks is None:
        await conn.execute(insert(HubMeta).values(key=ANCHORED_KEY, value=value))
    else:
        await conn.execute(update(HubMeta).where(HubMeta.key == ANCHORED_KEY).values(value=value))
    return len(moved)


@dataclass(frozen=True)
class Verification:
    entries: int
    broken_at: int | None  # id of the first entry that does not fit the chain
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _named(chain: str) -> str:
    return "the global chain" if chain == GLOBAL_CHAIN else f"chain {chain}"


async def _anchors(conn: AsyncConnection) -> dict[str, dict[int, tuple[str, int]]]:
    """What the global chain's anchors recorded: chain -> seq -> (hash, the anchor's id).
    (The anchors' own hashes are checked with the rest of the global chain.)"""
    rows = await conn.execute(
        select(_log.c.id, _log.c.changes_json).where(
            _log.c.entity == ANCHOR_ENTITY,
            _log.c.entity_id == ANCHOR_ACTION,
            _log.c.action == ANCHOR_ACTION,
            _log.c.chain == GLOBAL_CHAIN,
        )
    )
    claims: dict[str, dict[int, tuple[str, int]]] = {}
    for anchor_id, changes_json in rows.all():
        for chain, (_, head) in json.loads(changes_json).items():
            seq, head_hash = str(head).split()
            claims.setdefault(chain, {})[int(seq)] = (head_hash, anchor_id)
    return claims


async def verify(engine: AsyncEngine, batch: int = 5000) -> Verification:
    """Recompute every chain of the change log, in (chain, seq) order; report the first entry
    that does not fit its chain (missing, out of chain, edited), a chain that does not reach
    its head (cut short at its end) or has entries and no head, or one that no longer holds
    what an anchor recorded of it (rewritten, cut short or deleted whole with its head)."""
    count = 0
    async with engine.connect() as conn:
        heads = await _chain_heads(conn)
        claims = await _anchors(conn)

        def ended(chain: str, seq: int, last_hash: str, last_id: int) -> Verification | None:
            head = heads.pop(chain, None)
            anchored = claims.pop(chain, {})
            if head is None or head[1] != last_hash:
                if chain == GLOBAL_CHAIN:
                    return Verification(
                        count,
                        last_id + 1,
                        f"the chain ends early: the head says {head[0] if head else 0} entries",
                    )
                says = "no head" if head is None else f"its head says {head[0]} entries"
                return Verification(
                    count, last_id, f"{_named(chain)} ends at entry {seq}, but {says}"
                )
            beyond = [s for s in anchored if s > seq]
            if beyond:
                _, anchor_id = anchored[max(beyond)]
                return Verification(
                    count,
                    last_id,
                    f"{_named(chain)} ends at entry {seq}, but global entry {anchor_id} "
                    f"anchored it at entry {max(beyond)}",
                )
            return None

        chain: str | None = None
        expected_prev, expected_seq, last_id = GENESIS, 1, 0
        after: tuple[str, int] | None = None
        while True:
            page = select(_log).order_by(_log.c.chain, _log.c.seq).limit(batch)
            if after is not None:
                page = page.where(tuple_(_log.c.chain, _log.c.seq) > after)
            rows = (await conn.execute(page)).mappings().all()
            if not rows:
                break
            for row in rows:
                if row["chain"] != chain:
                    if chain is not None and (
                        broken := ended(chain, expected_seq - 1, expected_prev, last_id)
                    ):
                        return broken
                    chain, expected_prev, expected_seq = row["chain"], GENESIS, 1
                where = "" if row["chain"] == GLOBAL_CHAIN else f" of {_named(row['chain'])}"
                if row["seq"] != expected_seq:
                    return Verification(count, row["id"], f"entry {expected_seq}{where} is missing")
                if row["prev_hash"] != expected_prev:
                    return Verification(
                        count, row["id"], "its prev_hash does not match the entry before it"
                    )
                if entry_hash(dict(row)) != row["hash"]:
                    return Verification(
                        count, row["id"], "its content does not match its hash (edited)"
                    )
                claim = claims.get(row["chain"], {}).get(row["seq"])
                if claim is not None and claim[0] != row["hash"]:
                    return Verification(
                        count,
                        row["id"],
                        f"global entry {claim[1]} anchored another entry {row['seq']}{where} "
                        "(the chain was rewritten)",
                    )
                expected_prev, expected_seq, last_id = row["hash"], expected_seq + 1, row["id"]
                count += 1
            after = (rows[-1]["chain"], rows[-1]["seq"])
        if chain is not None and (broken := ended(chain, expected_seq - 1, expected_prev, last_id)):
            return broken
    # Chains with no entry left: deleted whole (an anchor, or a head left behind, says so).
    for lost, anchored in sorted(claims.items()):
        top = max(anchored)
        return Verification(
            count,
            anchored[top][1],
            f"{_named(lost)} has no entries, but global entry {anchored[top][1]} anchored it "
            f"at entry {top}",
        )
    for lost, (seq, _) in sorted(heads.items()):
        if seq > 0:
            return Verification(
                count,
                last_id + 1 if lost == GLOBAL_CHAIN else 0,
                f"{_named(lost)} has no entries, but its head says {seq}"
                if lost != GLOBAL_CHAIN
                else f"the chain ends early: the head says {seq} entries",
            )
    return Verification(count, None, None)


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
