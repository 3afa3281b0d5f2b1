"""The console's dashboards and help page in a real browser against a live hub: each role's
own area (DLA the nation by province, a provincial office its province by district, a
district office its district), the tables downloaded as CSV and XLSX holding exactly the
API's figures, the refusals (another province's dashboard, an LAO's staff), bad input named
next to its field, JavaScript off, and axe on every page."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import httpx
import openpyxl
import pytest

from tests.browser_support import axe_violations, screenshot, sign_in

DLA = "demo.dla"
PROVINCE = "demo.province.11"
DISTRICT = "demo.district.1101"
RECORDER = "demo.lao.6110101.recorder"
ASSESSOR = "demo.assessor.11"

FIGURES = """certification { draft laoCertified provinceCertified total }
  lpaDistribution { score count }
  kpi16 { roundNo referenceSystems recorded checked rate targetPercent met }"""


async def _signed_in(browser: Any, base: str, username: str, *, lang: str = "th", **options: Any):  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    page = await context.new_page()
    await sign_in(page, base, username)
    if lang == "en":
        await page.goto(base + "/console/prefs?lang=en&next=/console/")
    return context, page


def _api(base: str, query: str, **variables: Any) -> dict[str, Any]:
    """The public API's answer (the roll-ups are public counts)."""
    body = httpx.post(base + "/graphql", json={"query": query, "variables": variables}).json()
    assert "errors" not in body, body
    return body["data"]


def _year(base: str) -> int:
    years = _api(base, "{ fiscalYears { yearBe isOpen } }")["fiscalYears"]
    return next(y["yearBe"] for y in years if y["isOpen"])


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1)


def _expected_progress(code: str, name: str, stats: dict[str, Any]) -> list[Any]:
    c = stats["certification"]
    return [
        code,
        name,
        c["total"],
        c["draft"],
        c["laoCertified"],
        c["provinceCertified"],
        _pct(c["laoCertified"] + c["provinceCertified"], c["total"]),
        _pct(c["provinceCertified"], c["total"]),
    ]


def _expected_kpi16(code: str, name: str, stats: dict[str, Any]) -> list[Any]:
    k = stats["kpi16"]
    if k is None:
        return [code, name, "", "", "", "", "", "", ""]
    return [
        code,
        name,
        k["roundNo"],
        k["referenceSystems"],
        k["recorded"],
        k["checked"],
        round(100 * k["rate"], 1),
        round(k["targetPercent"], 1),
        "ผ่าน" if k["met"] else "ไม่ผ่าน",
    ]


def _csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: spreadsheet programs read Thai as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _typed(row: list[str]) -> list[Any]:
    """A CSV row's cells as the numbers they write (the area code stays text)."""
    out: list[Any] = [row[0]]
    for cell in row[1:]:
        try:
            out.append(int(cell))
        except ValueError:
            try:
                out.append(float(cell))
            except ValueError:
                out.append(cell)
    return out


def _xlsx(body: bytes) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(body))
    sheet = book.worksheets[0]
    assert book.worksheets[1].title == "เกี่ยวกับ"
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


async def _download(context: Any, url: str) -> tuple[int, bytes, dict[str, str]]:
    answer = await context.request.get(url)
    return answer.status, await answer.body(), answer.headers


async def test_dla_follows_the_nation_by_province_and_downloads_match_the_api(
    console_hub, browser
) -> None:
    base = console_hub.base
    year = _year(base)
    context, page = await _signed_in(browser, base, DLA)
    await page.goto(base + "/console/dashboards")
    assert "ทั้งประเทศ" in await page.inner_text("h1")
    assert await page.locator("svg#chart-progress[role=img]").count() == 1
    assert await page.locator("svg#chart-kpi16").count() == 1
    assert await axe_violations(page) == []
    await screenshot(page, "console-dashboards-dla-th")

    api = _api(
        base,
        f"query($y: Int!) {{ nationalStats(fiscalYear: $y) {{ {FIGURES} }} "
        f"provinces {{ code nameTh stats(fiscalYear: $y) {{ {FIGURES} }} }} }}",
        y=year,
    )
    listed = [p for p in api["provinces"] if p["stats"]["certification"]["total"] > 0]
    expected = [_expected_progress(p["code"], p["nameTh"], p["stats"]) for p in listed]
    expected.append(_expected_progress("", "รวม", api["nationalStats"]))

    status, body, headers = await _download(context, base + "/console/dashboards/progress.csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert f'filename="progress-{year}-nation.csv"' in headers["content-disposition"]
    rows = _csv(body)
    assert rows[0][:3] == ["รหัส", "จังหวัด", "อปท. ทั้งหมด"]  # Thai headers
    assert [_typed(r) for r in rows[1:]] == expected

    status, body, _ = await _download(context, base + "/console/dashboards/progress.xlsx")
    assert status == 200
    sheet = _xlsx(body)
    assert sheet[0][:3] == ["รหัส", "จังหวัด", "อปท. ทั้งหมด"]
    assert sheet[1:] == expected

    # The page's table shows the same numbers.
    first = listed[0]
    row = page.locator("#table-progress tbody tr").first
    assert first["nameTh"] in await row.inner_text()
    assert str(first["stats"]["certification"]["total"]) in await row.inner_text()

    # Drill down to a province by its name in the table.
    await page.click(f"#table-progress tbody th a:text-is('{first['nameTh']}')")
    assert f"province={first['code']}" in page.url
    assert first["nameTh"] in await page.inner_text("h1")
    await context.close()


async def test_a_provincial_office_sees_its_province_by_district_with_downloads(
    console_hub, browser
) -> None:
    base = console_hub.base
    year = _year(base)
    context, page = await _signed_in(browser, base, PROVINCE)
    await page.goto(base + "/console/")
    await page.click("nav.menu >> text=ภาพรวม")
    await page.wait_for_url(base + "/console/dashboards")
    assert "สมุทรปราการ" in await page.inner_text("h1")
    assert "ทั้งประเทศ" not in await page.inner_text("main")  # not the nation's
    assert await axe_violations(page) == []
    await screenshot(page, "console-dashboards-province-th")

    api = _api(
        base,
        f'query($y: Int!) {{ province(code: "11") {{ stats(fiscalYear: $y) {{ {FIGURES} }} '
        f"districts {{ code nameTh stats(fiscalYear: $y) {{ {FIGURES} }} }} }} }}",
        y=year,
    )["province"]
    listed = [d for d in api["districts"] if d["stats"]["certification"]["total"] > 0]
    assert len(listed) > 1

    expected = [_expected_kpi16(d["code"], d["nameTh"], d["stats"]) for d in listed]
    expected.append(_expected_kpi16("11", "รวม", api["stats"]))
    status, body, _ = await _download(context, base + "/console/dashboards/kpi16.csv?province=11")
    assert status == 200
    rows = _csv(body)
    assert rows[0][1] == "อำเภอ" and rows[0][-1] == "ผลเทียบเป้าหมาย"
    assert [_typed(r) for r in rows[1:]] == expected
    status, body, _ = await _download(context, base + "/console/dashboards/kpi16.xlsx")
    assert _xlsx(body)[1:] == expected

    # LPA scores as of a day: the API's distribution as of the end of that day, Thai time.
    day = dt.date(year - 543, 3, 1)
    as_of = dt.datetime.combine(day, dt.time(23, 59, 59), dt.timezone(dt.timedelta(hours=7)))
    lpa = _api(
        base,
        'query($y: Int!, $a: DateTime) { province(code: "11") { districts { code '
        "stats(fiscalYear: $y, asOf: $a) { certification { total } lpaDistribution { score count } } } } }",
        y=year,
        a=as_of.isoformat(),
    )["province"]["districts"]
    status, body, _ = await _download(
        context, base + f"/console/dashboards/lpa.csv?province=11&as_of={day.isoformat()}"
    )
    rows = _csv(body)
    assert rows[0][2:6] == ["5 คะแนน", "3 คะแนน", "1 คะแนน", "0 คะแนน"]
    by_code = {r[0]: _typed(r) for r in rows[1:]}
    for d in lpa:
        if d["stats"]["certification"]["total"]:
            counts = {s["score"]: s["count"] for s in d["stats"]["lpaDistribution"]}
            assert by_code[d["code"]][2:7] == [
                counts[5],
                counts[3],
                counts[1],
                counts[0],
                d["stats"]["certification"]["total"],
            ]

    # A district of its own province opens; "least certified first" orders the rows.
    district = listed[0]
    await page.goto(base + f"/console/dashboards?district={district['code']}")
    assert district["nameTh"] in await page.inner_text("h1")
    await page.goto(base + "/console/dashboards?sort=progress")
    shares = [
        float(t.rstrip("%"))
        for t in await page.locator("#table-progress tbody tr td:nth-child(7)").all_inner_texts()
    ]
    assert shares == sorted(shares)
    await context.close()


async def test_a_district_office_sees_its_district_and_nothing_wider(console_hub, browser) -> None:
    base = console_hub.base
    context, page = await _signed_in(browser, base, DISTRICT, lang="en")
    await page.goto(base + "/console/dashboards")
    assert "เมืองสมุทรปราการ" in await page.inner_text("h1")
    assert await page.locator("#table-progress tbody tr").count() == 1
    assert await axe_violations(page) == []
    await screenshot(page, "console-dashboards-district-en")
    for refused in ("?province=11", "?district=1102"):
        answer = await page.goto(base + "/console/dashboards" + refused)
        assert answer.status == 403
        assert "not yours" in await page.inner_text("h1")
        status, _, _ = await _download(context, base + "/console/dashboards/progress.csv" + refused)
        assert status == 403
    await context.close()


async def test_an_lpa_assessor_follows_the_province_it_assesses(console_hub, browser) -> None:
    base = console_hub.base
    context, page = await _signed_in(browser, base, ASSESSOR)
    await page.click("nav.menu >> text=ภาพรวม")
    await page.wait_for_url(base + "/console/dashboards")
    assert "สมุทรปราการ" in await page.inner_text("h1")
    assert await page.locator("svg#chart-lpa").count() == 1
    status, body, _ = await _download(context, base + "/console/dashboards/lpa.xlsx")
    assert status == 200 and _xlsx(body)[0][2] == "5 คะแนน"
    await context.close()


@pytest.mark.parametrize("username", [RECORDER, PROVINCE, ASSESSOR])
async def test_another_provinces_dashboard_is_refused(console_hub, browser, username) -> None:
    base = console_hub.base
    context, page = await _signed_in(browser, base, username)
    answer = await page.goto(base + "/console/dashboards?province=12")
    assert answer.status == 403
    assert "ไม่มีสิทธิ์" in await page.inner_text("h1")
    assert await page.locator("svg.chart").count() == 0
    for name in ("progress.csv", "lpa.xlsx", "kpi16.csv"):
        status, body, _ = await _download(context, base + f"/console/dashboards/{name}?province=12")
        assert status == 403 and b"\xef\xbb\xbf" not in body[:3]
    if username == RECORDER:
        # An LAO's staff supervise no area: no dashboard at all, and none in the menu.
        answer = await page.goto(base + "/console/dashboards")
        assert answer.status == 403
        assert await page.locator("nav.menu a[href='/console/dashboards']").count() == 0
    await context.close()


async def test_bad_input_is_named_next_to_its_field_and_the_page_still_answers(
    console_hub, browser
) -> None:
    base = console_hub.base
    context, page = await _signed_in(browser, base, PROVINCE)
    answer = await page.goto(base + "/console/dashboards?as_of=31/02/2570&year=1999")
    assert answer.status == 200
    summary = page.locator(".error-summary")
    assert await summary.count() == 1
    assert await summary.locator("a[href='#f-as_of']").count() == 1
    assert await summary.locator("a[href='#f-year']").count() == 1
    assert "YYYY-MM-DD" in await page.inner_text(".field.has-error >> nth=1")
    assert await page.locator("svg#chart-progress").count() == 1  # the open year, as of now
    assert await axe_violations(page) == []
    answer = await page.goto(base + "/console/dashboards?province=99")
    assert answer.status == 404
    answer = await page.goto(base + "/console/dashboards/other.csv")
    assert answer.status == 404
    await context.close()


async def test_dashboards_work_without_javascript(console_hub, browser) -> None:
    base = console_hub.base
    context, page = await _signed_in(browser, base, PROVINCE, java_script_enabled=False)
    await page.goto(base + "/console/dashboards")
    await page.select_option("#f-sort", "progress")
    await page.click("form.filters button[type=submit]")
    await page.wait_for_load_state()
    assert "sort=progress" in page.url
    assert await page.locator("svg#chart-progress title").text_content()
    await context.close()


async def test_the_help_page_for_every_role_in_thai_and_english(console_hub, browser) -> None:
    base = console_hub.base
    context, page = await _signed_in(browser, base, RECORDER)
    await page.goto(base + "/console/")
    await page.click("footer >> text=คู่มือและความช่วยเหลือ")
    await page.wait_for_url(base + "/console/help")
    text = await page.text_content("main")
    for expected in (
        "ด้านที่ 1 สาธารณสุขและสิ่งแวดล้อม",
        "อาสาสมัครสาธารณสุขประจำหมู่บ้าน (อสม.)",  # a field's label, from the catalogue
        "จังหวัดรับรองข้อมูลแล้ว",
        "กำหนดส่งข้อมูล",
        "ศูนย์เทคโนโลยีสารสนเทศท้องถิ่น",
    ):
        assert expected in text
    assert "บทบาทของท่าน" in text
    assert await axe_violations(page) == []
    await screenshot(page, "console-help-th")
    await page.goto(base + "/console/prefs?lang=en&next=/console/help")
    text = await page.text_content("main")  # the domains' lists are folded: text, not shown
    assert "Certifying: the two tiers" in text and "Village water-supply systems" in text
    assert await axe_violations(page) == []
    await screenshot(page, "console-help-en")
    await context.close()


async def test_english_dashboards_pass_axe(console_hub, browser) -> None:
    context, page = await _signed_in(browser, console_hub.base, DLA, lang="en")
    await page.goto(console_hub.base + "/console/dashboards?province=11")
    assert "Samut Prakan" in await page.inner_text("h1")
    assert "Download this table" in await page.inner_text("#progress")
    assert await axe_violations(page) == []
    await screenshot(page, "console-dashboards-province-en")
    await context.close()
