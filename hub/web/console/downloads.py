"""A console table as a file: CSV (UTF-8 with a byte-order mark, so spreadsheet programs read
the Thai) or XLSX (openpyxl), with Thai column headers, the same rows the page shows.

A `Table` is what a page renders and what a download writes: its columns (Thai and English
header, kind) and rows of plain values, plus an optional total row. Percentages are numbers
of percent rounded to one decimal (71.4, not 0.714), the same in both formats; yes/no is
written in Thai words.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.responses import Response

Kind = Literal["text", "int", "percent", "number", "yesno"]

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YES_NO_TH = {True: "ผ่าน", False: "ไม่ผ่าน", None: ""}


@dataclass(frozen=True)
class Column:
    key: str
    th: str
    en: str
    kind: Kind = "text"


@dataclass
class Table:
    name: str  # the file name's stem and the page's anchor
    title_th: str
    title_en: str
    columns: Sequence[Column]
    rows: list[Mapping[str, Any]] = field(default_factory=list)
    total: Mapping[str, Any] | None = None  # the area as a whole, written last


def cell(column: Column, value: Any) -> Any:
    """A row's value as the file holds it."""
    if value is None:
        return ""
    if column.kind == "percent" or column.kind == "number":
        return round(float(value), 1)
    if column.kind == "yesno":
        return YES_NO_TH[bool(value)]
    return value


def _records(table: Table) -> list[list[Any]]:
    rows = [*table.rows, *([table.total] if table.total is not None else [])]
    return [[cell(c, row.get(c.key)) for c in table.columns] for row in rows]


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.th for c in table.columns])
    writer.writerows(_records(table))
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table, about: Sequence[tuple[str, str]] = ()) -> bytes:
    """One sheet of the table (headers bold, frozen, columns sized), and one "about" sheet
    saying what it is (source, fiscal year, area, when)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _sheet_title(table.title_th)
    sheet.append([c.th for c in table.columns])
    for cell_ in sheet[1]:
        cell_.font = Font(bold=True)
    for record in _records(table):
        sheet.append(record)
    if table.total is not None:
        for cell_ in sheet[sheet.max_row]:
            cell_.font = Font(bold=True)
    for i, column in enumerate(table.columns, start=1):
        letter = get_column_letter(i)
        if column.kind in ("percent", "number"):
            for row in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                row[0].number_format = "0.0"
        elif column.kind == "int":
            for row in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                row[0].number_format = "#,##0"
        width = max(len(str(column.th)), *(len(str(r[i - 1])) for r in _records(table)), 6)
        sheet.column_dimensions[letter].width = min(width + 4, 48)
    sheet.freeze_panes = "A2"
    if about:
        info = book.create_sheet("เกี่ยวกับ")
        for key, value in about:
            info.append([key, value])
        info.column_dimensions["A"].width = 24
        info.column_dimensions["B"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\."""
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    return title[:31]


def response(table: Table, fmt: str, stem: str, about: Sequence[tuple[str, str]] = ()) -> Response:
    """The table as a download (`fmt`: csv or xlsx) named `stem`.<fmt> (ASCII)."""
    if fmt == "csv":
        body, media = to_csv(table), CSV_TYPE
    elif fmt == "xlsx":
        body, media = to_xlsx(table, about), XLSX_TYPE
    else:
        raise ValueError(f"unknown download format {fmt!r}")
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{stem}.{fmt}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
