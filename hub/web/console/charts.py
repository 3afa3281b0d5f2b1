"""Charts people read at a glance: SVG written on the server, no JavaScript, no library.

Each function returns one `<svg role="img">` (as `markupsafe.Markup`, ready for a template)
that carries its own accessible name and description (`<title>`, `<desc>`, referenced by
`aria-labelledby`), writes every figure as text next to what it draws, and never tells
series apart by colour alone: each series also has its own pattern or lightness, a legend
in words, and a fixed order. The page shows the same figures in a table under the chart.

Layout is computed here in SVG user units (a fixed-width `viewBox` that CSS scales to the
column), so the text widths are estimates: `text_width` counts Thai vowel and tone marks as
zero-width, as they stack on their consonant.

- `stacked_bars`: one 100 % bar per area split into series (certification states, LPA
  scores), with an optional vertical marker (the share of the round already elapsed).
- `columns`: a few vertical bars, each labelled with its count and share (LPA scores).
- `rate_bars`: one bar per area from 0 to 100 % with the area's target marked (KPI 16).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720  # user units; CSS scales the SVG to its column
FONT = 14  # font size of labels, user units
ROW = 26  # height of one bar's row
BAR = 18  # thickness of a bar
GAP = 8
INK = "#1b1f24"
MUTED = "#4a5561"
GRID = "#c9d1da"


@dataclass(frozen=True)
class Series:
    """One kind of segment: its legend text, fill, optional pattern and the ink on it."""

    label: str
    fill: str
    ink: str = INK  # text drawn on the fill
    pattern: str | None = None  # "hatch" or "dots": drawn over `fill` in `pattern_ink`
    pattern_ink: str = "#6b7785"
    swatch: str = "box"  # the legend's swatch: a filled "box", or a dashed "line" (a marker)


@dataclass(frozen=True)
class StackedRow:
    label: str
    values: Sequence[int]  # one per series, in series order
    note: str  # written after the bar, e.g. "71 % · 40/56"


@dataclass(frozen=True)
class Column:
    label: str
    value: int
    note: str  # written above the bar, e.g. "16 (29 %)"


@dataclass(frozen=True)
class RateRow:
    label: str
    rate: float | None  # 0–1; None: nothing to measure (drawn as text only)
    target: float | None  # 0–1
    note: str  # written after the bar, e.g. "97.2 % ✓ ผ่านเป้าหมาย"
    met: bool | None = None


@dataclass(frozen=True)
class Marker:
    """A vertical line across a stacked chart at `at` (0–1), labelled at the top."""

    at: float
    label: str


def text_width(text: str, size: float = FONT) -> float:
    """An estimate of `text`'s rendered width: Thai marks above and below take no room."""
    width = 0.0
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        if "\u0e00" <= ch <= "\u0e7f":
            width += 0.6
        elif ch.isupper() or ch in "%MW@✓✗":
            width += 0.72
        elif ch in " .,:;|'·":
            width += 0.3
        else:
            width += 0.6
    return width * size


def _fit(text: str, room: float, size: float = FONT) -> str:
    """`text`, cut with an ellipsis so that it fits in `room`."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(chart_id: str, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'viewBox="0 0 {WIDTH} {_num(height)}" width="{WIDTH}" height="{_num(height)}" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg" '
        f'font-size="{FONT}">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]


def _patterns(chart_id: str, series: Sequence[Series]) -> list[str]:
    parts = ["<defs>"]
    for i, s in enumerate(series):
        if s.pattern == "hatch":
            parts.append(
                f'<pattern id="{escape(chart_id)}-p{i}" patternUnits="userSpaceOnUse" '
                f'width="6" height="6" patternTransform="rotate(45)">'
                f'<rect width="6" height="6" fill="{s.fill}"/>'
                f'<line x1="0" y1="0" x2="0" y2="6" stroke="{s.pattern_ink}" stroke-width="2"/>'
                "</pattern>"
            )
        elif s.pattern == "dots":
            parts.append(
                f'<pattern id="{escape(chart_id)}-p{i}" patternUnits="userSpaceOnUse" '
                f'width="6" height="6"><rect width="6" height="6" fill="{s.fill}"/>'
                f'<circle cx="3" cy="3" r="1.2" fill="{s.pattern_ink}"/></pattern>'
            )
    parts.append("</defs>")
    return parts


def _paint(chart_id: str, series: Sequence[Series], i: int) -> str:
    return f"url(#{escape(chart_id)}-p{i})" if series[i].pattern else series[i].fill


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    fill: str = INK,
    weight: str | None = None,
    halo: str | None = None,
    size: float | None = None,
) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    if size is not None:
        extra += f' font-size="{_num(size)}"'
    if halo:  # an outline of the background under the glyphs: readable over a pattern or line
        extra += f' stroke="{halo}" stroke-width="3" paint-order="stroke" stroke-linejoin="round"'
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" fill="{fill}"{extra}>'
        f"{escape(text)}</text>"
    )


def _legend(chart_id: str, series: Sequence[Series], y: float) -> tuple[list[str], float]:
    """Swatches with their words, wrapped over as many lines as needed; returns the height."""
    parts, x, line = [], 0.0, 0
    for i, s in enumerate(series):
        need = 22 + text_width(s.label) + 18
        if x > 0 and x + need > WIDTH:
            x, line = 0.0, line + 1
        top = y + line * (ROW - 4)
        if s.swatch == "line":
            parts.append(
                f'<line x1="{_num(x + 8)}" y1="{_num(top - 1)}" x2="{_num(x + 8)}" '
                f'y2="{_num(top + 17)}" stroke="{INK}" stroke-width="2" stroke-dasharray="3 2"/>'
            )
        else:
            parts.append(
                f'<rect x="{_num(x)}" y="{_num(top)}" width="16" height="16" '
                f'fill="{_paint(chart_id, series, i)}" stroke="{MUTED}" stroke-width="1"/>'
            )
        parts.append(_text(x + 22, top + 13, s.label))
        x += need
    return parts, (line + 1) * (ROW - 4)


def _rows(count: int) -> tuple[int, int]:
    """A row's height and a bar's thickness: tighter when there are many rows (77 provinces)."""
    return (ROW, BAR) if count <= 30 else (ROW - 4, BAR - 2)


def _label_room(labels: Sequence[str]) -> float:
    widest = max((text_width(label) for label in labels), default=0.0)
    return min(max(widest + 12, 60.0), 220.0)


def stacked_bars(
    chart_id: str,
    title: str,
    desc: str,
    series: Sequence[Series],
    rows: Sequence[StackedRow],
    *,
    marker: Marker | None = None,
    scale_labels: tuple[str, str, str] = ("0%", "50%", "100%"),
) -> Markup:
    """One 100 % bar per row, split into `series`; each part's count written on it when it
    fits, the row's `note` after the bar, an optional `marker` line across every bar."""
    label_room = _label_room([r.label for r in rows])
    note_room = max((text_width(r.note) for r in rows), default=0.0) + 12
    bar_x = label_room
    bar_w = max(WIDTH - label_room - note_room, 200.0)
    row, bar = _rows(len(rows))
    top = 2 * FONT + 6  # the scale (and the marker's label) above the bars
    body = top + len(rows) * row
    labels: list[str] = []  # drawn last: over the marker
    legend, legend_h = _legend(chart_id, series, body + GAP)
    height = body + GAP + legend_h + 4

    parts = _open(chart_id, height, title, desc)
    parts += _patterns(chart_id, series)
    for fraction, text in zip((0.0, 0.5, 1.0), scale_labels, strict=True):
        x = bar_x + fraction * bar_w
        anchor = "start" if fraction == 0 else "end" if fraction == 1 else "middle"
        parts.append(_text(x, top - 6, text, anchor=anchor, fill=MUTED, size=FONT - 2))
        parts.append(
            f'<line x1="{_num(x)}" y1="{_num(top - 2)}" x2="{_num(x)}" y2="{_num(body)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
    for r, entry in enumerate(rows):
        y = top + r * row + (row - bar) / 2
        parts.append(_text(bar_x - 8, y + bar - 4, _fit(entry.label, label_room - 8), anchor="end"))
        total = sum(entry.values)
        if total == 0:
            parts.append(
                f'<rect x="{_num(bar_x)}" y="{_num(y)}" width="{_num(bar_w)}" height="{bar}" '
                f'fill="#ffffff" stroke="{GRID}"/>'
            )
        x = bar_x
        for i, value in enumerate(entry.values):
            if value <= 0 or total == 0:
                continue
            w = bar_w * value / total
            parts.append(
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{bar}" '
                f'fill="{_paint(chart_id, series, i)}" stroke="#ffffff" stroke-width="1"/>'
            )
            label = f"{value:,}"
            if text_width(label, FONT - 1) + 6 <= w:
                labels.append(
                    _text(
                        x + w / 2,
                        y + bar - 4,
                        label,
                        anchor="middle",
                        fill=series[i].ink,
                        halo="#ffffff" if series[i].pattern else series[i].fill,
                        size=FONT - 1,
                    )
                )
            x += w
        parts.append(_text(bar_x + bar_w + 8, y + bar - 4, entry.note))
    if marker is not None:
        at = min(max(marker.at, 0.0), 1.0)
        x = bar_x + at * bar_w
        parts.append(
            f'<line x1="{_num(x)}" y1="{_num(FONT + 2)}" x2="{_num(x)}" y2="{_num(body)}" '
            f'stroke="{INK}" stroke-width="2" stroke-dasharray="5 3"/>'
        )
        anchor = "start" if at < 0.25 else "end" if at > 0.75 else "middle"
        parts.append(_text(x, FONT, marker.label, anchor=anchor, weight="700", size=FONT - 1))
    parts += labels
    parts += legend
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(
    chart_id: str, title: str, desc: str, bars: Sequence[Column], *, fill: str = "#0b4f8a"
) -> Markup:
    """A few vertical bars on a common scale, each with its count (and share) above it and
    its label below: a distribution read at a glance."""
    plot_h = 160.0
    top = FONT + 10
    height = top + plot_h + FONT * 2 + 10
    count = max(len(bars), 1)
    slot = WIDTH / count
    bar_w = min(slot * 0.6, 120.0)
    peak = max((b.value for b in bars), default=0) or 1
    parts = _open(chart_id, height, title, desc)
    base = top + plot_h
    parts.append(
        f'<line x1="0" y1="{_num(base)}" x2="{WIDTH}" y2="{_num(base)}" stroke="{MUTED}"/>'
    )
    for i, bar in enumerate(bars):
        cx = slot * i + slot / 2
        h = plot_h * bar.value / peak
        parts.append(
            f'<rect x="{_num(cx - bar_w / 2)}" y="{_num(base - h)}" width="{_num(bar_w)}" '
            f'height="{_num(h)}" fill="{fill}"/>'
        )
        parts.append(_text(cx, base - h - 6, bar.note, anchor="middle", weight="700"))
        parts.append(_text(cx, base + FONT + 6, _fit(bar.label, slot - 8), anchor="middle"))
    parts.append("</svg>")
    return Markup("".join(parts))


MET = Series("ผ่านเป้าหมาย", "#11683a", ink="#ffffff")
NOT_MET = Series("ต่ำกว่าเป้าหมาย", "#f2c14e", pattern="hatch", pattern_ink="#a1121f")


def rate_bars(
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[RateRow],
    *,
    met: Series = MET,
    not_met: Series = NOT_MET,
    target_label: str = "เป้าหมาย",
) -> Markup:
    """One bar per row from 0 to 100 %, its target a dashed line across it; a bar that meets
    its target is solid, one below it hatched, and the note after it says which in words."""
    series = (met, not_met)
    label_room = _label_room([r.label for r in rows])
    note_room = max((text_width(r.note) for r in rows), default=0.0) + 12
    bar_x = label_room
    bar_w = max(WIDTH - label_room - note_room, 200.0)
    row, bar = _rows(len(rows))
    top = FONT + 10
    body = top + len(rows) * row
    legend_series = (*series, Series(target_label, "#ffffff", swatch="line"))
    legend, legend_h = _legend(chart_id, legend_series, body + GAP)
    height = body + GAP + legend_h + 4
    parts = _open(chart_id, height, title, desc)
    parts += _patterns(chart_id, series)
    for fraction, text in ((0.0, "0%"), (0.5, "50%"), (1.0, "100%")):
        x = bar_x + fraction * bar_w
        anchor = "start" if fraction == 0 else "end" if fraction == 1 else "middle"
        parts.append(_text(x, top - 6, text, anchor=anchor, fill=MUTED, size=FONT - 2))
        parts.append(
            f'<line x1="{_num(x)}" y1="{_num(top - 2)}" x2="{_num(x)}" y2="{_num(body)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
    for r, entry in enumerate(rows):
        y = top + r * row + (row - bar) / 2
        parts.append(_text(bar_x - 8, y + bar - 4, _fit(entry.label, label_room - 8), anchor="end"))
        if entry.rate is not None:
            w = bar_w * min(max(entry.rate, 0.0), 1.0)
            paint = _paint(chart_id, series, 0 if entry.met else 1)
            parts.append(
                f'<rect x="{_num(bar_x)}" y="{_num(y)}" width="{_num(w)}" height="{bar}" '
                f'fill="{paint}" stroke="{MUTED}" stroke-width="0.5"/>'
            )
        if entry.target is not None:
            x = bar_x + bar_w * min(max(entry.target, 0.0), 1.0)
            parts.append(
                f'<line x1="{_num(x)}" y1="{_num(y - 3)}" x2="{_num(x)}" y2="{_num(y + bar + 3)}" '
                f'stroke="{INK}" stroke-width="2" stroke-dasharray="3 2"/>'
            )
        parts.append(_text(bar_x + bar_w + 8, y + bar - 4, entry.note))
    parts += legend
    parts.append("</svg>")
    return Markup("".join(parts))
