"""Provenance: how imports are logged, and where one stored value came from.

Every write of a domain value is in the change log (`hub.services.audit`), in one shape:
an entry whose `entity` is the section's table, `entity_id` the LAO-year's id and `changes`
`{column: [before, after]}`. A clerk's save (`hub.services.sections`), a value pulled from
another system (`hub.services.pulled`, action `pull`) and a bulk load (`section_entries`,
action `import`) all write it; opening a year from the previous one's data is one entry
(`fiscal_years`, `open`, `copied_from`) that stands for the copy. `hub audit verify --state`
(`hub.services.state_replay`) replays exactly these entries.

An import also writes one header entry (`import_entry`): `entity` "imports", its kind as
the action (`demo_load`, `geography_load`, `kpi16_import`, `pulled_import`), and in
`changes` its source, the SHA-256 of what it read, and which rows it wrote (counts per
table, and the keys where they are few enough to list). The actor is whoever ran it: a
person or client of the API, or, for a command, the operating-system account
(`audit.command_actor`).

`value_history` answers `Query.provenance`: the entries that set one field of one
LAO-year, oldest first, following a copied year back to the year it was copied from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.models import SECTION_TABLES, ApiClient, ChangeLogEntry, LaoYear, User
from hub.rules.catalogue import Domain, Field
from hub.rules.enums import Role
from hub.services import audit
from hub.services.sections import section_fields

IMPORTS = "imports"
LISTED_KEYS = 1000  # keys an import entry lists; beyond, their count and digest say enough


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def value_columns(d: Domain) -> tuple[str, ...]:
    """The columns of a section that hold values (not its bookkeeping): each field, each
    "none in this area" flag, and each pulled field's fetch time."""
    columns = [f.column for f in section_fields(d)]
    columns += [f.fetched_at_column for f in d.fields if f.fetched_at_column]
    return tuple(columns)


def import_entry(
    kind: str,
    *,
    source: str,
    content_digest: str,
    rows: Mapping[str, int],
    keys: Sequence[str] = (),
    reason: str | None = None,
) -> audit.Entry:
    """The header entry of an import (see the module docstring)."""
    listed = list(keys)
    changes: dict[str, tuple[Any, Any]] = {
        "source": (None, source),
        "digest": (None, content_digest),
        "rows": (None, dict(rows)),
    }
    if listed:
        changes["keys"] = (None, listed[:LISTED_KEYS])
        if len(listed) > LISTED_KEYS:
            joined = "\n".join(listed).encode("utf-8")
            changes["keys_digest"] = (None, digest(joined))
    return audit.Entry(IMPORTS, f"{kind}:{content_digest[:16]}", kind, changes, reason=reason)


async def log_import(conn: AsyncConnection, actor: audit.Actor, entry: audit.Entry) -> str:
    return await audit.append_many(conn, actor, [entry])


def section_entries(
    number: int, rows: Iterable[Mapping[str, Any]], lao_ids: Mapping[int, int], reason: str
) -> Iterable[audit.Entry]:
    """The `import` entries of bulk-loaded section rows: one per row, its values as set."""
    from hub.rules.catalogue import domain

    table = SECTION_TABLES[number].name
    columns = value_columns(domain(number))
    for row in rows:
        changes = {c: (None, row[c]) for c in columns if row.get(c) is not None}
        yield audit.Entry(
            table,
            row["lao_year_id"],
            "import",
            changes,
            lao_id=lao_ids.get(row["lao_year_id"]),
            reason=reason,
        )


# --- one value's history ------------------------------------------------------------------


@dataclass(frozen=True)
class ValueChange:
    """One entry that set the value (or the year it was copied from)."""

    entry_id: int
    entry_hash: str
    at: dt.datetime
    action: str  # save, import, pull, copy
    fiscal_year: int  # the year whose value it set (an earlier one for a copy's origin)
    before: Any
    after: Any
    fetched_at: Any  # for a pulled value, when its source fetched it
    reason: str | None
    actor_role: Role | None
    actor_user_id: int | None
    actor_client_id: int | None
    actor_display_name: str | None
    actor_client_name: str | None
    actor_subject: str | None
    actor_issuer: str | None
    source: str | None = None  # an import's source (its header entry), a pull's system and batch
    source_digest: str | None = None  # the SHA-256 of what the import read


async def value_history(
    conn: AsyncConnection, lao_year_id: int, d: Domain, f: Field
) -> list[ValueChange]:
    """Every logged change of one field of one LAO-year, oldest first; a year opened from the
    previous year's data continues that year's history (its `copy` entry between)."""
    table = SECTION_TABLES[d.number].name
    year = (
        await conn.execute(
            select(LaoYear.lao_id, LaoYear.fiscal_year).where(LaoYear.id == lao_year_id)
        )
    ).one()
    years = {
        r.fiscal_year: r.id
        for r in await conn.execute(
            select(LaoYear.id, LaoYear.fiscal_year).where(LaoYear.lao_id == year.lao_id)
        )
    }
    by_id = {v: k for k, v in years.items()}
    log = ChangeLogEntry.__table__.c
    rows = (
        await conn.execute(
            select(
                *ChangeLogEntry.__table__.c,
                User.display_name.label("actor_display_name"),
                ApiClient.client_id.label("actor_client_name"),
            )
            .outerjoin(User, User.id == log.actor_user_id)
            .outerjoin(ApiClient, ApiClient.id == log.actor_client_id)
            .where(
                or_(
                    and_(
                        log.entity == table,
                        log.entity_id.in_([str(i) for i in years.values()]),
                    ),
                    and_(
                        log.entity == "fiscal_years",
                        log.entity_id.in_([str(y) for y in years]),
                        log.action == "open",
                    ),
                )
            )
            .order_by(log.id)
        )
    ).all()
    # Walk back from the asked year: its own entries, and if it was copied, the year it was
    # copied from up to the copy.
    wanted: list[ValueChange] = []
    current, until = year.fiscal_year, None
    while current is not None:
        ly = years[current]
        copied_from = None
        for r in reversed(rows):
            if until is not None and r.id > until:
                continue
            changes = json.loads(r.changes_json)
            if r.entity == "fiscal_years":
                if int(r.entity_id) == current and changes.get("copied_from", [None, None])[1]:
                    copied_from = (int(changes["copied_from"][1]), r)
                continue
            if int(r.entity_id) != ly or f.column not in changes:
                continue
            before, after = changes[f.column]
            fetched = changes.get(f.fetched_at_column or "", [None, None])[1]
            wanted.append(_change(r, r.action, by_id[ly], before, after, fetched))
        if copied_from is None or copied_from[0] not in years:
            break
        previous, entry = copied_from
        wanted.append(_change(entry, "copy", current, None, None, None))
        current, until = previous, entry.id
    return await _with_sources(conn, list(reversed(wanted)))


async def _with_sources(conn: AsyncConnection, changes: list[ValueChange]) -> list[ValueChange]:
    """Each import's source and digest, from its header entry (named by the value entries'
    reason), in one statement; a pull's source is its system and batch."""
    ids = {c.reason for c in changes if c.action == "import" and c.reason}
    headers: dict[str, tuple[Any, Any]] = {}
    if ids:
        log = ChangeLogEntry.__table__.c
        for r in await conn.execute(
            select(log.entity_id, log.changes_json).where(
                log.entity == IMPORTS, log.entity_id.in_(sorted(ids))
            )
        ):
            logged = json.loads(r.changes_json)
            headers[r.entity_id] = (logged["source"][1], logged["digest"][1])
    sourced = []
    for c in changes:
        if c.action == "import" and c.reason in headers:
            source, content = headers[c.reason]
            c = dataclasses.replace(c, source=source, source_digest=content)
        elif c.action == "pull":
            c = dataclasses.replace(c, source=c.reason)
        sourced.append(c)
    return sourced


def _change(
    r: Any, action: str, fiscal_year: int, before: Any, after: Any, fetched: Any
) -> ValueChange:
    return ValueChange(
        entry_id=r.id,
        entry_hash=r.hash,
        at=r.at,
        action=action,
        fiscal_year=fiscal_year,
        before=before,
        after=after,
        fetched_at=fetched,
        reason=r.reason,
        actor_role=r.actor_role,
        actor_user_id=r.actor_user_id,
        actor_client_id=r.actor_client_id,
        actor_display_name=r.actor_display_name,
        actor_client_name=r.actor_client_name,
        actor_subject=r.actor_subject,
        actor_issuer=r.actor_issuer,
    )
