"""Saving a domain section of an LAO-year: some of its fields, as one transaction.

The LAO's recorders and verifiers save a DRAFT of an open year, at the version they loaded
(`hub.services.lao_year.acting_on`); values are validated against the catalogue
(`hub.rules.validation`); fields not given keep their values. The save recomputes the
LAO-year's completeness and is logged with the fields' values before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.models import SECTION_TABLES
from hub.rules.catalogue import Domain, Field, Kind, domain
from hub.rules.certification import Action
from hub.rules.identity import Identity
from hub.rules.problems import validation_failed
from hub.rules.validation import camel, validate
from hub.services import audit
from hub.services.lao_year import columns_of, data_changed, editing, refuse_outright, stamp


@dataclass(frozen=True)
class Saved:
    lao_year_id: int
    version: int
    complete_mask: int


def section_fields(d: Domain) -> tuple[Field, ...]:
    """The domain's fields and, for each of its record tables, the "none in this area" flag."""
    flags = tuple(
        Field(
            t.none_flag, Kind.BOOL, f"ไม่มี{t.label_th}ในพื้นที่", f"No {t.label_en.lower()} in this area"
        )
        for t in d.record_tables
    )
    return tuple(d.fields) + flags


async def save_section(
    writer: AsyncEngine,
    identity: Identity,
    *,
    lao_code: str,
    fiscal_year: int,
    domain_number: int,
    values: Mapping[str, Any],
    expected_version: int,
) -> Saved:
    """Save some fields of one domain section (fields not given keep their values)."""
    d = domain(domain_number)
    fields = section_fields(d)
    refuse_outright(Action.EDIT, identity)
    cleaned, errors = validate(fields, values, prefix=camel(d.key))
    for records in d.record_tables:
        # A "none in this area" flag is a yes/no: null clears it (false), as for any field.
        if records.none_flag in cleaned and cleaned[records.none_flag] is None:
            cleaned[records.none_flag] = False
    async with writer.begin() as conn:
        t, actor = await editing(conn, identity, lao_code, fiscal_year, expected_version)
        if errors:
            raise validation_failed(errors)
        table = SECTION_TABLES[d.number]
        row = (
            (await conn.execute(select(table).where(table.c.lao_year_id == t.lao_year_id)))
            .mappings()
            .first()
        )
        columns = columns_of(fields, cleaned)
        before = {c: (row[c] if row else None) for c in columns}
        changes = {c: (before[c], v) for c, v in columns.items() if before[c] != v}
        if row is None:
            await conn.execute(
                insert(table).values(lao_year_id=t.lao_year_id, **columns, **stamp(actor))
            )
        elif changes:
            await conn.execute(
                update(table)
                .where(table.c.lao_year_id == t.lao_year_id)
                .values(**columns, **stamp(actor))
            )
        version, mask = await data_changed(conn, t)
        await audit.append(
            conn,
            actor,
            entity=table.name,
            entity_id=t.lao_year_id,
            action="save",
            changes=changes,
            lao_id=t.lao_id,
        )
        return Saved(t.lao_year_id, version, mask)
