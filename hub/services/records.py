"""Adding, updating and retiring the records of an LAO-year (water-supply systems, tourist
sites), one transaction each; importing a whole file of them, all or nothing.

Records follow the sections' rules (`hub.services.sections`: the LAO's recorders and
verifiers, a DRAFT of an open year, the version of their section — or of the LAO-year — they
loaded, the catalogue of the LAO-year's fiscal year) and carry a version of their own. A
record is part of its domain's section: adding, updating or retiring one advances that
section's version, so it conflicts with a concurrent save of the same domain only. A new record needs its required fields; a village is given by its number
within the LAO's subdistrict; a retired record is kept, with its date and reason. Every
change recomputes the LAO-year's completeness (a table with a live record is complete).

`import_records` takes a CSV or XLSX file (`hub.rules.record_files`): every line is checked
as a single add or update would be, plus what needs the database (the record id is a live
record of this LAO-year, its version is the one exported, the village exists). Any error
refuses the whole file, each error with its line and column; otherwise one transaction adds
and updates every record, logging each in the change log, and recomputes completeness once.
With `dry_run` it only answers what it would do: the console's preview.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db import kpi16_counts
from hub.db.models import RECORD_TABLES, Village
from hub.rules import record_files
from hub.rules.catalogue import DOMAINS, RECORD_TABLE_BY_NAME, Field, Kind
from hub.rules.catalogue_years import domain_for, not_in_year
from hub.rules.certification import Action
from hub.rules.identity import Identity
from hub.rules.problems import (
    InvalidInput,
    ReasonRequired,
    TooLarge,
    VersionConflict,
    not_found,
    validation_failed,
)
from hub.rules.record_files import FileFormat
from hub.rules.validation import FieldError, api_name, camel, require, validate
from hub.services import audit
from hub.services.lao_year import (
    bump_section,
    check_section_version,
    columns_of,
    data_changed,
    editing,
    refuse_outright,
    require_a_version,
    section_version,
    stamp,
)


@dataclass(frozen=True)
class RecordSaved:
    record_id: int
    record_key: str
    record_version: int
    lao_year_version: int
    complete_mask: int
    section_version: int


def domain_of(table_name: str) -> int:
    """The number of the domain whose section holds the record table."""
    return next(d.number for d in DOMAINS if any(t.name == table_name for t in d.record_tables))


def _year_table(table_name: str, fiscal_year: int, prefix: str) -> tuple[Any, list[FieldError]]:
    """The record table as `fiscal_year`'s form has it, and an error when that form has no
    such table (its values cannot be recorded for that year)."""
    number = domain_of(table_name)
    year_tables = {t.name: t for t in domain_for(number, fiscal_year).record_tables}
    if table_name in year_tables:
        return year_tables[table_name], []
    spec = RECORD_TABLE_BY_NAME[table_name]
    return spec, [
        FieldError(
            prefix,
            "NOT_IN_YEAR",
            f"{spec.label_en} ({spec.label_th}): not on the form of fiscal year {fiscal_year}",
            f"{spec.label_th}: ไม่มีในแบบฟอร์มปีงบประมาณ {fiscal_year}",
        )
    ]


def _no_village(f: Field, number: int, prefix: str) -> FieldError:
    return FieldError(
        f"{prefix}.{api_name(f)}",
        "NOT_A_CHOICE",
        f"{f.label_en} ({f.label_th}): there is no village number {number} in the LAO's subdistrict",
        f"{f.label_th}: ไม่มีหมู่ที่ {number} ในตำบลที่ตั้งของ อปท.",
    )


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
            errors.append(_no_village(f, number, prefix))
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
    expected_lao_year_version: int | None = None,
    expected_section_version: int | None = None,
    record_id: int | None = None,
    expected_record_version: int | None = None,
    retire_reason: str | None = None,
) -> RecordSaved:
    """Add a record (record_id None), update one, or retire one (retire_reason given)."""
    refuse_outright(Action.EDIT, identity)
    require_a_version(expected_lao_year_version, expected_section_version)
    every_year = RECORD_TABLE_BY_NAME[table_name]
    prefix = camel(every_year.type_name[0].lower() + every_year.type_name[1:])
    spec, errors = _year_table(table_name, fiscal_year, prefix)
    errors += not_in_year(every_year.fields, values, fiscal_year, prefix=prefix)
    outside = {f.name for f in every_year.fields if not f.in_year(fiscal_year)}
    in_year = {k: v for k, v in values.items() if k not in outside}
    cleaned, invalid = validate(spec.fields, in_year, prefix=prefix)
    errors += invalid
    if record_id is None and retire_reason is None:
        errors += require(
            spec.fields,
            {**cleaned, **{k: v for k, v in values.items() if k not in cleaned}},
            prefix=prefix,
        )
    table = RECORD_TABLES[table_name]
    async with writer.begin() as conn:
        t, actor = await editing(conn, identity, lao_code, fiscal_year, expected_lao_year_version)
        domain_number = domain_of(table_name)
        current_section = await section_version(conn, t.lao_year_id, domain_number)
        check_section_version(t, domain_number, current_section, expected_section_version)
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
            moved = kpi16_counts.codes_moved(table_name, None, columns)
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
            moved = kpi16_counts.codes_moved(table_name, row, {**row, **columns})
        await kpi16_counts.refresh_codes(conn, fiscal_year, moved)
        new_section = await bump_section(conn, t, domain_number, current_section, actor)
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
        return RecordSaved(new_id, key, new_version, version, mask, new_section)


# --- importing a file ----------------------------------------------------------------------------

# Lines that add or change a record an import lists (it counts them all).
LISTED_LINES = 500
# Record keys looked up per statement: far below every driver's bind-parameter limit.
KEYS_PER_STATEMENT = 5000


@dataclass(frozen=True)
class ImportedLine:
    """A line that adds or updates a record: its changes by API field name, (before, after),
    values as the API gives them (a village by its number)."""

    line: int
    action: str  # "add" | "update"
    record_id: int | None  # None: a record a dry run would add
    name: str | None
    changes: tuple[tuple[str, Any, Any], ...]


@dataclass(frozen=True)
class Imported:
    dry_run: bool
    lines: int
    added: int
    updated: int
    unchanged: int
    changed: tuple[ImportedLine, ...]  # the first LISTED_LINES lines that add or update
    lao_year_version: int
    complete_mask: int


def _line_error(
    record_file: record_files.RecordFile,
    line: record_files.CheckedLine,
    key: str,
    code: str,
    en: str,
    th: str,
) -> FieldError:
    """An error of a line about one column, named by its heading as the file wrote it."""
    return FieldError(
        f"{record_files.prefix_of(record_file.table)}.{key}",
        code,
        en,
        th,
        line=line.number,
        column=record_file.headings.get(key, key),
    )


async def import_records(
    writer: AsyncEngine,
    identity: Identity,
    *,
    table_name: str,
    lao_code: str,
    fiscal_year: int,
    expected_lao_year_version: int,
    data: bytes,
    file_format: FileFormat,
    max_lines: int = record_files.DEFAULT_MAX_LINES,
    dry_run: bool = False,
) -> Imported:
    """Add and update the records a file lists, all or nothing (see the module docstring).
    `writer` is the engine writes run on; a dry run writes nothing and may be given any."""
    refuse_outright(Action.EDIT, identity)
    spec = RECORD_TABLE_BY_NAME[table_name]
    table = RECORD_TABLES[table_name]
    prefix = record_files.prefix_of(spec)
    # Read before the transaction (a large workbook takes a moment), but report what is wrong
    # with the file only once the caller is known to be allowed to import it.
    unreadable: InvalidInput | TooLarge | None = None
    checked: list[record_files.CheckedLine] = []
    errors: list[FieldError] = []
    try:
        record_file = record_files.read(spec, data, file_format, max_lines=max_lines)
        checked, errors = record_files.check(record_file)
    except (InvalidInput, TooLarge) as problem:
        unreadable = problem
    async with writer.begin() as conn:
        t, actor = await editing(conn, identity, lao_code, fiscal_year, expected_lao_year_version)
        if unreadable is not None:
            raise unreadable
        if not checked:
            raise record_files.refusal(
                [
                    FieldError(
                        "file",
                        "EMPTY",
                        "the file has a header row but no lines",
                        "ไฟล์มีแถวหัวตารางแต่ไม่มีข้อมูล",
                        line=2,
                    )
                ],
                0,
            )
        current = {
            row["id"]: row
            for row in (
                await conn.execute(
                    select(table).where(
                        table.c.lao_year_id == t.lao_year_id, table.c.retired_on.is_(None)
                    )
                )
            ).mappings()
        }
        village_rows = (
            await conn.execute(
                select(Village.number, Village.id).where(Village.subdistrict_id == t.subdistrict_id)
            )
        ).all()
        village_ids = {r.number: r.id for r in village_rows}
        village_numbers = {r.id: r.number for r in village_rows}
        villages = [f for f in spec.fields if f.kind is Kind.VILLAGE]
        by_column = {f.column: f for f in spec.fields}
        seen: dict[int, int] = {}
        adds: list[tuple[record_files.CheckedLine, dict[str, Any]]] = []
        updates: list[tuple[record_files.CheckedLine, dict[str, Any], dict[str, Any]]] = []
        unchanged = 0
        for line in checked:
            found: list[FieldError] = []
            row = None
            if line.record_id is not None:
                row = current.get(line.record_id)
                if line.record_id in seen:
                    found.append(
                        _line_error(
                            record_file,
                            line,
                            "id",
                            "DUPLICATE",
                            f"record {line.record_id} is also on line {seen[line.record_id]}",
                            f"รายการที่ {line.record_id} ซ้ำกับบรรทัดที่ {seen[line.record_id]}",
                        )
                    )
                elif row is None:
                    found.append(
                        _line_error(
                            record_file,
                            line,
                            "id",
                            "NOT_FOUND",
                            f"there is no current record {line.record_id} in fiscal year "
                            f"{fiscal_year} of this LAO: check the id, or leave it empty to add a record",
                            f"ไม่มีรายการที่ {line.record_id} ในปีงบประมาณ {fiscal_year} ของ อปท. นี้ "
                            "ตรวจสอบเลขที่รายการ หรือเว้นว่างไว้เพื่อเพิ่มรายการใหม่",
                        )
                    )
                elif line.record_version is not None and line.record_version != row["version"]:
                    found.append(
                        _line_error(
                            record_file,
                            line,
                            "version",
                            "VERSION_CONFLICT",
                            f"record {line.record_id} was changed after this file was exported "
                            f"(version {line.record_version}, now {row['version']}): export the "
                            "records again and re-apply your change, so nobody's change is lost",
                            f"รายการที่ {line.record_id} ถูกแก้ไขหลังจากส่งออกไฟล์นี้ (ฉบับที่ "
                            f"{line.record_version} ปัจจุบันคือ {row['version']}) กรุณาส่งออกข้อมูลใหม่"
                            "แล้วแก้ไขอีกครั้ง เพื่อไม่ให้ทับการแก้ไขของผู้อื่น",
                        )
                    )
                seen.setdefault(line.record_id, line.number)
            values = dict(line.values)
            for f in villages:
                number = values.get(f.name)
                if number is not None:
                    if number in village_ids:
                        values[f.name] = village_ids[number]
                    else:
                        found.append(
                            dataclasses.replace(
                                _no_village(f, number, prefix),
                                line=line.number,
                                column=record_file.headings.get(api_name(f), api_name(f)),
                            )
                        )
            if found or line.errors:
                errors.extend(found)
                continue
            columns = columns_of(spec.fields, values)
            if row is None:
                adds.append((line, columns))
            else:
                changes = {c: (row[c], v) for c, v in columns.items() if row[c] != v}
                if changes:
                    updates.append((line, columns, changes))
                else:
                    unchanged += 1
        if errors:
            errors.sort(key=lambda e: e.line or 0)
            raise record_files.refusal(errors, len(checked))

        def shown(column: str, value: Any) -> Any:
            f = by_column.get(column)
            if f is not None and f.kind is Kind.VILLAGE and value is not None:
                return village_numbers.get(value, value)
            return value

        def listed(
            line: record_files.CheckedLine,
            action: str,
            record_id: int | None,
            changes: dict[str, tuple[Any, Any]],
            name: Any,
        ) -> ImportedLine:
            return ImportedLine(
                line.number,
                action,
                record_id,
                name,
                tuple(
                    (api_name(by_column[c]), shown(c, before), shown(c, after))
                    for c, (before, after) in changes.items()
                ),
            )

        version, mask = t.version, t.complete_mask
        new_ids: list[int | None] = [None] * len(adds)
        if not dry_run and (adds or updates):
            stamped = stamp(actor)
            if adds:
                # One batched INSERT (no RETURNING: SQLite would insert row by row to return
                # ids in order), then the new ids by their record keys.
                keys = [str(uuid.uuid4()) for _ in adds]
                await conn.execute(
                    insert(table),
                    [
                        {
                            "lao_year_id": t.lao_year_id,
                            "record_key": key,
                            "version": 1,
                            **columns,
                            **stamped,
                        }
                        for key, (_, columns) in zip(keys, adds, strict=True)
                    ],
                )
                ids: dict[str, int] = {}
                for start in range(0, len(keys), KEYS_PER_STATEMENT):
                    chunk = keys[start : start + KEYS_PER_STATEMENT]
                    inserted = await conn.execute(
                        select(table.c.record_key, table.c.id).where(
                            table.c.lao_year_id == t.lao_year_id, table.c.record_key.in_(chunk)
                        )
                    )
                    ids.update({r.record_key: r.id for r in inserted})
                new_ids = [ids[key] for key in keys]
            if updates:
                names = list(updates[0][1])
                statement = (
                    update(table)
                    .where(table.c.id == bindparam("b_id"))
                    .values(
                        {
                            **{c: bindparam(f"b_{c}") for c in names},
                            "version": bindparam("b_version"),
                            **stamped,
                        }
                    )
                )
                await conn.execute(
                    statement,
                    [
                        {
                            "b_id": line.record_id,
                            "b_version": current[line.record_id]["version"] + 1,
                            **{f"b_{c}": columns[c] for c in names},
                        }
                        for line, columns, _ in updates
                        if line.record_id is not None
                    ],
                )
            moved = {
                code
                for _, columns in adds
                for code in kpi16_counts.codes_moved(table_name, None, columns)
            } | {
                code
                for line, columns, _ in updates
                if line.record_id is not None
                for code in kpi16_counts.codes_moved(
                    table_name, current[line.record_id], {**current[line.record_id], **columns}
                )
            }
            await kpi16_counts.refresh_codes(conn, fiscal_year, moved)
            logged = [
                (line.number, "add", new_id or 0, {c: (None, v) for c, v in columns.items()})
                for (line, columns), new_id in zip(adds, new_ids, strict=True)
            ] + [(line.number, "update", line.record_id or 0, ch) for line, _, ch in updates]
            logged.sort(key=lambda entry: entry[0])
            entries = [
                audit.Entry(
                    table_name,
                    record_id,
                    action,
                    changes,
                    t.lao_id,
                    f"นำเข้าจากไฟล์ บรรทัดที่ {number} / bulk import, line {number}",
                )
                for number, action, record_id, changes in logged
            ]
            number = domain_of(table_name)
            current_section = await section_version(conn, t.lao_year_id, number)
            await bump_section(conn, t, number, current_section, actor)
            version, mask = await data_changed(conn, t)
            await audit.append_many(conn, actor, entries)
        changed = sorted(
            [
                listed(
                    line,
                    "add",
                    new_id,
                    {c: (None, v) for c, v in columns.items()},
                    columns.get("name"),
                )
                for (line, columns), new_id in zip(adds, new_ids, strict=True)
            ]
            + [
                listed(line, "update", line.record_id, changes, columns.get("name"))
                for line, columns, changes in updates
            ],
            key=lambda c: c.line,
        )
        return Imported(
            dry_run=dry_run,
            lines=len(checked),
            added=len(adds),
            updated=len(updates),
            unchanged=unchanged,
            changed=tuple(changed[:LISTED_LINES]),
            lao_year_version=version,
            complete_mask=mask,
        )
