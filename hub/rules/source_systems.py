"""The other DLA systems whose values INFO shows, and the rules of a delivery from one.

Some fields of the 8 domains are not recorded by the LAO: they are pulled from another DLA
system and corrected there, not in INFO (seed 002:267, 286; `Field.source` in
`hub.rules.catalogue`). Each such system is declared here once: a stable code (the API's
and the command's name for it), its Thai and English names, and the OAuth scope its client
needs to deliver values (`pulled:<code>`). Which fields a system delivers is the
catalogue's: the fields whose `source` is the system's Thai name; a test checks every
pulled field has its system here.

A delivery (`check_delivery`) is a batch: a name the source gives it (its own export or run
id), and rows of (LAO code, fiscal year, field, value as text, fetched at). The rules here
are pure: a batch name is a short token; a field must be one this source delivers; a value
is read from text as a file's cell is (`hub.rules.record_files.text_value`) and checked
against the field's bounds as a clerk's would be (`hub.rules.validation`); a fetch time may
not lie in the future; a batch names each (LAO, year, field) at most once. Whether the LAO
and the year exist, and whether the year is open, is the service's to check.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub.rules.catalogue import DOMAINS, Domain, Field
from hub.rules.problems import validation_failed
from hub.rules.record_files import decode_csv, text_value
from hub.rules.validation import FieldError, api_name, validate

SCOPE_PREFIX = "pulled:"
BATCH_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
MAX_ROWS = 50_000  # rows per batch: a national export of one field fits, a request stays bounded


@dataclass(frozen=True)
class SourceSystem:
    code: str  # stable, as the API and the command name it: "LHR"
    name_th: str  # exactly the catalogue's `Field.source`
    name_en: str

    @property
    def scope(self) -> str:
        """The OAuth scope a client of this system needs to deliver its values."""
        return SCOPE_PREFIX + self.code.lower()

    @property
    def fields(self) -> tuple[tuple[Domain, Field], ...]:
        """The catalogue's fields this system delivers, with their domains."""
        return tuple((d, f) for d in DOMAINS for f in d.fields if f.source == self.name_th)


SOURCE_SYSTEMS: tuple[SourceSystem, ...] = (
    SourceSystem(
        "LHR", "ระบบบุคลากรท้องถิ่นแห่งชาติ (LHR)", "National Local Human Resources system (LHR)"
    ),
    SourceSystem(
        "ALLOWANCE",
        "ระบบสารสนเทศการจัดการฐานข้อมูลเบี้ยยังชีพ",
        "Subsistence-allowance database management system",
    ),
)
BY_CODE: dict[str, SourceSystem] = {s.code: s for s in SOURCE_SYSTEMS}
BY_NAME: dict[str, SourceSystem] = {s.name_th: s for s in SOURCE_SYSTEMS}
SOURCE_SCOPES: tuple[str, ...] = tuple(s.scope for s in SOURCE_SYSTEMS)


def system_of(f: Field) -> SourceSystem | None:
    """The system a pulled field comes from (None for a field the LAO records)."""
    return BY_NAME.get(f.source) if f.source else None


def field_by_api_name(name: str) -> tuple[Domain, Field] | None:
    """A domain field by its API name (`staff`, `villageHealthVolunteers`), or qualified by
    its section (`governance.staff`)."""
    section, _, bare = name.rpartition(".")
    for d in DOMAINS:
        if section and api_name_of_section(d) != section:
            continue
        for f in d.fields:
            if api_name(f) == bare:
                return d, f
    return None


def api_name_of_section(d: Domain) -> str:
    first, *rest = d.key.split("_")
    return first + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class DeliveredRow:
    """One value as a source system sends it."""

    lao_code: str
    fiscal_year: int
    field: str  # the field's API name
    value: str | None  # as text (as the system's export writes it); None: no value
    fetched_at: dt.datetime | None  # when the system produced it; None: the batch's time


@dataclass(frozen=True)
class CheckedRow:
    lao_code: str
    fiscal_year: int
    domain: Domain
    field: Field
    value: Any  # the value as stored
    fetched_at: dt.datetime  # UTC, whole seconds


def _error(path: str, code: str, en: str, th: str) -> FieldError:
    return FieldError(path, code, en, th)


def batch_problem(batch: str) -> FieldError | None:
    if not BATCH_PATTERN.fullmatch(batch):
        return _error(
            "batch",
            "INVALID",
            "a batch name is 1-64 letters, digits, '.', '_', ':' or '-', starting with a letter "
            "or digit",
            "ชื่อชุดข้อมูลต้องเป็นตัวอักษรอังกฤษ ตัวเลข หรือ . _ : - ไม่เกิน 64 ตัว",
        )
    return None


def utc_second(moment: dt.datetime) -> dt.datetime:
    """A fetch time as stored: UTC, whole seconds (a time without offset is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def check_delivery(
    source: SourceSystem,
    batch: str,
    rows: Sequence[DeliveredRow],
    *,
    delivered_at: dt.datetime,
    path: str = "values",
) -> tuple[list[CheckedRow], list[FieldError]]:
    """Check a batch against the catalogue (see the module docstring); every error is
    reported, each at its row (`values[3].value`)."""
    errors: list[FieldError] = []
    if problem := batch_problem(batch):
        errors.append(problem)
    if not rows:
        errors.append(_error(path, "REQUIRED", "a batch holds at least one value", "ชุดข้อมูลว่าง"))
    if len(rows) > MAX_ROWS:
        errors.append(
            _error(
                path,
                "TOO_LONG",
                f"a batch holds at most {MAX_ROWS:,} values (this one {len(rows):,})",
                f"ชุดข้อมูลหนึ่งชุดมีได้ไม่เกิน {MAX_ROWS:,} รายการ",
            )
        )
        return [], errors
    delivered = {api_name(f): (d, f) for d, f in source.fields}
    checked: list[CheckedRow] = []
    seen: set[tuple[str, int, str]] = set()
    for i, row in enumerate(rows):
        at = f"{path}[{i}]"
        found = delivered.get(row.field.rpartition(".")[2])
        if found is None:
            names = ", ".join(sorted(delivered))
            errors.append(
                _error(
                    f"{at}.field",
                    "UNKNOWN_FIELD",
                    f"{row.field}: {source.code} delivers only {names}",
                    f"{row.field}: {source.name_th} ส่งได้เฉพาะ {names}",
                )
            )
            continue
        d, f = found
        key = (row.lao_code, row.fiscal_year, f.name)
        if key in seen:
            errors.append(
                _error(
                    at,
                    "DUPLICATE",
                    f"{row.lao_code} {row.fiscal_year} {api_name(f)} is given twice in the batch",
                    f"{row.lao_code} ปี {row.fiscal_year} {f.label_th} ซ้ำในชุดข้อมูล",
                )
            )
            continue
        seen.add(key)
        # The value is checked as a clerk's would be, minus the read-only rule: the source
        # is exactly who may set it.
        writable = dataclasses.replace(f, source=None)
        cleaned, value_errors = validate(
            [writable], {f.name: text_value(writable, row.value)}, prefix=at
        )
        for e in value_errors:
            errors.append(dataclasses.replace(e, path=f"{at}.value"))
        try:
            fetched = utc_second(row.fetched_at or delivered_at)
        except OverflowError:  # a time whose UTC falls outside the calendar (year 1 +07:00)
            fetched = delivered_at + dt.timedelta(days=1)
        if fetched > delivered_at:
            errors.append(
                _error(
                    f"{at}.fetchedAt",
                    "OUT_OF_RANGE",
                    "a value cannot have been fetched after it was delivered (nor outside the calendar)",
                    "เวลาที่ดึงข้อมูลต้องไม่อยู่หลังเวลาที่ส่ง",
                )
            )
        if not value_errors:
            checked.append(
                CheckedRow(row.lao_code, row.fiscal_year, d, f, cleaned.get(f.name), fetched)
            )
    return checked, errors


EXPORT_COLUMNS = ("lao_code", "fiscal_year", "field", "value", "fetched_at")


def read_export(data: bytes) -> list[DeliveredRow]:
    """A source system's export as a CSV file (UTF-8 or Windows Thai, a header row naming
    `EXPORT_COLUMNS`; `fetched_at` ISO 8601, may be empty: the delivery's time). Refuses the
    file, naming each unreadable line, as `InvalidInput`."""
    text = decode_csv(data)
    lines = list(csv.reader(io.StringIO(text, newline="")))
    header = [h.strip().lower() for h in lines[0]] if lines else []
    missing = [c for c in EXPORT_COLUMNS if c not in header]
    if missing:
        raise validation_failed(
            [
                FieldError(
                    "file",
                    "UNREADABLE",
                    f"the header must name {', '.join(EXPORT_COLUMNS)} (missing: {', '.join(missing)})",
                    f"หัวตารางต้องมีคอลัมน์ {', '.join(EXPORT_COLUMNS)}",
                    line=1,
                )
            ]
        )
    at = {c: header.index(c) for c in EXPORT_COLUMNS}
    rows: list[DeliveredRow] = []
    errors: list[FieldError] = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        cell = {c: (cells[i].strip() if i < len(cells) else "") for c, i in at.items()}
        try:
            year = int(cell["fiscal_year"])
            fetched = dt.datetime.fromisoformat(cell["fetched_at"]) if cell["fetched_at"] else None
        except ValueError as exc:
            errors.append(
                FieldError(
                    "file",
                    "WRONG_TYPE",
                    f"line {number}: {exc}",
                    f"บรรทัด {number}: อ่านปีงบประมาณหรือเวลาที่ดึงข้อมูลไม่ได้",
                    line=number,
                )
            )
            continue
        value = cell["value"] or None
        rows.append(DeliveredRow(cell["lao_code"], year, cell["field"], value, fetched))
    if errors:
        raise validation_failed(errors)
    return rows
