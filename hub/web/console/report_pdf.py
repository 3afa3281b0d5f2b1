"""The LAO-year report as an A4 PDF, made on the server: fpdf2 with HarfBuzz text shaping.

Thai needs shaping: tone marks and upper vowels stack on their consonant (ปี่, น้ำ, ญี่ปุ่น) only
when the font's GSUB/GPOS rules are applied; without them the marks collide or float. fpdf2
applies them through uharfbuzz once `set_text_shaping(True)` is on, and it embeds TrueType
only, so the report uses the vendored Sarabun TrueType (`static/vendor/sarabun-ttf-0.4.1`,
SIL OFL 1.1) rather than the woff2 subsets the pages load. The PDF carries the same content
as the HTML report (`hub.web.console.report.Report`): one layout is read, two are drawn.

Tables are drawn here rather than with fpdf2's `table()`: its wrapping shapes the text again
for every glyph it adds to a line (seconds for a report of a few pages), while `wrap` below
measures whole words, and cuts a word only between Thai clusters, never separating a mark
from its consonant.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import TextDirection

from hub.web.console.report import Report, Row

FONTS = Path(__file__).resolve().parent.parent / "static" / "vendor" / "sarabun-ttf-0.4.1"
FAMILY = "Sarabun"
INK = (27, 31, 36)
MUTED = (74, 85, 97)
BRAND = (11, 79, 138)
BAD = (161, 18, 31)
HEAD_FILL = (238, 241, 244)
LINE = (201, 209, 218)

# fontTools logs every subsetting step at INFO; the access log says enough.
logging.getLogger("fontTools").setLevel(logging.WARNING)


class ReportPDF(FPDF):
    """A4 pages with a running footer: the LAO, the year and the page number."""

    def __init__(self, report: Report) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report = report
        self._widths: dict[tuple[Any, ...], float] = {}
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=16)
        self.add_font(FAMILY, "", str(FONTS / "Sarabun_400Regular.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "Sarabun_700Bold.ttf"))
        self.set_text_shaping(True)
        self.set_title(f"{report.title} {report.lao_name}")
        self.set_author("INFO Hub")
        self.set_creator("INFO Hub")
        self.set_lang("en" if report.lang == "en" else "th")

    def _preload_bidirectional_text(self, text: str, markdown: bool) -> Any:
        # Every string of the report runs left to right (Thai, English, digits), so the
        # Unicode bidi analysis fpdf2 runs on each string before shaping it (pure Python,
        # about half of a report's time) has one answer: skip it. fpdf2 is pinned
        # (constraints.txt); the report's test renders and checks the PDF.
        if not self.text_shaping:
            return super()._preload_bidirectional_text(text, markdown)
        self.text_shaping["paragraph_direction"] = TextDirection.LTR
        self.text_shaping["fragment_direction"] = TextDirection.LTR
        return self._preload_font_styles(text, markdown)

    def get_string_width(self, s: str, normalized: bool = False, markdown: bool = False) -> float:
        # Labels and units repeat (every record has the same labels): measure each once.
        key = (self.font_family, self.font_style, self.font_size_pt, s, normalized, markdown)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = super().get_string_width(s, normalized, markdown)
        return width

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*MUTED)
        r = self.report
        left = f"{r.lao_name} ({r.code}) · {r.title}"
        self.cell(0, 5, left, align="L")
        self.set_x(self.l_margin)
        page = r.tr(f"หน้า {self.page_no()}/{{nb}}", f"Page {self.page_no()}/{{nb}}")
        self.cell(0, 5, page, align="R")


@dataclass(frozen=True)
class Cell:
    text: str
    bold: bool = False
    muted: bool = False
    align: str = "L"


# A run of text up to and including its spaces: where a line may break.
_WORDS = re.compile(r"\S+\s*|\s+")
# Thai signs that belong to the character before them (marks, SARA A/AA/AM, LAKKHANGYAO).
_ATTACHED = frozenset("\u0e30\u0e32\u0e33\u0e45")
# Leading vowels, which belong to the character after them.
_LEADING = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44")


def _clusters(word: str) -> list[str]:
    """`word` cut where a line may break inside it without splitting a Thai syllable's
    consonant from its marks (no dictionary: a fallback for words wider than a column)."""
    pieces: list[str] = []
    for ch in word:
        attaches = unicodedata.category(ch) in ("Mn", "Mc") or ch in _ATTACHED
        if pieces and (attaches or pieces[-1][-1] in _LEADING):
            pieces[-1] += ch
        else:
            pieces.append(ch)
    return pieces


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` in lines no wider than `width` at the current font: whole words where they fit,
    a word wider than a line cut between clusters. Measures whole runs (HarfBuzz shapes each
    once), which is what keeps a long report fast: fpdf2's own wrapping measures per glyph."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if pdf.get_string_width(paragraph) <= width:
            lines.append(paragraph)
            continue
        line = ""
        for word in _WORDS.findall(paragraph):
            pieces = [word] if pdf.get_string_width(word.rstrip()) <= width else _clusters(word)
            for piece in pieces:
                if line and pdf.get_string_width((line + piece).rstrip()) > width:
                    lines.append(line.rstrip())
                    line = piece.lstrip()
                else:
                    line += piece
        lines.append(line.rstrip())
    return lines


def _row(
    pdf: ReportPDF,
    widths: Sequence[float],
    cells: Sequence[Cell],
    *,
    size: float = 10,
    line_height: float = 5.2,
    fill: tuple[int, int, int] | None = None,
    header: Callable[[], None] | None = None,
) -> None:
    """One row of a table: cells wrapped to their column, a rule below, kept on one page
    (a new page repeats the table's `header`)."""
    pad_x, pad_y = 1.5, 1.0
    wrapped = []
    for w, c in zip(widths, cells, strict=True):
        pdf.set_font(FAMILY, "B" if c.bold else "", size)
        wrapped.append(wrap(pdf, c.text, w - 2 * pad_x))
    height = max(len(lines) for lines in wrapped) * line_height + 2 * pad_y
    if pdf.will_page_break(height):
        pdf.add_page()
        if header is not None:
            header()
    x, y = pdf.l_margin, pdf.get_y()
    if fill is not None:
        pdf.set_fill_color(*fill)
        pdf.rect(x, y, sum(widths), height, style="F")
    for w, c, lines in zip(widths, cells, wrapped, strict=True):
        pdf.set_font(FAMILY, "B" if c.bold else "", size)
        pdf.set_text_color(*(MUTED if c.muted else INK))
        for i, line in enumerate(lines):
            pdf.set_xy(x + pad_x, y + pad_y + i * line_height)
            pdf.cell(w - 2 * pad_x, line_height, line, align=c.align)
        x += w
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*LINE)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, y + height, pdf.l_margin + sum(widths), y + height)
    pdf.set_xy(pdf.l_margin, y + height)


def _table(
    pdf: ReportPDF,
    widths: Sequence[float],
    rows: Sequence[Sequence[Cell]],
    heading: Sequence[str] | None = None,
    size: float = 10,
) -> None:
    def header() -> None:
        if heading:
            cells = [
                Cell(h, bold=True, align=c.align) for h, c in zip(heading, rows[0], strict=True)
            ]
            _row(pdf, widths, cells, size=size, fill=HEAD_FILL)

    if not rows:
        return
    header()
    for cells in rows:
        _row(pdf, widths, cells, size=size, header=header)


def _heading(pdf: ReportPDF, text: str) -> None:
    if pdf.will_page_break(24):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FAMILY, "B", 13)
    pdf.set_text_color(*BRAND)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(0.5)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2)
    pdf.set_text_color(*INK)


def _subheading(pdf: ReportPDF, text: str, extra: str = "", bad: bool = False) -> None:
    if pdf.will_page_break(24):
        pdf.add_page()
    pdf.ln(1.5)
    pdf.set_font(FAMILY, "B", 11)
    pdf.set_text_color(*INK)
    pdf.cell(pdf.get_string_width(text) + 2, 7, text)
    if extra:
        pdf.set_font(FAMILY, "", 9)
        pdf.set_text_color(*(BAD if bad else MUTED))
        pdf.cell(0, 7, extra)
    pdf.ln(7)
    pdf.set_text_color(*INK)


def _note(pdf: ReportPDF, text: str, bad: bool = False) -> None:
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*(BAD if bad else MUTED))
    for line in wrap(pdf, text, pdf.epw):
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)


def _record(pdf: ReportPDF, number: int, rows: list[Row]) -> None:
    if pdf.will_page_break(7 + 6.2 * ((len(rows) + 1) // 2)):  # keep a record on one page
        pdf.add_page()
    pdf.set_font(FAMILY, "B", 10)
    pdf.cell(0, 6, f"{number}. {rows[0].value}", new_x="LMARGIN", new_y="NEXT")
    table = []
    for i in range(0, len(rows), 2):
        cells: list[Cell] = []
        for r in rows[i : i + 2]:
            cells += [Cell(r.label, muted=True), Cell(f"{r.value} {r.unit}".strip())]
        cells += [Cell(""), Cell("")] * (2 - len(rows[i : i + 2]))
        table.append(cells)
    _table(pdf, (38, 52, 38, 52), table, size=9)
    pdf.ln(2)


def render(report: Report) -> bytes:
    """The report as PDF bytes."""
    pdf = ReportPDF(report)
    pdf.add_page()
    tr = report.tr
    pdf.set_text_color(*INK)
    for size, bold, text in (
        (17, True, report.title),
        (13, True, f"{report.lao_name} ({tr('รหัส', 'code')} {report.code})"),
        (
            10,
            False,
            f"{tr('สถานะ', 'State')}: {report.state} · {tr('วันที่ได้รับข้อมูล', 'Data received')}: "
            f"{report.received} · {tr('กำหนดส่งข้อมูล', 'Deadline')}: {report.deadline}",
        ),
    ):
        pdf.set_font(FAMILY, "B" if bold else "", size)
        for line in wrap(pdf, text, pdf.epw):
            pdf.cell(0, size * 0.55, line, new_x="LMARGIN", new_y="NEXT")
    _note(pdf, f"{tr('จัดทำรายงานเมื่อ', 'Report made')} {report.generated} · INFO Hub")

    _heading(pdf, tr("ข้อมูลทั่วไป", "Profile"))
    profile = list(report.profile)
    if report.recorders is None:
        profile.append(
            Row(
                tr("ผู้บันทึกข้อมูล", "Data recorders"),
                tr("ข้อมูลส่วนบุคคล — ไม่แสดงสำหรับผู้ใช้นี้", "Personal data — not shown to you"),
            )
        )
    else:
        profile += report.recorders
    _table(pdf, (55, 125), [[Cell(r.label, bold=True), Cell(r.value)] for r in profile])

    _heading(pdf, tr("ข้อมูล 8 ด้าน", "The 8 domains"))
    heading = (tr("รายการ", "Item"), tr("ข้อมูล", "Value"), tr("หน่วย", "Unit"))
    for d in report.domains:
        status = tr("ครบ", "complete") if d.complete else tr("ยังไม่ครบ", "incomplete")
        _subheading(pdf, d.title, f"({status})", bad=not d.complete)
        if not d.complete and d.missing:
            _note(pdf, f"{tr('ยังไม่ได้บันทึก', 'Not recorded')}: {', '.join(d.missing)}", bad=True)
        rows = [
            [
                Cell(r.label + (f"\n{r.note}" if r.note else "")),
                Cell(r.value, align="R"),
                Cell(r.unit, muted=True),
            ]
            for r in d.rows
        ]
        _table(pdf, (110, 40, 30), rows, heading)
        _note(pdf, f"{tr('บันทึกล่าสุด', 'Last saved')}: {d.updated}")

    _heading(pdf, tr("รายการบันทึก", "Records"))
    for t in report.records:
        _subheading(pdf, t.title, f"— {len(t.records)} {tr('รายการ', 'records')}")
        if not t.records:
            _note(
                pdf,
                tr("ไม่มีในพื้นที่", "None in this area")
                if t.none_in_area
                else tr("ยังไม่ได้บันทึก", "Not recorded"),
                bad=not t.none_in_area,
            )
        for number, record in enumerate(t.records, start=1):
            _record(pdf, number, record)

    _heading(pdf, tr("ประวัติการรับรอง", "Certification history"))
    if report.history:
        _table(
            pdf,
            (30, 36, 39, 40, 35),
            [
                [
                    Cell(e.at),
                    Cell(e.from_state),
                    Cell(e.to_state),
                    Cell(f"{e.who}\n{e.role}"),
                    Cell(e.reason),
                ]
                for e in report.history
            ],
            (
                tr("วันเวลา", "When"),
                tr("สถานะเดิม", "From"),
                tr("สถานะใหม่", "To"),
                tr("ผู้ดำเนินการ", "Who"),
                tr("เหตุผล", "Why"),
            ),
            size=9,
        )
        if report.names_hidden:
            _note(
                pdf,
                tr(
                    "ชื่อผู้ดำเนินการเป็นข้อมูลส่วนบุคคล ไม่แสดงสำหรับผู้ใช้นี้",
                    "Who acted is personal data, not shown to you.",
                ),
            )
    else:
        _note(
            pdf,
            tr("ยังไม่มีการรับรองในปีงบประมาณนี้", "Nothing has been certified in this fiscal year yet."),
        )
    return bytes(pdf.output())
