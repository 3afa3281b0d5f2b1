"""A file of historical values in the pre-2020 shape: reading and checking it, all or nothing.

The file is CSV (UTF-8, a BOM allowed), one value a line, with the header
`lao_code,fiscal_year,domain,field,value`:

    lao_code,fiscal_year,domain,field,value
    6301101,2558,1,population,5210
    6301101,2558,7,has_wastewater_treatment,false

`domain` is the pre-2020 domain number (1 general … 8 finance, `hub.rules.catalogue_pre2020`),
`field` its catalogue name. A year must be before FY 2563 (the pre-2020 shape); a value is
checked as the current catalogue checks one (kind, bounds), a yes/no read from
true/false/1/0/ใช่/ไม่ใช่. Every error found is reported with its line; the file is imported
only when it has none (`hub.services.history`).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from hub.rules.catalogue import Field, Kind
from hub.rules.catalogue_pre2020 import PRE_2020_BY_NUMBER
from hub.rules.catalogue_years import CatalogueShape, shape_of
from hub.rules.validation import FieldError, validate

HEADER = ("lao_code", "fiscal_year", "domain", "field", "value")
_TRUE = {"true", "1", "yes", "ใช่", "มี"}
_FALSE = {"false", "0", "no", "ไม่ใช่", "ไม่มี"}


@dataclass
class HistoryFile:
    """The checked values: (lao code, fiscal year) → domain → field name → value."""

    values: dict[tuple[str, int], dict[int, dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict))
    )
    lines: int = 0


def _error(line: int, column: str, code: str, en: str, th: str) -> FieldError:
    return FieldError(f"file.{column}", code, en, th, line=line, column=column)


def _typed(f: Field, text: str) -> Any:
    """The value as the catalogue's kind holds it; the text itself when it is not one (the
    check then reports WRONG_TYPE in the catalogue's words)."""
    if f.kind is Kind.BOOL:
        lowered = text.strip().lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    if f.kind is Kind.INT:
        try:
            return int(text.replace(",", ""))
        except ValueError:
            return text
    if f.kind is Kind.DECIMAL:
        try:
            return float(text.replace(",", ""))
        except ValueError:
            return text
    return text


def read(data: bytes) -> tuple[HistoryFile, list[FieldError]]:
    """The file's values and every error found (line numbers count the header as 1)."""
    result = HistoryFile()
    errors: list[FieldError] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return result, [_error(1, "file", "WRONG_TYPE", "not UTF-8 text", "ไม่ใช่ข้อความ UTF-8")]
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(h.strip() for h in rows[0]) != HEADER:
        return result, [
            _error(
                1,
                "header",
                "WRONG_TYPE",
                f"the header must be {','.join(HEADER)}",
                f"หัวตารางต้องเป็น {','.join(HEADER)}",
            )
        ]
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            errors.append(_error(number, "line", "WRONG_TYPE", "needs 5 columns", "ต้องมี 5 คอลัมน์"))
            continue
        code, year_text, domain_text, name, value = (cell.strip() for cell in row)
        result.lines += 1
        try:
            year = int(year_text)
        except ValueError:
            errors.append(
                _error(number, "fiscal_year", "WRONG_TYPE", "must be a BE year", "ต้องเป็นปี พ.ศ.")
            )
            continue
        if shape_of(year) is not CatalogueShape.PRE_2020:
            errors.append(
                _error(
                    number,
                    "fiscal_year",
                    "OUT_OF_RANGE",
                    f"fiscal year {year} is in the current shape: only years before 2563 are "
                    "imported as history",
                    f"ปีงบประมาณ {year} เป็นข้อมูลรูปแบบปัจจุบัน นำเข้าเป็นข้อมูลย้อนหลังได้เฉพาะปีก่อน 2563",
                )
            )
            continue
        d = PRE_2020_BY_NUMBER.get(int(domain_text)) if domain_text.isdigit() else None
        if d is None:
            errors.append(
                _error(number, "domain", "NOT_A_CHOICE", "must be 1 to 8", "ต้องเป็น 1 ถึง 8")
            )
            continue
        by_name = {f.name: f for f in d.fields}
        if name not in by_name:
            errors.append(
                _error(
                    number,
                    "field",
                    "UNKNOWN_FIELD",
                    f"domain {d.number} ({d.label_en}) of the pre-2020 shape has no field "
                    f"{name!r}; it has {', '.join(by_name)}",
                    f"ด้านที่ {d.number} {d.label_th} ไม่มีรายการ {name}",
                )
            )
            continue
        cleaned, invalid = validate(
            d.fields, {name: _typed(by_name[name], value)}, prefix=f"{d.key}"
        )
        for e in invalid:
            errors.append(_error(number, "value", e.code, e.message_en, e.message_th))
        if not invalid:
            result.values[(code, year)][d.number][name] = cleaned[name]
    if result.lines == 0 and not errors:
        errors.append(_error(2, "file", "EMPTY", "the file has no lines", "ไฟล์ไม่มีข้อมูล"))
    return result, errors
