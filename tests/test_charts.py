"""The dashboards' server-side SVG charts (hub/web/console/charts.py): well-formed SVG with
an accessible name and description, every figure written as text, series told apart by more
than colour, and labels that fit."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hub.web.console import charts

SVG = "{http://www.w3.org/2000/svg}"

STATES = (
    charts.Series("ยังไม่รับรอง", "#ffffff", pattern="hatch"),
    charts.Series("อปท. รับรองแล้ว", "#f2c14e"),
    charts.Series("จังหวัดรับรองแล้ว", "#11683a", ink="#ffffff"),
)


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def texts(svg: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]


def test_a_chart_is_an_image_named_and_described_by_its_own_title_and_desc():
    svg = parse(
        charts.stacked_bars(
            "c1",
            "ความคืบหน้า",
            "แถบละหนึ่งอำเภอ",
            STATES,
            [charts.StackedRow("บางพลี", (3, 1, 2), "50.0% · 3/6")],
        )
    )
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id == "c1-title"
    assert svg.find(f"{SVG}title").text == "ความคืบหน้า"
    assert svg.find(f"{SVG}desc").get("id") == desc_id == "c1-desc"
    assert svg.find(f"{SVG}desc").text == "แถบละหนึ่งอำเภอ"
    assert svg.get("viewBox").startswith("0 0 720 ")
    # No style attributes: the console's CSP allows no inline style.
    assert not [e for e in svg.iter() if "style" in e.attrib]


def test_stacked_bars_write_each_count_the_note_and_the_legend_in_words():
    rows = [
        charts.StackedRow("เมืองสมุทรปราการ", (2, 7, 6), "86.7% · 13/15"),
        charts.StackedRow("บางบ่อ", (5, 0, 4), "44.4% · 4/9"),
    ]
    svg = parse(charts.stacked_bars("p", "t", "d", STATES, rows))
    words = texts(svg)
    for expected in ("เมืองสมุทรปราการ", "บางบ่อ", "86.7% · 13/15", "44.4% · 4/9", "7", "6", "5"):
        assert expected in words
    for series in STATES:
        assert series.label in words  # the legend names every series
    # A zero part draws nothing: bangbo has no LAO-certified segment.
    rects = [r for r in svg.iter(f"{SVG}rect") if r.get("height") == str(charts.BAR)]
    assert len(rects) == 3 + 2  # bars' parts (legend swatches are 16 high)


def test_series_differ_by_pattern_not_only_colour_and_ids_are_per_chart():
    one = str(charts.stacked_bars("a", "t", "d", STATES, [charts.StackedRow("x", (1, 1, 1), "")]))
    two = str(charts.stacked_bars("b", "t", "d", STATES, [charts.StackedRow("x", (1, 1, 1), "")]))
    assert 'id="a-p0"' in one and 'fill="url(#a-p0)"' in one
    assert 'id="b-p0"' in two and "a-p0" not in two  # two charts on a page never share ids
    # The hatched part's count gets a white outline to stay readable over the pattern.
    svg = parse(one)
    halo = [t for t in svg.iter(f"{SVG}text") if t.get("paint-order") == "stroke"]
    assert halo and halo[0].get("stroke") == "#ffffff"


def test_the_deadline_marker_is_drawn_and_kept_inside_the_bars():
    rows = [charts.StackedRow("x", (1, 1, 0), "50%")]
    svg = parse(charts.stacked_bars("m", "t", "d", STATES, rows, marker=charts.Marker(1.7, "เวลา")))
    dashed = [line for line in svg.iter(f"{SVG}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 1
    x = float(dashed[0].get("x1"))
    assert x <= charts.WIDTH
    assert "เวลา" in texts(svg)


def test_an_area_without_laos_draws_an_empty_outlined_bar():
    svg = parse(
        charts.stacked_bars("e", "t", "d", STATES, [charts.StackedRow("ว่าง", (0, 0, 0), "–")])
    )
    outlined = [r for r in svg.iter(f"{SVG}rect") if r.get("fill") == "#ffffff" and r.get("stroke")]
    assert outlined


def test_text_is_escaped():
    svg = charts.stacked_bars(
        "x", "<script>", "a & b", STATES, [charts.StackedRow("<b>", (1, 0, 0), "1 < 2")]
    )
    assert "<script>" not in str(svg) and "&lt;script&gt;" in str(svg)
    assert "<b>" in texts(parse(svg))


def test_thai_marks_take_no_width_and_long_labels_are_cut():
    assert charts.text_width("กิ") == charts.text_width("ก")
    assert charts.text_width("น้ำ") == charts.text_width("นำ")
    long = "องค์การบริหารส่วนตำบลที่มีชื่อยาวมากจนล้นพื้นที่ของป้ายชื่อ"
    svg = parse(
        charts.stacked_bars("l", "t", "d", STATES, [charts.StackedRow(long, (1, 0, 0), "")])
    )
    label = texts(svg)[3]  # after the scale's three labels
    assert label.endswith("…") and long.startswith(label[:-1])


def test_columns_scale_to_the_tallest_and_label_every_bar():
    bars = [
        charts.Column("5 คะแนน", 16, "16 (28.6%)"),
        charts.Column("3 คะแนน", 18, "18 (32.1%)"),
        charts.Column("0 คะแนน", 0, "0 (0.0%)"),
    ]
    svg = parse(charts.columns("lpa", "t", "d", bars))
    heights = [float(r.get("height")) for r in svg.iter(f"{SVG}rect")]
    assert heights[1] == max(heights) and heights[2] == 0
    assert abs(heights[0] / heights[1] - 16 / 18) < 1e-3
    for bar in bars:
        assert bar.label in texts(svg) and bar.note in texts(svg)


def test_rate_bars_mark_the_target_and_say_met_or_not_in_words():
    rows = [
        charts.RateRow("สมุทรปราการ", 0.972, 0.8, "97.2% ✓ ผ่านเป้าหมาย", True),
        charts.RateRow("นนทบุรี", 0.45, 0.8, "45.0% ✗ ต่ำกว่าเป้าหมาย", False),
        charts.RateRow("ปทุมธานี", None, None, "ไม่มีฐานข้อมูลอ้างอิง"),
    ]
    markup = str(charts.rate_bars("k", "t", "d", rows))
    svg = parse(markup)
    words = texts(svg)
    assert {"97.2% ✓ ผ่านเป้าหมาย", "45.0% ✗ ต่ำกว่าเป้าหมาย", "ไม่มีฐานข้อมูลอ้างอิง"} <= set(words)
    assert {"ผ่านเป้าหมาย", "ต่ำกว่าเป้าหมาย", "เป้าหมาย"} <= set(words)  # the legend
    bars = [r for r in svg.iter(f"{SVG}rect") if r.get("height") == str(charts.BAR)]
    assert [b.get("fill") for b in bars] == ["#11683a", "url(#k-p1)"]  # met solid, below hatched
    widths = [float(b.get("width")) for b in bars]
    assert abs(widths[1] / widths[0] - 0.45 / 0.972) < 1e-3
    targets = [
        line
        for line in svg.iter(f"{SVG}line")
        if line.get("stroke-dasharray") == "3 2" and line.get("y1") != line.get("y2")
    ]
    assert len(targets) == 2 + 1  # one per measured row, and the legend's swatch


def test_many_rows_are_drawn_tighter():
    few = parse(
        charts.stacked_bars("f", "t", "d", STATES, [charts.StackedRow("x", (1, 1, 1), "")] * 10)
    )
    many = parse(
        charts.stacked_bars("m", "t", "d", STATES, [charts.StackedRow("x", (1, 1, 1), "")] * 77)
    )
    per_row_few = float(few.get("height")) / 10
    per_row_many = float(many.get("height")) / 77
    assert per_row_many < per_row_few
