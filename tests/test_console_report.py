"""The printable report of an LAO-year, in a real browser against a live hub: the page (profile,
all 8 domains with every field's label, value and unit, the records, the certification history
with timestamps and names), printed to an A4 PDF by Chromium, and the PDF the hub makes itself
(fpdf2 + HarfBuzz, Sarabun). Both PDFs are rendered to PNG (poppler's `pdftoppm`) under
var/screenshots for people to look at, and their text is read back (`pdftotext`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from hub.rules.catalogue import DOMAINS
from hub.rules.catalogue_years import domains_for
from hub.web.console.report_pdf import FAMILY, FONTS, wrap
from tests.browser_support import SCREENSHOTS, axe_violations, screenshot, sign_in
from tests.conftest import LiveHub

PROVINCE = "demo.province.11"
OTHER_VERIFIER = "demo.lao.6110101.verifier"
CODE, YEAR = "5110101", 2570  # LAO-certified in the demo, with water-supply systems
NAME = "เทศบาลตำบลสำโรงเหนือ"
PATH = f"/console/lao/{CODE}/{YEAR}/report"


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is required in CI: apt-get install poppler-utils")
        pytest.skip(f"no {tool} (poppler-utils)")
    return found


def bare(text: str) -> str:
    """`text` without white space and Thai marks: what survives any PDF text extraction
    (extractors put spaces inside clusters, and map a mark's shaped variant glyph, such as a
    tone mark lowered over a short consonant, to nothing or out of order)."""
    return "".join(
        ch for ch in "".join(text.split()) if unicodedata.category(ch) not in ("Mn", "Mc")
    )


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(
        [poppler("pdftotext"), str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return bare(out)


def to_png(pdf: Path, name: str) -> list[Path]:
    """Each page of `pdf` as var/screenshots/<name>-<n>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(
        [poppler("pdftoppm"), "-r", "80", "-png", str(pdf), str(SCREENSHOTS / name)], check=True
    )
    return sorted(SCREENSHOTS.glob(f"{name}-*.png"))


def page_size(pdf: Path) -> str:
    info = subprocess.run(
        [poppler("pdfinfo"), str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    return next(line for line in info.splitlines() if line.startswith("Page size"))


async def test_the_report_shows_every_domain_records_and_the_history(
    console_hub: LiveHub, browser: Any, tmp_path: Path
) -> None:
    context = await browser.new_context(viewport={"width": 1100, "height": 900})
    page = await context.new_page()
    await sign_in(page, console_hub.base, PROVINCE, next_path=PATH)
    assert page.url == console_hub.base + PATH
    main = await page.inner_text("main")
    assert f"รายงานข้อมูล อปท. ประจำปีงบประมาณ {YEAR}" in main and NAME in main
    for d in domains_for(YEAR):  # all 8 domains, every field of the year's form by its label
        assert f"ด้านที่ {d.number} {d.label_th}" in main
        for f in d.fields:
            assert f.label_th in main, f.name
    assert "ข้อมูลประปาหมู่บ้าน (ด้านที่ 5)" in main and "แหล่งท่องเที่ยว (ด้านที่ 8)" in main
    assert "ชื่อระบบประปา" in main  # a water-supply record's fields
    assert "ผู้บันทึกข้อมูลคนที่ 1" in main  # the recorders: officers covering the LAO see them
    history = await page.inner_text("table.history")
    assert "อปท. รับรองข้อมูลแล้ว" in history and "ผู้ตรวจสอบข้อมูล" in history
    assert "น." in history  # a time of day, Thai style
    assert await page.locator("button[data-print]").is_visible()  # JavaScript shows it
    assert await axe_violations(page) == []
    await screenshot(page, "report-th")

    # Chromium prints it: A4 pages, headers and menus left out, Thai text intact.
    await page.emulate_media(media="print")
    printed = tmp_path / "printed.pdf"
    printed.write_bytes(
        await page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    )
    assert printed.read_bytes().startswith(b"%PDF")
    assert "(A4)" in page_size(printed)
    text = pdf_text(printed)
    assert bare("รายงานข้อมูล อปท. ประจำปีงบประมาณ 2570") in text
    assert bare("ประวัติการรับรอง") in text
    assert bare("ด้านที่ 8 เศรษฐกิจและแหล่งท่องเที่ยว") in text
    assert bare("ออกจากระบบ") not in text  # the page's header is not printed
    assert to_png(printed, "report-print")

    # The hub's own PDF.
    answer = await context.request.get(console_hub.base + PATH + ".pdf")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert (
        answer.headers["content-disposition"]
        == f'attachment; filename="info-report-{CODE}-{YEAR}.pdf"'
    )
    made = tmp_path / "made.pdf"
    made.write_bytes(await answer.body())
    assert made.read_bytes().startswith(b"%PDF") and b"Sarabun" in made.read_bytes()
    assert "(A4)" in page_size(made)
    text = pdf_text(made)
    for expected in (
        "รายงานข้อมูล อปท. ประจำปีงบประมาณ 2570",
        NAME,
        *(f"ด้านที่ {d.number} {d.label_th}" for d in DOMAINS),
        "ข้อมูลประปาหมู่บ้าน",
        "ประวัติการรับรอง",
        "ผู้บันทึกข้อมูลคนที่ 1",
    ):
        assert bare(expected) in text, expected
    pages = to_png(made, "report-pdf")
    assert len(pages) >= 2
    await context.close()


async def test_the_report_in_english_and_without_javascript(
    console_hub: LiveHub, browser: Any
) -> None:
    context = await browser.new_context(java_script_enabled=False)
    await context.add_cookies([{"name": "hub_lang", "value": "en", "url": console_hub.base}])
    page = await context.new_page()
    await sign_in(page, console_hub.base, PROVINCE, next_path=PATH)
    main = await page.inner_text("main")
    assert f"LAO data report, fiscal year {YEAR}" in main
    assert "Domain 5 Water management" in main and "Village health volunteers" in main
    assert not await page.locator("button[data-print]").is_visible()  # Ctrl+P instead
    await screenshot(page, "report-en")
    answer = await context.request.get(console_hub.base + PATH + ".pdf")
    assert answer.status == 200 and (await answer.body()).startswith(b"%PDF")
    await context.close()


async def test_personal_data_the_person_may_not_read_is_left_out_with_a_note(
    console_hub: LiveHub, browser: Any, tmp_path: Path
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    # The verifier of another LAO sees the certified year, not its people's names.
    await sign_in(page, console_hub.base, OTHER_VERIFIER, next_path=PATH)
    main = await page.inner_text("main")
    assert "ข้อมูลส่วนบุคคล — ไม่แสดงสำหรับผู้ใช้นี้" in main
    assert "ชื่อผู้ดำเนินการเป็นข้อมูลส่วนบุคคล" in main
    assert "ด้านที่ 8 เศรษฐกิจและแหล่งท่องเที่ยว" in main
    answer = await context.request.get(console_hub.base + PATH + ".pdf")
    assert answer.status == 200
    made = tmp_path / "other.pdf"
    made.write_bytes(await answer.body())
    assert bare("ข้อมูลส่วนบุคคล") in pdf_text(made)
    # An LAO-year that does not exist, or a draft the person may not see: 404, no PDF.
    for path in ("/console/lao/9999999/2570/report", "/console/lao/9999999/2570/report.pdf"):
        answer = await context.request.get(console_hub.base + path)
        assert answer.status == 404
        assert "ไม่พบข้อมูล" in await answer.text()
    await context.close()


def test_wrapping_thai_never_separates_a_mark_from_its_consonant() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font(FAMILY, "", str(FONTS / "Sarabun_400Regular.ttf"))
    pdf.set_text_shaping(True)
    pdf.set_font(FAMILY, "", 10)
    text = "ผู้ตรวจสอบข้อมูลยกเลิกการรับรองเนื่องจากจำนวนอาสาสมัครสาธารณสุขประจำหมู่บ้านไม่ตรงกับทะเบียน" * 2
    lines = wrap(pdf, text, 30)
    assert len(lines) > 3 and "".join(lines) == text
    for line in lines:
        assert pdf.get_string_width(line) <= 30 or len(line) == 1
        assert unicodedata.category(line[0]) not in ("Mn", "Mc") and line[0] not in "ะาำ"
        assert line[-1] not in "เแโใไ"  # a leading vowel stays with its consonant
    # Words that fit are never cut.
    assert wrap(pdf, "จังหวัด สมุทรปราการ อำเภอ เมืองสมุทรปราการ", 40) == [
        "จังหวัด สมุทรปราการ อำเภอ",
        "เมืองสมุทรปราการ",
    ]
