"""Input validation driven by the catalogue: every error names its field, in English and Thai.

`validate` checks values for fields of one domain section or record table against their
declarations (kind, bounds, choices, length, read-only source) and returns the cleaned values
(Thai text NFC-normalised and trimmed) with every error found, not just the first.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.rules.catalogue import THAILAND_LATITUDE, THAILAND_LONGITUDE, Field, Kind

BE_OFFSET = 543


@dataclass(frozen=True)
class FieldError:
    path: str  # e.g. "waterManagement.householdsWithTapWater" or "waterSupplySystem.yearBuiltBe"
    code: str  # OUT_OF_RANGE | NOT_A_CHOICE | TOO_LONG | READ_ONLY | UNKNOWN_FIELD | WRONG_TYPE | REQUIRED
    message_en: str
    message_th: str
    # Where in an uploaded file (`hub.rules.record_files`): the line (the spreadsheet's row
    # number, the header being 1) and the column's heading as the file wrote it.
    line: int | None = None
    column: str | None = None


@functools.lru_cache(maxsize=4096)
def camel(snake: str) -> str:
    first, *rest = snake.split("_")
    return first + "".join(part.capitalize() for part in rest)


def api_name(f: Field) -> str:
    """The name a caller knows the field by in the API's inputs (a village is given by its
    number: `villageNumber`)."""
    return "villageNumber" if f.kind is Kind.VILLAGE else camel(f.name)


def api_names(names: Iterable[str]) -> list[str]:
    """Catalogue names of fields and record tables (e.g. what `hub.rules.completeness` reports
    missing) as the API names them: `complaintsResolved`, `waterSupplySystems`."""
    return [camel(name) for name in names]


def normalise_text(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def current_be_year(today: dt.date | None = None) -> int:
    return (today or dt.date.today()).year + BE_OFFSET


def _fmt(value: float | None) -> str:
    if value is None:
        return "…"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def _check(f: Field, value: Any, path: str, today: dt.date | None) -> tuple[Any, FieldError | None]:
    label = f"{f.label_en} ({f.label_th})"

    def err(code: str, en: str, th: str) -> tuple[Any, FieldError]:
        return value, FieldError(path, code, f"{label}: {en}", f"{f.label_th}: {th}")

    if f.kind in (Kind.INT, Kind.YEAR_BE, Kind.VILLAGE) and (
        isinstance(value, bool) or not isinstance(value, int)
    ):
        return err("WRONG_TYPE", "must be a whole number", "ต้องเป็นจำนวนเต็ม")
    if f.kind in (Kind.DECIMAL, Kind.LATITUDE, Kind.LONGITUDE):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            return err("WRONG_TYPE", "must be a number", "ต้องเป็นตัวเลข")
        value = float(value)
    if f.kind in (Kind.INT, Kind.DECIMAL):
        low, high = f.minimum, f.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            if low == 0 and value < 0:
                return err("OUT_OF_RANGE", "cannot be negative", "ต้องไม่ติดลบ")
            return err(
                "OUT_OF_RANGE",
                f"must be between {_fmt(low)} and {_fmt(high)}, got {_fmt(value)}",
                f"ต้องอยู่ระหว่าง {_fmt(low)} ถึง {_fmt(high)} (ได้รับ {_fmt(value)})",
            )
    elif f.kind is Kind.YEAR_BE:
        low = int(f.minimum or 2400)
        high = current_be_year(today)
        if not low <= value <= high:
            hint = " (a Buddhist-Era year: CE + 543)" if 1900 <= value <= 2100 else ""
            return err(
                "OUT_OF_RANGE",
                f"must be a Buddhist-Era year between {low} and {high}, got {value}{hint}",
                f"ต้องเป็นปี พ.ศ. ระหว่าง {low} ถึง {high} (ได้รับ {value})",
            )
    elif f.kind is Kind.LATITUDE or f.kind is Kind.LONGITUDE:
        low, high = THAILAND_LATITUDE if f.kind is Kind.LATITUDE else THAILAND_LONGITUDE
        if not low <= value <= high:
            return err(
                "OUT_OF_RANGE",
                f"must be inside Thailand ({low}–{high}), got {value}",
                f"ต้องอยู่ในประเทศไทย ({low}–{high}) (ได้รับ {value})",
            )
    elif f.kind is Kind.BOOL:
        if not isinstance(value, bool):
            return err("WRONG_TYPE", "must be true or false", "ต้องเป็นจริงหรือเท็จ")
    elif f.kind is Kind.TEXT:
        if not isinstance(value, str):
            return err("WRONG_TYPE", "must be text", "ต้องเป็นข้อความ")
        value = normalise_text(value)
        if f.max_length is not None and len(value) > f.max_length:
            return err(
                "TOO_LONG",
                f"must be at most {f.max_length} characters, got {len(value)}",
                f"ต้องยาวไม่เกิน {f.max_length} ตัวอักษร (ได้รับ {len(value)})",
            )
        if value == "":
            value = None
    elif f.kind is Kind.CHOICE:
        if value not in f.choice_codes:
            return err(
                "NOT_A_CHOICE",
                f"must be one of {', '.join(f.choice_codes)}, got {value!r}",
                f"ต้องเป็นค่าใดค่าหนึ่งใน {', '.join(f.choice_codes)}",
            )
    elif f.kind is Kind.DATE:
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                return err(
                    "WRONG_TYPE",
                    "must be a real date, e.g. 2026-01-31 or 31/1/2569 (Buddhist Era)",
                    "ต้องเป็นวันที่ที่มีอยู่จริง เช่น 31/1/2569 หรือ 2026-01-31",
                )
        if not isinstance(value, dt.date):
            return err("WRONG_TYPE", "must be a date", "ต้องเป็นวันที่")
        if value > (today or dt.date.today()):
            return err("OUT_OF_RANGE", "cannot be in the future", "ต้องไม่เป็นวันในอนาคต")
    return value, None


def validate(
    fields: Iterable[Field],
    values: Mapping[str, Any],
    *,
    prefix: str,
    today: dt.date | None = None,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Clean `values` (keyed by field name) against `fields`; None clears a value.

    Returns (cleaned values keyed by field name, errors). Values of read-only fields (pulled
    from another DLA system) and unknown names are errors.
    """
    by_name = {f.name: f for f in fields}
    cleaned: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, value in values.items():
        f = by_name.get(name)
        path = f"{prefix}.{api_name(f) if f is not None else camel(name)}"
        if f is None:
            errors.append(
                FieldError(path, "UNKNOWN_FIELD", f"{name}: no such field", f"{name}: ไม่มีรายการนี้")
            )
            continue
        if f.read_only:
            errors.append(
                FieldError(
                    path,
                    "READ_ONLY",
                    f"{f.label_en} ({f.label_th}): pulled from {f.source}; correct it there",
                    f"{f.label_th}: ดึงข้อมูลจาก {f.source} ให้แก้ไขที่ระบบต้นทาง",
                )
            )
            continue
        if value is None:
            cleaned[name] = None
            continue
        value, error = _check(f, value, path, today)
        if error:
            errors.append(error)
        else:
            cleaned[name] = value
    return cleaned, errors


def require(fields: Iterable[Field], values: Mapping[str, Any], *, prefix: str) -> list[FieldError]:
    """Errors for required fields missing from a new record (records, unlike sections, are
    saved whole)."""
    return [
        FieldError(
            f"{prefix}.{api_name(f)}",
            "REQUIRED",
            f"{f.label_en} ({f.label_th}): is required",
            f"{f.label_th}: ต้องระบุ",
        )
        for f in fields
        if f.required and values.get(f.name) is None and not f.read_only
    ]
