"""Record tables as files: the columns of a water-supply-system or tourist-site file, reading a
CSV or XLSX file into lines, checking each line against the catalogue, and writing the
template and exports.

A file holds one header row, then one line per record. Its columns (`columns`):

- `id`: the record's id in the fiscal year. A line with an id updates that record, a line
  without one adds a record. Records the file does not mention are left as they are (a file
  never retires a record).
- `version`: the record's version when the file was exported. A record someone changed since
  is refused on that line, never overwritten; left empty, it is not checked.
- one column per field of the table in the catalogue (`hub.rules.catalogue`; a village by
  its number, `villageNumber`). A field whose column the file lacks keeps each record's
  value; an empty cell is an empty value. Every line must fill the required fields.

The template and exports head each column "Thai label [key]" (`ชื่อระบบประปา [name]`); a
heading is recognised by the key in brackets, or as the key, the catalogue's name, or the
Thai or English label alone, so a clerk may retitle columns in either language.

Cells are read the way clerks write them (`text_value`, which the console's forms use too):
numbers with thousands separators or Thai digits, choices by code or by Thai or English
label, dates as 2026-01-31, 31/1/2569 (Buddhist Era) or 31/1/2026, or a spreadsheet date;
yes/no in Thai or English. Whatever cannot be read that way is handed on as written, so
`hub.rules.validation` words the error, exactly as for a single record. CSV files may be
UTF-8 (with or without a BOM) or Windows Thai (cp874, Excel's "CSV" on Thai Windows);
exports are UTF-8 with a BOM, so Excel shows the Thai. A text cell beginning with = + - @ is
exported behind an apostrophe (a spreadsheet would take it for a formula), which reading
removes again.

`check` validates every line with `hub.rules.validation.validate` and `require`, as adding
or updating one record does, and gives each error its line and column. What needs the
database (the record is this LAO-year's and live, its version, the village exists) is
checked by `hub.services.records.import_records`.

Pure: bytes in, values and errors out. openpyxl is imported only when a workbook is read or
written.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import enum
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.rules.catalogue import Field, Kind, RecordTable
from hub.rules.problems import InvalidInput, TooLarge
from hub.rules.validation import FieldError, api_name, require, validate

DEFAULT_MAX_LINES = 20_000
# Errors one refusal lists at most (the message counts them all): enough to correct a file.
MAX_REPORTED_ERRORS = 1_000
BE_OFFSET = 543


class FileFormat(enum.Enum):
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        if self is FileFormat.CSV:
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str  # "id", "version" or the field's API name
    label_th: str
    label_en: str
    field: Field | None = None

    @property
    def header(self) -> str:
        return f"{self.label_th} [{self.key}]"


ID = Column("id", "เลขที่รายการ (ว่างไว้ = เพิ่มใหม่)", "Record id (empty: a new record)")
VERSION = Column("version", "ฉบับของรายการ", "Record version")


def columns(table: RecordTable) -> tuple[Column, ...]:
    """Every column of the table's files, in the template's order."""
    return (
        ID,
        VERSION,
        *(Column(api_name(f), f.label_th, f.label_en, f) for f in table.fields if not f.read_only),
    )


def prefix_of(table: RecordTable) -> str:
    """The API path prefix of a record's fields: `waterSupplySystem`."""
    return table.type_name[0].lower() + table.type_name[1:]


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


_BRACKETED = re.compile(r"\[\s*([A-Za-z][A-Za-z0-9_]*)\s*\]\s*$")


def match_header(table: RecordTable, heading: str) -> Column | None:
    """The column a heading names (see the module docstring), or None."""
    every = columns(table)
    bracketed = _BRACKETED.search(heading)
    wanted = _fold(bracketed.group(1) if bracketed else heading)
    for column in every:
        names = {column.key, column.header, column.label_th, column.label_en}
        if column.field is not None:
            names.add(column.field.name)
        if wanted in {_fold(n) for n in names}:
            return column
    return None


# --- cells -------------------------------------------------------------------------------------

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
_TRUE = {"true", "yes", "y", "1", "ใช่", "มี", "จริง"}
_FALSE = {"false", "no", "n", "0", "ไม่ใช่", "ไม่มี", "เท็จ"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _number_text(text: str) -> str:
    return text.translate(_THAI_DIGITS).replace(",", "").replace("\u00a0", "").replace(" ", "")


@functools.lru_cache(maxsize=256)
def _choice_names(f: Field) -> dict[str, str]:
    """A choice field's codes and labels, folded, → its codes."""
    names = {}
    for choice in reversed(f.choices):  # the first choice wins a shared label
        for name in (choice.label_en, choice.label_th, choice.code):
            names[_fold(name)] = choice.code
    return names


def _choice_code(f: Field, text: str) -> str | None:
    return _choice_names(f).get(_fold(text))


def _date(text: str) -> dt.date | str:
    text = text.translate(_THAI_DIGITS).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    found = _DAY_MONTH_YEAR.fullmatch(text)
    if found:
        day, month, year = (int(g) for g in found.groups())
        if year > 2400:  # a Buddhist-Era year, as Thai clerks write dates
            year -= BE_OFFSET
        try:
            return dt.date(year, month, day)
        except ValueError:
            pass
    return text


def text_value(f: Field, value: Any) -> Any:
    """A cell or form value as the field's kind takes it; None when empty. What cannot be
    read is returned as it is, for `hub.rules.validation.validate` to refuse with its words."""
    if value is None:
        return None
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value).strip()
        if value == "":
            return None
    kind = f.kind
    if kind in (Kind.INT, Kind.YEAR_BE, Kind.VILLAGE):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            number = _number_text(value)
            if _INTEGER.fullmatch(number):
                return int(number)
            if _DECIMAL.fullmatch(number) and float(number).is_integer():
                return int(float(number))
        return value
    if kind in (Kind.DECIMAL, Kind.LATITUDE, Kind.LONGITUDE):
        if isinstance(value, str):
            number = _number_text(value)
            if _DECIMAL.fullmatch(number):
                return float(number)
        return value
    if kind is Kind.BOOL:
        if isinstance(value, str):
            folded = _fold(value)
            if folded in _TRUE:
                return True
            if folded in _FALSE:
                return False
        if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
            return bool(value)
        return value
    if kind is Kind.CHOICE:
        if isinstance(value, str):
            return _choice_code(f, value) or value
        return value
    if kind is Kind.DATE:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            return _date(value)
        return value
    if kind is Kind.TEXT:
        if isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, int | float):
            return str(value)
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()[:10]
        if isinstance(value, str) and value[:1] == "'" and value[1:2] in _FORMULA_START:
            return value[1:]
        return value
    return value


def cell_text(f: Field | None, value: Any, fmt: FileFormat) -> Any:
    """A value as an export writes it: a choice by its code; in a CSV, text that a
    spreadsheet would take for a formula behind an apostrophe (a workbook's text cells are
    text whatever they begin with)."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return value.name
    if fmt is FileFormat.CSV and f is not None and f.kind is Kind.TEXT and isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return value


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of a file: its number (the header is line 1) and its cells by column key."""

    number: int
    cells: Mapping[str, Any]


@dataclass(frozen=True)
class RecordFile:
    """A file read: its columns in the file's order, each with its heading as written."""

    table: RecordTable
    columns: tuple[Column, ...]
    headings: Mapping[str, str]  # column key → the heading as the file wrote it
    lines: tuple[Line, ...]

    def has(self, key: str) -> bool:
        return key in self.headings


def _file_error(message_en: str, message_th: str, line: int = 1) -> InvalidInput:
    error = FieldError("file", "UNREADABLE", message_en, message_th, line=line)
    return InvalidInput(message_en, message_th, errors=[error])


def decode_csv(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (a BOM is dropped), else Windows Thai (cp874)."""
    if b"\x00" in data:
        raise _file_error(
            "The file is not a CSV text file (it holds NUL bytes): save it as CSV or XLSX.",
            "ไฟล์นี้ไม่ใช่ไฟล์ CSV (มีอักขระ NUL) กรุณาบันทึกเป็น CSV หรือ XLSX",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp874")
        except UnicodeDecodeError:
            raise _file_error(
                "The file is neither UTF-8 nor Windows Thai (cp874) text: save it as CSV UTF-8.",
                "ไฟล์ไม่ได้เข้ารหัสเป็น UTF-8 หรือภาษาไทยของ Windows (cp874) กรุณาบันทึกเป็น CSV UTF-8",
            ) from None


def _csv_rows(text: str) -> Iterator[list[Any]]:
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _not_a_workbook(failure: Exception) -> InvalidInput:
    return _file_error(
        f"The file is not an XLSX workbook ({type(failure).__name__}): save it as .xlsx or CSV.",
        "ไฟล์นี้ไม่ใช่ไฟล์ XLSX กรุณาบันทึกเป็น .xlsx หรือ CSV",
    )


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    # Whatever a damaged or foreign file makes the reader raise (a bad zip, missing parts,
    # malformed XML, …), the answer to the clerk is the same: this is not a workbook.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as failure:
        raise _not_a_workbook(failure) from None
    try:
        if not workbook.worksheets:
            raise _file_error("The workbook has no sheet.", "ไฟล์ XLSX ไม่มีแผ่นงาน")
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as failure:
                raise _not_a_workbook(failure) from None
            yield list(row)
    finally:
        workbook.close()


def _rows(data: bytes, fmt: FileFormat) -> Iterator[list[Any]]:
    if fmt is FileFormat.CSV:
        return _csv_rows(decode_csv(data))
    return _xlsx_rows(data)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip() == "")


def read(
    table: RecordTable, data: bytes, fmt: FileFormat, *, max_lines: int = DEFAULT_MAX_LINES
) -> RecordFile:
    """The file's columns and non-blank lines. An unreadable file or header row is refused
    (`InvalidInput`, at line 1); more than `max_lines` lines, as a whole (`TooLarge`)."""
    rows = _rows(data, fmt)
    header: list[Any] | None = None
    header_number = 0
    for row in rows:
        header_number += 1
        if not all(_blank(c) for c in row):
            header = row
            break
    if header is None:
        raise _file_error("The file is empty.", "ไฟล์ว่างเปล่า")
    positions: dict[int, Column] = {}
    headings: dict[str, str] = {}
    errors = []
    for index, cell in enumerate(header):
        heading = "" if cell is None else str(cell).strip()
        if not heading:
            continue
        column = match_header(table, heading)
        if column is None:
            errors.append(
                FieldError(
                    "file",
                    "UNKNOWN_COLUMN",
                    f'"{heading}" is not a column of {table.label_en.lower()}; '
                    "the template names every column",
                    f'"{heading}" ไม่ใช่คอลัมน์ของ{table.label_th} ดูชื่อคอลัมน์ได้จากแบบฟอร์ม',
                    line=header_number,
                    column=heading,
                )
            )
        elif column.key in headings:
            errors.append(
                FieldError(
                    "file",
                    "DUPLICATE_COLUMN",
                    f'"{heading}" repeats the column "{headings[column.key]}"',
                    f'"{heading}" ซ้ำกับคอลัมน์ "{headings[column.key]}"',
                    line=header_number,
                    column=heading,
                )
            )
        else:
            positions[index] = column
            headings[column.key] = heading
    if not [c for c in positions.values() if c.field is not None]:
        errors.append(
            FieldError(
                "file",
                "NO_COLUMNS",
                f"Line {header_number} names no column of {table.label_en.lower()}: "
                "start from the template",
                f"บรรทัดที่ {header_number} ไม่มีชื่อคอลัมน์ของ{table.label_th} กรุณาใช้แบบฟอร์มที่ดาวน์โหลด",
                line=header_number,
            )
        )
    if errors:
        raise InvalidInput(
            f"The header row (line {header_number}) is not right: nothing was imported.",
            f"แถวหัวตาราง (บรรทัดที่ {header_number}) ไม่ถูกต้อง ยังไม่มีการนำเข้าข้อมูล",
            errors=errors,
        )
    lines: list[Line] = []
    for number, row in enumerate(rows, start=header_number + 1):
        if all(_blank(c) for c in row):
            continue
        if len(lines) == max_lines:
            raise TooLarge(
                f"The file has more than {max_lines:,} lines: import at most {max_lines:,} "
                "at a time (split the file).",
                f"ไฟล์มีข้อมูลเกิน {max_lines:,} บรรทัด นำเข้าได้ครั้งละไม่เกิน {max_lines:,} บรรทัด กรุณาแบ่งไฟล์",
                errors=[
                    FieldError(
                        "file",
                        "TOO_MANY_LINES",
                        f"more than {max_lines:,} lines",
                        f"เกิน {max_lines:,} บรรทัด",
                        line=number,
                    )
                ],
            )
        cells = {
            column.key: row[index] if index < len(row) else None
            for index, column in positions.items()
        }
        lines.append(Line(number, cells))
    ordered = tuple(positions[i] for i in sorted(positions))
    return RecordFile(table, ordered, headings, tuple(lines))


# --- checking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedLine:
    """A line as the catalogue's rules take it: add (no `record_id`) or update."""

    number: int
    record_id: int | None
    record_version: int | None
    values: Mapping[str, Any]  # cleaned, by field name (a village by its number)
    errors: tuple[FieldError, ...]


def _whole_number(
    line: Line, column: Column, headings: Mapping[str, str], prefix: str
) -> tuple[int | None, FieldError | None]:
    cell = line.cells.get(column.key)
    if _blank(cell):
        return None, None
    if isinstance(cell, float) and cell.is_integer():
        return int(cell), None
    if isinstance(cell, int) and not isinstance(cell, bool) and cell > 0:
        return cell, None
    if isinstance(cell, str) and _INTEGER.fullmatch(_number_text(cell)):
        number = int(_number_text(cell))
        if number > 0:
            return number, None
    return None, FieldError(
        f"{prefix}.{column.key}",
        "WRONG_TYPE",
        f"{column.label_en}: must be a whole number above 0 (as exported), got {cell!r}",
        f"{column.label_th}: ต้องเป็นจำนวนเต็มที่มากกว่า 0 ตามที่ส่งออกจากระบบ",
        line=line.number,
        column=headings[column.key],
    )


def check(
    record_file: RecordFile, *, today: dt.date | None = None
) -> tuple[list[CheckedLine], list[FieldError]]:
    """Every line cleaned and checked against the catalogue, and every error (with its line
    and column) in line order. Required fields must be filled on every line. A line adding a
    record (no id) needs every required column: a file that lacks one while adding records is
    refused once, at its header, naming the lines that add."""
    table = record_file.table
    prefix = prefix_of(table)
    headings = record_file.headings
    by_path = {f"{prefix}.{c.key}": headings[c.key] for c in record_file.columns}
    fields = [c.field for c in record_file.columns if c.field is not None]
    absent = [
        f
        for f in table.fields
        if f.required and not f.read_only and not record_file.has(api_name(f))
    ]
    adding: list[int] = []
    checked: list[CheckedLine] = []
    errors: list[FieldError] = []
    for line in record_file.lines:
        record_id, id_error = (
            _whole_number(line, ID, headings, prefix) if record_file.has("id") else (None, None)
        )
        version, version_error = (
            _whole_number(line, VERSION, headings, prefix)
            if record_file.has("version")
            else (None, None)
        )
        if record_id is None and id_error is None:
            adding.append(line.number)
        raw = {f.name: text_value(f, line.cells.get(api_name(f))) for f in fields}
        cleaned, found = validate(fields, raw, prefix=prefix, today=today)
        found += require(fields, {**raw, **cleaned}, prefix=prefix)
        found = [e for e in (id_error, version_error) if e is not None] + found
        placed = tuple(
            dataclasses.replace(
                e,
                line=line.number,
                column=e.column or by_path.get(e.path) or e.path.removeprefix(prefix + "."),
            )
            for e in found
        )
        errors.extend(placed)
        checked.append(CheckedLine(line.number, record_id, version, cleaned, placed))
    if absent and adding:
        which = ", ".join(str(n) for n in adding[:10]) + (" …" if len(adding) > 10 else "")
        header = min((line.number for line in record_file.lines), default=2) - 1
        errors[:0] = [
            FieldError(
                f"{prefix}.{api_name(f)}",
                "REQUIRED",
                f"{f.label_en} ({f.label_th}): the file has no such column, and new records "
                f"(lines without an id: {which}) need it",
                f"{f.label_th}: ไฟล์ไม่มีคอลัมน์นี้ แต่รายการใหม่ (บรรทัดที่ไม่มีเลขที่รายการ: {which}) ต้องระบุ",
                line=header,
                column=Column(api_name(f), f.label_th, f.label_en, f).header,
            )
            for f in absent
        ]
    return checked, errors


def refusal(errors: Sequence[FieldError], lines: int) -> InvalidInput:
    """The refusal of a file with errors: how many, on how many lines; the first
    `MAX_REPORTED_ERRORS` listed."""
    on_lines = len({e.line for e in errors})
    shown = (
        f" (the first {MAX_REPORTED_ERRORS:,} are listed)"
        if len(errors) > MAX_REPORTED_ERRORS
        else ""
    )
    shown_th = (
        f" (แสดง {MAX_REPORTED_ERRORS:,} รายการแรก)" if len(errors) > MAX_REPORTED_ERRORS else ""
    )
    return InvalidInput(
        f"{len(errors):,} error(s) on {on_lines:,} of {lines:,} line(s){shown}: "
        "nothing was imported. Correct the file and upload it again.",
        f"พบข้อผิดพลาด {len(errors):,} รายการ ใน {on_lines:,} จาก {lines:,} บรรทัด{shown_th} "
        "ยังไม่มีการนำเข้าข้อมูลใด ๆ กรุณาแก้ไขไฟล์แล้วอัปโหลดอีกครั้ง",
        errors=list(errors[:MAX_REPORTED_ERRORS]),
    )


# --- writing -----------------------------------------------------------------------------------


def write(table: RecordTable, records: Iterable[Mapping[str, Any]], fmt: FileFormat) -> bytes:
    """A file of `records` (each keyed by column key; values as the API gives them, a
    village by its number); no records: the template."""
    every = columns(table)
    rows = ([cell_text(c.field, r.get(c.key), fmt) for c in every] for r in records)
    if fmt is FileFormat.CSV:
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([c.header for c in every])
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    return _workbook(table, every, rows)


def _workbook(table: RecordTable, every: Sequence[Column], rows: Iterable[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook(write_only=True)
    sheet = book.create_sheet("ข้อมูล")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(every, start=1):
        width = 14 if column.field is None else max(14, min(40, len(column.header) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
        f = column.field
        if f is not None and f.kind is Kind.CHOICE:
            letter = get_column_letter(index)
            codes = ",".join(f.choice_codes)
            check = DataValidation(
                type="list", formula1=f'"{codes}"', allow_blank=True, errorStyle="warning"
            )
            check.add(f"{letter}2:{letter}1048576")
            sheet.data_validations.append(check)
    heads = []
    for column in every:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        cell.fill = fill
        heads.append(cell)
    sheet.append(heads)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text begins with
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    guide = book.create_sheet("คำอธิบาย (Guide)")
    guide.column_dimensions["A"].width = 36
    guide.column_dimensions["B"].width = 40
    guide.column_dimensions["C"].width = 60
    guide.append(
        [
            WriteOnlyCell(guide, value=v)
            for v in ("คอลัมน์ / Column", "ความหมาย / Meaning", "ค่าที่ใช้ได้ / Allowed values")
        ]
    )
    for column in every:
        guide.append([column.header, f"{column.label_th} — {column.label_en}", _allowed(column)])
    book.properties.title = f"{table.label_th} — {table.label_en}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _allowed(column: Column) -> str:
    f = column.field
    if f is None:
        if column is ID:
            return "ว่างไว้สำหรับรายการใหม่ / empty for a new record"
        return (
            "ตามที่ส่งออก (ตรวจว่าไม่มีผู้อื่นแก้ไขในระหว่างนั้น) / as exported (checks nobody changed it since)"
        )
    notes = ["จำเป็น / required" if f.required else "ไม่บังคับ / optional"]
    if f.kind is Kind.CHOICE:
        notes.append("; ".join(f"{c.code} = {c.label_th} / {c.label_en}" for c in f.choices))
    elif f.kind is Kind.DATE:
        notes.append("2026-01-31 หรือ / or 31/1/2569")
    elif f.kind is Kind.VILLAGE:
        notes.append("หมู่ที่ / village number")
    elif f.kind is Kind.YEAR_BE:
        notes.append(f"พ.ศ. / Buddhist Era, ≥ {f.minimum:.0f}")
    elif f.kind is Kind.TEXT:
        notes.append(f"≤ {f.max_length} ตัวอักษร / characters")
    elif f.minimum is not None or f.maximum is not None:
        notes.append(f"{f.minimum:,g}–{f.maximum:,g} {f.unit_th or ''} / {f.unit or ''}".strip())
    elif f.kind in (Kind.LATITUDE, Kind.LONGITUDE):
        notes.append("องศาทศนิยม / decimal degrees")
    return " · ".join(notes)
