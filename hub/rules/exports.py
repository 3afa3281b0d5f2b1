"""Exports: which lists can be exported, in which formats, and what their parameters must be.

The rows themselves are read through the API (the lists' GraphQL operations, run as the
caller: `hub/web/export_lists.py`), so an export never sees more than the caller's GraphQL
query would; these rules only check what was asked before any work starts.

    laos        LAO profiles (public fields) of a province or district, or the nation
    lao-years   each LAO with its fiscal year: state and every domain's values (the
                national extract without a province); domains the caller may not read
                are left empty, exactly as GraphQL answers null there
    progress    the dashboards' certification progress: the nation by province, or a
                province by district
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.rules.problems import invalid


class ExportFormat(enum.Enum):
    CSV = "csv"  # UTF-8 with a byte-order mark, so spreadsheet programs read the Thai
    XLSX = "xlsx"
    JSONL = "jsonl"  # one JSON object per line

    @property
    def media_type(self) -> str:
        return {
            "csv": "text/csv; charset=utf-8",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "jsonl": "application/jsonl; charset=utf-8",
        }[self.value]


LISTS = ("laos", "lao-years", "progress")
YEAR_REQUIRED = frozenset({"lao-years", "progress"})


class JobStatus(enum.Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


@dataclass(frozen=True)
class ExportRequest:
    list_name: str
    file_format: ExportFormat
    province_code: str | None = None
    district_code: str | None = None
    fiscal_year: int | None = None

    def parameters(self) -> dict[str, Any]:
        return {
            "province": self.province_code,
            "district": self.district_code,
            "fiscalYear": self.fiscal_year,
        }

    def stem(self) -> str:
        """The file's name without its extension (ASCII)."""
        parts = [self.list_name, self.province_code, self.district_code]
        parts.append(str(self.fiscal_year) if self.fiscal_year else None)
        return "-".join(p for p in parts if p)


def _code(value: Any, name: str, digits: int) -> str | None:
    if value is None or value == "":
        return None
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) == digits):
        raise invalid(
            name,
            "NOT_A_CODE",
            f"a {name} code of {digits} digits, got {text[:20]!r}",
            f"ต้องเป็นรหัส {digits} หลัก",
        )
    return text


def export_request(
    list_name: str, file_format: str, parameters: Mapping[str, Any]
) -> ExportRequest:
    """Check what was asked; every mistake names its field."""
    if list_name not in LISTS:
        raise invalid(
            "list",
            "NOT_A_CHOICE",
            f"{list_name[:40]!r} is not one of {', '.join(LISTS)}",
            f"ไม่มีรายการส่งออกชื่อนี้ (มี {', '.join(LISTS)})",
        )
    try:
        fmt = ExportFormat(file_format.lower())
    except ValueError:
        raise invalid(
            "format",
            "NOT_A_CHOICE",
            f"{file_format[:20]!r} is not one of csv, xlsx, jsonl",
            "รูปแบบไฟล์ต้องเป็น csv, xlsx หรือ jsonl",
        ) from None
    unknown = sorted(set(parameters) - {"province", "district", "fiscalYear"})
    if unknown:
        raise invalid(
            unknown[0][:40],
            "UNKNOWN_PARAMETER",
            "parameters are province, district and fiscalYear",
            "พารามิเตอร์ที่ใช้ได้คือ province, district และ fiscalYear",
        )
    year_raw = parameters.get("fiscalYear")
    year: int | None = None
    if year_raw not in (None, ""):
        text = str(year_raw)
        if not (text.isascii() and text.isdigit() and len(text) == 4):
            raise invalid(
                "fiscalYear",
                "NOT_A_YEAR",
                "a Buddhist-Era fiscal year, e.g. 2570",
                "ต้องเป็นปีงบประมาณ พ.ศ. เช่น 2570",
            )
        year = int(text)
    if year is None and list_name in YEAR_REQUIRED:
        raise invalid(
            "fiscalYear",
            "REQUIRED",
            f"the list {list_name} needs a fiscal year, e.g. fiscalYear=2570",
            "ต้องระบุปีงบประมาณ เช่น fiscalYear=2570",
        )
    return ExportRequest(
        list_name,
        fmt,
        _code(parameters.get("province"), "province", 2),
        _code(parameters.get("district"), "district", 4),
        year,
    )
