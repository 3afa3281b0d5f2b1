"""Operations registered in the database, and the automatic-persisted-queries (APQ) cache.

The repository's operations (`schema/operations`) are read from files; an operator adds more
at run time with `hub operations add FILE` (`add_operation`) and removes them with `hub
operations remove` (`remove_operation`); both are one transaction with an entry in the change
log. Whether a document parses, names one operation and validates against the schema is
decided by the caller (the schema layer, which knows the schema); this module stores what it
is given, refusing a name + version or a document already stored (`OperationConflict`).

The APQ cache holds documents any client registered by their SHA-256 (`remember_document`,
`cached_document`). It is a cache, not a registry, so it is not logged; it is bounded: at most
`max_entries` documents (the oldest registrations are dropped as new ones arrive), each at
most the configured length (checked by the caller before it gets here).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.models import ApqDocument, PersistedOperation
from hub.services import audit


class OperationConflict(ValueError):
    """The name + version, or the exact document, is registered already."""


@dataclass(frozen=True)
class StoredOperation:
    name: str
    version: int
    sha256: str
    kind: str
    document: str
    summary: str = ""


COMMAND_LINE = audit.Actor(name="command line")


def _stored(row: Any) -> StoredOperation:
    """A `persisted_operations` row (read on a connection: its columns) as a value."""
    return StoredOperation(
        row.name, row.version, row.sha256, row.kind, row.document, row.summary or ""
    )


async def stored_operations(engine: AsyncEngine) -> list[StoredOperation]:
    """Every operation registered in the database, by name and version."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(PersistedOperation).order_by(
                    PersistedOperation.name, PersistedOperation.version
                )
            )
        ).all()
    return [_stored(r) for r in rows]


async def stored_operation(
    engine: AsyncEngine,
    *,
    sha256: str | None = None,
    name: str | None = None,
    version: int | None = None,
) -> StoredOperation | None:
    """One registered operation, by the hash of its document or by name and version."""
    query = select(PersistedOperation)
    if sha256 is not None:
        query = query.where(PersistedOperation.sha256 == sha256)
    else:
        query = query.where(PersistedOperation.name == name, PersistedOperation.version == version)
    async with engine.connect() as conn:
        row = (await conn.execute(query)).one_or_none()
    return None if row is None else _stored(row)


async def add_operation(
    engine: AsyncEngine, operation: StoredOperation, actor: audit.Actor = COMMAND_LINE
) -> None:
    async with engine.begin() as conn:
        taken = (
            await conn.execute(
                select(PersistedOperation.name, PersistedOperation.version).where(
                    (PersistedOperation.sha256 == operation.sha256)
                    | (
                        (PersistedOperation.name == operation.name)
                        & (PersistedOperation.version == operation.version)
                    )
                )
            )
        ).first()
        if taken is not None:
            raise OperationConflict(
                f"{operation.name} version {operation.version}: already registered "
                f"(as {taken.name} version {taken.version}); bump '# version:' to change it"
            )
        await conn.execute(
            insert(PersistedOperation).values(
                name=operation.name,
                version=operation.version,
                sha256=operation.sha256,
                kind=operation.kind,
                document=operation.document,
                summary=operation.summary,
            )
        )
        await audit.append(
            conn,
            actor,
            entity="persisted_operation",
            entity_id=f"{operation.name}@{operation.version}",
            action="register",
            changes={"sha256": (None, operation.sha256), "kind": (None, operation.kind)},
        )


async def remove_operation(
    engine: AsyncEngine,
    name: str,
    version: int | None = None,
    actor: audit.Actor = COMMAND_LINE,
) -> list[int]:
    """Removes `name` (one version, or every version); returns the versions removed."""
    table: Table = PersistedOperation.__table__  # type: ignore[assignment]
    condition = table.c.name == name
    if version is not None:
        condition &= table.c.version == version
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                delete(table).where(condition).returning(table.c.version, table.c.sha256)
            )
        ).all()
        for row in rows:
            await audit.append(
                conn,
                actor,
                entity="persisted_operation",
                entity_id=f"{name}@{row.version}",
                action="remove",
                changes={"sha256": (row.sha256, None)},
            )
    return sorted(int(r.version) for r in rows)


# --- the APQ cache ---------------------------------------------------------------------


async def cached_document(engine: AsyncEngine, sha256: str) -> str | None:
    async with engine.connect() as conn:
        document = (
            await conn.execute(select(ApqDocument.document).where(ApqDocument.sha256 == sha256))
        ).scalar_one_or_none()
    return None if document is None else str(document)


async def remember_document(
    engine: AsyncEngine, sha256: str, document: str, *, max_entries: int
) -> None:
    """Keeps `document` under its hash (again: nothing changes), then drops the oldest
    registrations beyond `max_entries`. The caller has checked the hash and the length."""
    table: Table = ApqDocument.__table__  # type: ignore[assignment]
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    now = dt.datetime.now(dt.UTC)
    async with engine.begin() as conn:
        await conn.execute(
            dialect.insert(table)
            .values(sha256=sha256, document=document, registered_at=now)
            .on_conflict_do_nothing(index_elements=[table.c.sha256])
        )
        count = int((await conn.execute(select(func.count()).select_from(table))).scalar_one())
        if count > max_entries:
            oldest = (
                select(table.c.sha256)
                .order_by(table.c.registered_at, table.c.sha256)
                .limit(count - max_entries)
            )
            await conn.execute(delete(table).where(table.c.sha256.in_(oldest)))
