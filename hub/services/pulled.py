"""Delivering a batch of values pulled from another DLA system (`hub.rules.source_systems`).

One path for both faces: `deliverPulledValues` (an OAuth client of the source system, with
its scope `pulled:<system>`, or a DLA administrator sending the system's export) and the
command `hub pulled import <system> <file>` (an operator; the command line is trusted as the
database is). A delivery is

* validated against the catalogue (`check_delivery`), and here against the database: each
  LAO code exists, each LAO-year exists, its fiscal year is not closed; every problem is
  reported, each at its row, and then nothing is written (all or nothing per batch);
* idempotent: a batch is named by its system and the name the system gave it; the same batch
  again (the same content's digest) changes nothing and answers as the first time did; the
  same name with other content is refused (a corrected export is a new batch);
* logged: a header entry (`hub.services.provenance.import_entry`, kind `pulled_import`, with
  the content's SHA-256 and the values it lists) and, per LAO-year section it changed, an
  entry `pull` with each value and fetch time before and after, so `hub audit verify --state`
  explains every pulled value.

The values go to their section's columns (a section not yet started gets its row) with the
fetch time in `<field>_fetched_at`; `pulled_values` records the system, fetch time and
batch per value. Pulled fields never count for completeness, and a pull does not advance
the LAO-year's version (a clerk's form loaded before it still saves). Clerks still cannot
write them (`hub.rules.validation`: READ_ONLY). Certified years take pulled values too: the
systems own them, and the seeds say INFO shows what they hold.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db.models import (
    SECTION_TABLES,
    ChangeLogEntry,
    FiscalYear,
    Lao,
    LaoYear,
    PulledBatch,
    PulledValue,
)
from hub.rules.enums import Role
from hub.rules.identity import Identity
from hub.rules.problems import Forbidden, validation_failed
from hub.rules.source_systems import BY_CODE, CheckedRow, DeliveredRow, check_delivery
from hub.rules.validation import FieldError, api_name
from hub.services import audit
from hub.services.provenance import digest, import_entry

KIND = "pulled_import"
CHUNK = 2000  # keys per IN list: far below every driver's bind-parameter limit


@dataclass(frozen=True)
class Delivered:
    batch_id: int
    source: str
    batch: str
    digest: str
    delivered_at: dt.datetime
    values: int
    changed: int
    already_delivered: bool


def content_digest(source: str, batch: str, rows: Sequence[DeliveredRow]) -> str:
    """SHA-256 of a batch's content, independent of the rows' order."""
    canonical = sorted(
        [
            r.lao_code,
            r.fiscal_year,
            r.field.rpartition(".")[2],
            r.value,
            r.fetched_at.isoformat() if r.fetched_at else None,
        ]
        for r in rows
    )
    text = json.dumps([source, batch, canonical], ensure_ascii=False, separators=(",", ":"))
    return digest(text.encode("utf-8"))


def default_batch(data: bytes) -> str:
    """A file delivered without a batch name is named by its content: the same file is the
    same batch."""
    return "file-" + digest(data)[:16]


def may_deliver(identity: Identity, scope: str) -> bool:
    """A client of the source system (its scope), or a DLA administrator with its export."""
    if identity.is_client:
        return scope in identity.scopes
    return identity.is_dla_admin


async def deliver(
    writer: AsyncEngine,
    *,
    source: str,
    batch: str,
    rows: Sequence[DeliveredRow],
    identity: Identity | None = None,
    actor: audit.Actor | None = None,
) -> Delivered:
    """Deliver a batch (see the module docstring). An API caller passes its `identity`; the
    command passes its `actor` (`audit.command_actor`)."""
    system = BY_CODE.get(source)
    if system is None:
        names = ", ".join(BY_CODE)
        raise validation_failed(
            [
                FieldError(
                    "source",
                    "NOT_A_CHOICE",
                    f"{source}: no such source system (known: {names})",
                    f"{source}: ไม่มีระบบต้นทางนี้ (มี {names})",
                )
            ]
        )
    if identity is not None:
        if not may_deliver(identity, system.scope):
            raise Forbidden(
                f"Only {system.code}'s client (scope {system.scope}) or a DLA administrator "
                "delivers its values; LAO staff correct them in that system.",
                f"เฉพาะระบบ {system.name_th} หรือผู้ดูแลระบบของ สถ. เท่านั้นที่ส่งข้อมูลนี้ได้ "
                "อปท. แก้ไขได้ที่ระบบต้นทาง",
            )
        actor = audit.actor_of(identity, (Role.DLA_ADMIN,))
    assert actor is not None, "deliver needs the caller's identity or the command's actor"
    delivered_at = audit.now()
    checked, errors = check_delivery(system, batch, rows, delivered_at=delivered_at)
    content = content_digest(system.code, batch, rows)
    async with writer.begin() as conn:
        if not errors:
            known = (
                await conn.execute(
                    select(PulledBatch).where(
                        PulledBatch.source_system == system.code, PulledBatch.batch == batch
                    )
                )
            ).first()
            if known is not None:
                return _again(known, content)
        targets, target_errors = await _targets(conn, rows, checked)
        errors += target_errors
        if errors:
            raise validation_failed(errors)
        return await _write(conn, actor, system.code, batch, content, checked, targets)


def _again(known: Any, content: str) -> Delivered:
    if known.digest != content:
        raise validation_failed(
            [
                FieldError(
                    "batch",
                    "BATCH_CONFLICT",
                    f"batch {known.batch} of {known.source_system} was delivered on "
                    f"{known.delivered_at:%Y-%m-%d %H:%M} UTC with other content; "
                    "deliver a corrected export as a new batch",
                    f"ชุดข้อมูล {known.batch} ส่งแล้วด้วยข้อมูลอื่น ให้ส่งข้อมูลที่แก้ไขเป็นชุดใหม่",
                )
            ]
        )
    return Delivered(
        known.id,
        known.source_system,
        known.batch,
        known.digest,
        known.delivered_at,
        known.values_count,
        known.changed_count,
        already_delivered=True,
    )


async def _targets(
    conn: AsyncConnection, rows: Sequence[DeliveredRow], checked: Sequence[CheckedRow]
) -> tuple[dict[tuple[str, int], tuple[int, int]], list[FieldError]]:
    """(LAO code, year) → (lao_year id, lao id) for every row; an error per row whose LAO,
    LAO-year or open year is missing."""
    codes = sorted({r.lao_code for r in rows})
    laos = {
        r.code: r.id
        for r in await conn.execute(select(Lao.code, Lao.id).where(Lao.code.in_(codes)))
    }
    years = sorted({r.fiscal_year for r in rows})
    closed = {
        r.year_be: r.closed_at is not None
        for r in await conn.execute(
            select(FiscalYear.year_be, FiscalYear.closed_at).where(FiscalYear.year_be.in_(years))
        )
    }
    pairs = sorted({(laos[r.lao_code], r.fiscal_year) for r in rows if r.lao_code in laos})
    found: dict[tuple[int, int], int] = {}
    for start in range(0, len(pairs), CHUNK):
        chunk = pairs[start : start + CHUNK]
        for y in await conn.execute(
            select(LaoYear.lao_id, LaoYear.fiscal_year, LaoYear.id).where(
                tuple_(LaoYear.lao_id, LaoYear.fiscal_year).in_(chunk)
            )
        ):
            found[(y.lao_id, y.fiscal_year)] = y.id
    targets: dict[tuple[str, int], tuple[int, int]] = {}
    errors = []
    for i, r in enumerate(rows):
        at = f"values[{i}]"
        if r.lao_code not in laos:
            errors.append(
                FieldError(
                    f"{at}.laoCode",
                    "NOT_FOUND",
                    f"there is no LAO {r.lao_code}",
                    f"ไม่พบ อปท. รหัส {r.lao_code}",
                )
            )
        elif r.fiscal_year not in closed or (laos[r.lao_code], r.fiscal_year) not in found:
            errors.append(
                FieldError(
                    f"{at}.fiscalYear",
                    "NOT_FOUND",
                    f"LAO {r.lao_code} has no fiscal year {r.fiscal_year}",
                    f"อปท. รหัส {r.lao_code} ไม่มีข้อมูลปีงบประมาณ {r.fiscal_year}",
                )
            )
        elif closed[r.fiscal_year]:
            errors.append(
                FieldError(
                    f"{at}.fiscalYear",
                    "YEAR_CLOSED",
                    f"fiscal year {r.fiscal_year} is closed: its values stay as they were",
                    f"ปีงบประมาณ {r.fiscal_year} ปิดแล้ว",
                )
            )
        else:
            lao_id = laos[r.lao_code]
            targets[(r.lao_code, r.fiscal_year)] = (found[(lao_id, r.fiscal_year)], lao_id)
    del checked  # the rows' fields were checked already; only their places are looked up here
    return targets, errors


async def _write(
    conn: AsyncConnection,
    actor: audit.Actor,
    source: str,
    batch: str,
    content: str,
    checked: Sequence[CheckedRow],
    targets: dict[tuple[str, int], tuple[int, int]],
) -> Delivered:
    stamp = audit.now()
    # Per LAO-year section: the values to set.
    sections: dict[tuple[int, int], dict[str, Any]] = defaultdict(dict)
    lao_of: dict[int, int] = {}
    for r in checked:
        lao_year_id, lao_id = targets[(r.lao_code, r.fiscal_year)]
        lao_of[lao_year_id] = lao_id
        assert r.field.fetched_at_column is not None
        values = sections[(r.domain.number, lao_year_id)]
        values[r.field.column] = r.value
        values[r.field.fetched_at_column] = r.fetched_at
    entries: list[audit.Entry] = []
    changed = 0
    by_domain: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for (number, lao_year_id), values in sections.items():
        by_domain[number][lao_year_id] = values
    # Per domain table, a few statements whatever the batch's size: the current values read
    # in chunks, new rows inserted and changed ones updated in executemany groups.
    for number, wanted in sorted(by_domain.items()):
        table = SECTION_TABLES[number]
        columns = sorted({c for values in wanted.values() for c in values})
        ids = sorted(wanted)
        current: dict[int, Any] = {}
        for first in range(0, len(ids), CHUNK):
            statement = select(table.c.lao_year_id, *[table.c[c] for c in columns]).where(
                table.c.lao_year_id.in_(ids[first : first + CHUNK])
            )
            for found in (await conn.execute(statement)).mappings():
                current[found["lao_year_id"]] = found
        inserts: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for lao_year_id in ids:
            values, row = wanted[lao_year_id], current.get(lao_year_id)
            before = {c: (row[c] if row is not None else None) for c in values}
            changes = {c: (before[c], v) for c, v in values.items() if before[c] != v}
            if row is None:
                inserts[tuple(sorted(values))].append({"lao_year_id": lao_year_id, **values})
            elif changes:
                updates[tuple(sorted(changes))].append(
                    {"target": lao_year_id, **{f"new_{c}": v for c, (_, v) in changes.items()}}
                )
            if changes:
                changed += len({c.removesuffix("_fetched_at") for c in changes})
                entries.append(
                    audit.Entry(
                        table.name,
                        lao_year_id,
                        "pull",
                        changes,
                        lao_id=lao_of[lao_year_id],
                        reason=f"{source} batch {batch}",
                    )
                )
        for rows in inserts.values():
            await conn.execute(insert(table), rows)
        for changed_columns, rows in updates.items():
            setting = (
                update(table)
                .where(table.c.lao_year_id == bindparam("target"))
                .values({c: bindparam(f"new_{c}") for c in changed_columns})
            )
            await conn.execute(setting, rows)
    header = import_entry(
        KIND,
        source=f"{source}:{batch}",
        content_digest=content,
        rows={"pulled_values": len(checked), "changed": changed},
        keys=[f"{r.lao_code}:{r.fiscal_year}:{api_name(r.field)}" for r in checked],
        reason=f"values pulled from {source}, batch {batch}",
    )
    header_hash = await audit.append_many(conn, actor, [header], at=stamp)
    header_id = (
        await conn.execute(select(ChangeLogEntry.id).where(ChangeLogEntry.hash == header_hash))
    ).scalar_one()
    await audit.append_many(conn, actor, entries, at=stamp)
    batch_id = (
        await conn.execute(
            insert(PulledBatch)
            .values(
                source_system=source,
                batch=batch,
                digest=content,
                delivered_at=stamp,
                values_count=len(checked),
                changed_count=changed,
                actor_user_id=actor.user_id,
                actor_client_id=actor.client_id,
                actor_name=audit.named(actor) or actor.name,
                log_entry_id=header_id,
            )
            .returning(PulledBatch.id)
        )
    ).scalar_one()
    keys = [(targets[(r.lao_code, r.fiscal_year)][0], r.field.name) for r in checked]
    for start in range(0, len(keys), CHUNK):
        await conn.execute(
            delete(PulledValue).where(
                tuple_(PulledValue.lao_year_id, PulledValue.field).in_(keys[start : start + CHUNK])
            )
        )
    await conn.execute(
        insert(PulledValue),
        [
            {
                "lao_year_id": targets[(r.lao_code, r.fiscal_year)][0],
                "field": r.field.name,
                "source_system": source,
                "fetched_at": r.fetched_at,
                "batch_id": batch_id,
            }
            for r in checked
        ],
    )
    return Delivered(batch_id, source, batch, content, stamp, len(checked), changed, False)
