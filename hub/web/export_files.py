"""Rows written as a file, a page at a time: CSV (UTF-8 with a byte-order mark, so Excel shows
the Thai), XLSX (openpyxl's write-only mode: each row goes to a temporary file as it comes,
so memory holds one row, not the sheet) and JSON Lines.

A writer takes the header once, then `rows(page)` per page and `end()`; each returns the bytes
ready to send (XLSX's come at the end, read back from the temporary file in pieces of
`CHUNK_BYTES`). Nothing holds more than the page it is given.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from hub.rules.exports import ExportFormat

CHUNK_BYTES = 256 * 1024


@dataclass(frozen=True)
class Column:
    key: str  # the JSON Lines key
    th: str  # the spreadsheet header (Thai)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return value


class Writer:
    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = tuple(columns)

    def begin(self) -> bytes:
        return b""

    def rows(self, page: Sequence[Sequence[Any]]) -> bytes:
        raise NotImplementedError

    def end(self) -> Iterator[bytes]:
        return iter(())


class CsvWriter(Writer):
    def _text(self, rows: Sequence[Sequence[Any]]) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows([[_cell(v) for v in row] for row in rows])
        return out.getvalue().encode("utf-8")

    def begin(self) -> bytes:
        return "\ufeff".encode() + self._text([[c.th for c in self.columns]])

    def rows(self, page: Sequence[Sequence[Any]]) -> bytes:
        return self._text(page)


class JsonLinesWriter(Writer):
    def rows(self, page: Sequence[Sequence[Any]]) -> bytes:
        keys = [c.key for c in self.columns]
        return b"".join(orjson.dumps(dict(zip(keys, row, strict=True))) + b"\n" for row in page)


class XlsxWriter(Writer):
    def __init__(self, columns: Sequence[Column], title: str = "export") -> None:
        from openpyxl import Workbook

        super().__init__(columns)
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(title[:31])
        self.sheet.freeze_panes = "A2"
        self.sheet.append([c.th for c in self.columns])

    def rows(self, page: Sequence[Sequence[Any]]) -> bytes:
        for row in page:
            self.sheet.append(["" if v is None else v for v in row])
        return b""

    def end(self) -> Iterator[bytes]:
        with tempfile.TemporaryFile() as out:
            self.book.save(out)
            out.seek(0)
            while piece := out.read(CHUNK_BYTES):
                yield piece


def writer(file_format: ExportFormat, columns: Sequence[Column], title: str) -> Writer:
    if file_format is ExportFormat.CSV:
        return CsvWriter(columns)
    if file_format is ExportFormat.JSONL:
        return JsonLinesWriter(columns)
    return XlsxWriter(columns, title)
