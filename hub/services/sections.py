"""Saving a domain section of an LAO-year: some of its fields, as one transaction.

The LAO's recorders and verifiers save a DRAFT of an open year, at the version they loaded:
the section's own version, the LAO-year's, or both (`hub.services.lao_year`: a save checked
against the section's version conflicts only with a change of the same section). Values are
validated against the catalogue *of the LAO-year's fiscal year*
(`hub.rules.catalogue_years`, `hub.rules.validation`): a field that year's form does not ask
is refused by name (NOT_IN_YEAR); fields not given keep their values. The save advances the
section's version when it changes something, recomputes the LAO-year's completeness and is
logged with the fields' values before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.models import SECTION_TABLES
from hub.rules.catalogue import Domain, Field, Kind, domain
from hub.rules.catalogue_years import domain_for, not_in_year
from hub.rules.certification import Action
from hub.rules.identity import Identity
from hub.rules.problems import validation_failed
from hub.rules.validation import camel, validate
from hub.services import audit
from hub.services.lao_year import (
    check_section_version,
    columns_of,
    data_changed,
    editing,
    refuse_outright,
    require_a_version,
    stamp,
)


@dataclass(frozen=True)
class Saved:
    lao_year_id: int
    version: int  # the LAO-year's
    complete_mask: int
    section_version: int


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
    expected_version: int | None = None,
    expected_section_version: int | None = None,
) -> Saved:
    """Save some fields of one domain section (fields not given keep their values), loaded
    at `expected_section_version` and/or the LAO-year's `expected_version`."""
    every_year = domain(domain_number)
    d = domain_for(domain_number, fiscal_year)
    fields = section_fields(d)
    refuse_outright(Action.EDIT, identity)
    require_a_version(expected_version, expected_section_version)
    prefix = camel(d.key)
    errors = not_in_year(every_year.fields, values, fiscal_year, prefix=prefix)
    outside = {f.name for f in every_year.fields if not f.in_year(fiscal_year)}
    in_year = {k: v for k, v in values.items() if k not in outside}
    cleaned, invalid = validate(fields, in_year, prefix=prefix)
    errors += invalid
    for records in d.record_tables:
        # A "none in this area" flag is a yes/no: null clears it (false), as for any field.
        if records.none_flag in cleaned and cleaned[records.none_flag] is None:
            cleaned[records.none_flag] = False
    async with writer.begin() as conn:
        t, actor = await editing(conn, identity, lao_code, fiscal_year, expected_version)
        table = SECTION_TABLES[d.number]
        row = (
            (await conn.execute(select(table).where(table.c.lao_year_id == t.lao_year_id)))
            .mappings()
            .first()
        )
        current = 0 if row is None else int(row["version"])
        check_section_version(t, d.number, current, expected_section_version)
        if errors:
            raise validation_failed(errors)
        columns = columns_of(fields, cleaned)
        before = {c: (row[c] if row else None) for c in columns}
        changes = {c: (before[c], v) for c, v in columns.items() if before[c] != v}
        section_version = current
        if row is None:
            section_version = 1
            await conn.execute(
                insert(table).values(
                    lao_year_id=t.lao_year_id, version=1, **columns, **stamp(actor)
                )
            )
        elif changes:
            section_version = current + 1
            await conn.execute(
                update(table)
                .where(table.c.lao_year_id == t.lao_year_id)
                .values(version=section_version, **columns, **stamp(actor))
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
        return Saved(t.lao_year_id, version, mask, section_version)
