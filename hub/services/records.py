"""Adding, updating and retiring the records of an LAO-year (water-supply systems, tourist
sites), one transaction each.

Records follow the sections' rules (`hub.services.sections`: the LAO's recorders and
verifiers, a DRAFT of an open year, the LAO-year's version they loaded) and carry a version
of their own. A new record needs its required fields; a village is given by its number
within the LAO's subdistrict; a retired record is kept, with its date and reason. Every
change recomputes the LAO-year's completeness (a table with a live record is complete).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db.models import RECORD_TABLES, Village
from hub.rules.catalogue import RECORD_TABLE_BY_NAME, Field, Kind
from hub.rules.certification import Action
from hub.rules.identity import Identity
from hub.rules.problems import ReasonRequired, VersionConflict, not_found, validation_failed
from hub.rules.validation import FieldError, api_name, camel, require, validate
from hub.services import audit
from hub.services.lao_year import columns_of, data_changed, editing, refuse_outright, stamp


@dataclass(frozen=True)
class RecordSaved:
    record_id: int
    record_key: str
    record_version: int
    lao_year_version: int
    complete_mask: int


async def _village_ids(
    conn: AsyncConnection,
    subdistrict_id: int,
    fields: Sequence[Field],
    values: dict[str, Any],
    prefix: str,
) -> list[FieldError]:
    """Village fields arrive as village numbers of the LAO's subdistrict; store their ids."""
    errors = []
    for f in fields:
        if f.kind is not Kind.VILLAGE or values.get(f.name) is None:
            continue
        number = values[f.name]
        village_id = (
            await conn.execute(
                select(Village.id).where(
                    Village.subdistrict_id == subdistrict_id, Village.number == number
                )
            )
        ).scalar_one_or_none()
        if village_id is None:
            errors.append(
                FieldError(
                    f"{prefix}.{api_name(f)}",
                    "NOT_A_CHOICE",
                    f"{f.label_en} ({f.label_th}): there is no village number {number} in the LAO's subdistrict",
                    f"{f.label_th}: ไม่มีหมู่ที่ {number} ในตำบลที่ตั้งของ อปท.",
                )
            )
        else:
            values[f.name] = village_id
    return errors


async def save_record(
    writer: AsyncEngine,
    identity: Identity,
    *,
    table_name: str,
    lao_code: str,
    fiscal_year: int,
    values: Mapping[str, Any],
    expected_lao_year_version: int,
    record_id: int | None = None,
    expected_record_version: int | None = None,
    retire_reason: str | None = None,
) -> RecordSaved:
    """Add a record (record_id None), update one, or retire one (retire_reason given)."""
    refuse_outright(Action.EDIT, identity)
    spec = RECORD_TABLE_BY_NAME[table_name]
    prefix = camel(spec.type_name[0].lower() + spec.type_name[1:])
    cleaned, errors = validate(spec.fields, values, prefix=prefix)
    if record_id is None and retire_reason is None:
        errors += require(
            spec.fields,
            {**cleaned, **{k: v for k, v in values.items() if k not in cleaned}},
            prefix=prefix,
        )
    table = RECORD_TABLES[table_name]
    async with writer.begin() as conn:
        t, actor = await editing(conn, identity, lao_code, fiscal_year, expected_lao_year_version)
        errors += await _village_ids(conn, t.subdistrict_id, spec.fields, cleaned, prefix)
        if errors:
            raise validation_failed(errors)
        columns = columns_of(spec.fields, cleaned)
        if record_id is None:
            key = str(uuid.uuid4())
            result = await conn.execute(
                insert(table)
                .values(
                    lao_year_id=t.lao_year_id, record_key=key, version=1, **columns, **stamp(actor)
                )
                .returning(table.c.id)
            )
            new_id = result.scalar_one()
            changes = {c: (None, v) for c, v in columns.items()}
            action, new_version = "add", 1
        else:
            row = (
                (
                    await conn.execute(
                        select(table).where(
                            table.c.id == record_id, table.c.lao_year_id == t.lao_year_id
                        )
                    )
                )
                .mappings()
                .first()
            )
            if row is None or row["retired_on"] is not None:
                raise not_found(
                    f"{spec.label_en} record {record_id}", f"{spec.label_th} รายการที่ {record_id}"
                )
            if expected_record_version is not None and expected_record_version != row["version"]:
                raise VersionConflict(
                    f"This record changed since you loaded it (version {expected_record_version}, now {row['version']}).",
                    f"รายการนี้ถูกแก้ไขไปแล้ว (ฉบับที่ {expected_record_version} ปัจจุบันคือ {row['version']})",
                    current_version=row["version"],
                )
            if retire_reason is not None:
                if not retire_reason.strip():
                    raise ReasonRequired("A reason is required to retire a record.", "ต้องระบุเหตุผล")
                columns = {
                    "retired_on": audit.now().date(),
                    "retired_reason": retire_reason.strip(),
                }
                action = "retire"
            else:
                action = "update"
            changes = {c: (row[c], v) for c, v in columns.items() if row[c] != v}
            result = await conn.execute(
                update(table)
                .where(table.c.id == record_id, table.c.version == row["version"])
                .values(version=row["version"] + 1, **columns, **stamp(actor))
            )
            if result.rowcount != 1:
                raise VersionConflict(
                    "The record changed at the same moment.",
                    "รายการถูกแก้ไขพร้อมกัน",
                )
            new_id, key, new_version = record_id, row["record_key"], row["version"] + 1
        version, mask = await data_changed(conn, t)
        await audit.append(
            conn,
            actor,
            entity=table_name,
            entity_id=new_id,
            action=action,
            changes=changes,
            lao_id=t.lao_id,
            reason=retire_reason,
        )
        return RecordSaved(new_id, key, new_version, version, mask)
