"""Importing a file of records, all or nothing: `importWaterSupplySystems`,
`importTouristSites` (`hub.services.records.import_records`; the file's columns and cells:
`hub.rules.record_files`).

The file travels as a string: a CSV as its text, an XLSX workbook base64-encoded. With
`dryRun` nothing is written and the answer says what the import would do (the console's
preview); otherwise every line is added or updated in one transaction. A file with any
error is refused as a whole (`ValidationFailed`, each error with its `line` and `column`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
from typing import Annotated, Any

import strawberry

from hub.rules import record_files
from hub.rules.catalogue import RECORD_TABLES, RecordTable, pascal
from hub.rules.completeness import domains_in
from hub.services import records
from schema.context import Info
from schema.mutations.errors import (
    FiscalYearClosed,
    Forbidden,
    InvalidState,
    NotFound,
    ValidationFailed,
    VersionConflict,
    answers_refusals,
)


@strawberry.enum(description="ชนิดไฟล์ — the format of a record file.")
class RecordFileFormat(enum.Enum):
    CSV = strawberry.enum_value("csv", description="CSV text (UTF-8, or Windows Thai cp874)")
    XLSX = strawberry.enum_value("xlsx", description="an Excel workbook, base64-encoded")


@strawberry.enum(description="การนำเข้ารายการ — what an imported line does.")
class ImportAction(enum.Enum):
    ADD = strawberry.enum_value("add", description="เพิ่มรายการใหม่ — adds a record")
    UPDATE = strawberry.enum_value("update", description="แก้ไขรายการเดิม — changes a record")


@strawberry.type(description="ค่าที่เปลี่ยน — one field a line changes, before and after, as text.")
class FieldChange:
    field: str = strawberry.field(description="The field's API name (`yearBuiltBe`).")
    before: str | None
    after: str | None


@strawberry.type(description="บรรทัดที่นำเข้า — a line of the file that adds or changes a record.")
class ImportedLine:
    line: int = strawberry.field(description="บรรทัด — the line (row) in the file.")
    action: ImportAction
    record_id: int | None = strawberry.field(
        description="เลขที่รายการ — the record (null for a record a dry run would add)."
    )
    name: str | None
    changes: list[FieldChange]


@strawberry.type(
    description="นำเข้าแล้ว (หรือผลการตรวจ) — what the file added and changed, or with `dryRun` "
    "what it would."
)
class RecordsImported:
    dry_run: bool = strawberry.field(description="Nothing was written: a preview.")
    lines: int = strawberry.field(description="บรรทัดข้อมูล — data lines in the file.")
    added: int = strawberry.field(description="เพิ่ม — records added (or to add).")
    updated: int = strawberry.field(description="แก้ไข — records changed (or to change).")
    unchanged: int = strawberry.field(description="ไม่เปลี่ยน — lines equal to their record.")
    changed_lines: list[ImportedLine] = strawberry.field(
        description=f"The first {records.LISTED_LINES} lines that add or change a record."
    )
    version: int = strawberry.field(
        description="The LAO-year's version after the import (unchanged by a dry run)."
    )
    complete_domains: list[int]


ImportRecordsResult = Annotated[
    RecordsImported
    | Forbidden
    | NotFound
    | InvalidState
    | VersionConflict
    | FiscalYearClosed
    | ValidationFailed,
    strawberry.union("ImportRecordsResult"),
]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.name
    return str(value)


def _content(file: str, file_format: RecordFileFormat) -> bytes:
    """The file's bytes. A workbook that is not base64 is no workbook: the service refuses it
    as unreadable, once it has checked the caller may import at all."""
    if file_format is RecordFileFormat.CSV:
        return file.encode("utf-8")
    try:
        return base64.b64decode(file, validate=True)
    except (binascii.Error, ValueError):
        return b""


def _import_mutation(t: RecordTable) -> Any:
    async def resolve(
        info: Info,
        lao_code: str,
        fiscal_year: int,
        version: int,
        file: str,
        format: RecordFileFormat = RecordFileFormat.CSV,
        dry_run: bool = False,
    ) -> Any:
        # A dry run only reads: on SQLite it need not hold the write lock while it checks.
        engine = info.context.engine if dry_run else info.context.write_engine
        done = await records.import_records(
            engine,
            info.context.identity,
            table_name=t.name,
            lao_code=lao_code,
            fiscal_year=fiscal_year,
            expected_lao_year_version=version,
            data=_content(file, format),
            file_format=record_files.FileFormat(format.value),
            max_lines=info.context.max_import_lines,
            dry_run=dry_run,
        )
        return RecordsImported(
            dry_run=done.dry_run,
            lines=done.lines,
            added=done.added,
            updated=done.updated,
            unchanged=done.unchanged,
            changed_lines=[
                ImportedLine(
                    line=c.line,
                    action=ImportAction(c.action),
                    record_id=c.record_id,
                    name=c.name,
                    changes=[
                        FieldChange(field=name, before=_text(before), after=_text(after))
                        for name, before, after in c.changes
                    ],
                )
                for c in done.changed
            ],
            version=done.lao_year_version,
            complete_domains=domains_in(done.complete_mask),
        )

    resolve.__annotations__ = {
        "info": Info,
        "lao_code": str,
        "fiscal_year": int,
        "version": int,
        "file": str,
        "format": RecordFileFormat,
        "dry_run": bool,
        "return": ImportRecordsResult,
    }
    return strawberry.mutation(
        resolver=answers_refusals(resolve),
        name=f"import{pascal(t.name)}",
        description=f"นำเข้า{t.label_th}จากไฟล์ — import a file of {t.label_en.lower()} (CSV text, "
        "or XLSX base64-encoded; columns as in the console's template): a line with an `id` "
        "updates that record, one without adds a record; all or nothing, every error with its "
        "line and column. `dryRun`: check and answer what would change, writing nothing. Needs "
        "the LAO's recorder or verifier, a DRAFT in an open year, and the version you loaded.",
    )


def namespace() -> dict[str, Any]:
    """One import mutation per record table."""
    return {f"import_{t.name}": _import_mutation(t) for t in RECORD_TABLES}
