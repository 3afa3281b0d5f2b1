"""The console's record tables in a real browser: a recorder adds, edits and retires a village
water-supply system (with JavaScript and without), marks "none in this area", and corrects the
migrated records with a bulk upload: a CSV with errors is refused line by line and saves
nothing, the corrected XLSX is previewed and imported in one go. Officers read only; two
recorders on one record never overwrite each other silently; axe finds nothing serious."""

from __future__ import annotations

import csv
import io
import socket
from pathlib import Path

import httpx
from sqlalchemy import func, select

from hub.db.engine import create_engine
from hub.db.models import RECORD_TABLES, ChangeLogEntry, ConsoleUpload, Lao, LaoYear
from hub.rules.catalogue import WATER_SUPPLY_SYSTEMS
from hub.rules.record_files import FileFormat, write
from tests.browser_support import axe_violations, screenshot, sign_in

RECORDER = "demo.lao.6110101.recorder"
VERIFIER = "demo.lao.6110101.verifier"
OTHER_RECORDER = "demo.lao.5110101.recorder"
PROVINCE = "demo.province.11"
WATER = "/console/lao/6110101/2570/records/water-supply-systems"
SITES = "/console/lao/6110101/2570/records/tourist-sites"


async def water_rows(url: str, code: str = "6110101", year: int = 2570) -> dict[int, dict]:
    """The LAO-year's live water-supply systems, by id."""
    engine = create_engine(url)
    table = RECORD_TABLES["water_supply_systems"]
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(table)
                    .join(LaoYear, LaoYear.id == table.c.lao_year_id)
                    .join(Lao, Lao.id == LaoYear.lao_id)
                    .where(
                        Lao.code == code, LaoYear.fiscal_year == year, table.c.retired_on.is_(None)
                    )
                )
            ).mappings()
            return {r["id"]: dict(r) for r in rows}
    finally:
        await engine.dispose()


async def count(url: str, model) -> int:  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())
    finally:
        await engine.dispose()


async def fill_system(page, name: str) -> None:  # type: ignore[no-untyped-def]
    await page.fill("#f-name", name)
    await page.select_option("#f-villageNumber", "3")
    await page.fill("#f-latitude", "13.61")
    await page.fill("#f-longitude", "100.55")
    await page.fill("#f-householdsServed", "1,250")
    await page.fill("#f-capacityM3PerHour", "12.5")
    await page.fill("#f-yearBuiltBe", "2548")
    for select_id in (
        "systemType",
        "waterSource",
        "status",
        "waterQuality",
        "owner",
        "acquisition",
    ):
        await page.select_option(f"#f-{select_id}", index=1)
    await page.fill("#f-lastCheckedOn", "15/11/2569")


async def test_a_recorder_adds_edits_and_retires_a_water_supply_system(console_hub, browser):
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, RECORDER, next_path=WATER)
    assert await axe_violations(page) == []
    await screenshot(page, "console-records-list-th")
    before = await water_rows(console_hub.database_url)
    logged = await count(console_hub.database_url, ChangeLogEntry)

    await page.click("a.button:has-text('เพิ่มรายการ')")
    await page.fill("#f-yearBuiltBe", "1999")
    await page.click("form.record-form button:has-text('บันทึก')")
    summary = page.locator(".error-summary")
    await summary.wait_for()
    text = await summary.inner_text()
    assert "ชื่อระบบประปา: ต้องระบุ" in text and "System name" in text  # Thai and English
    assert "ต้องเป็นปี พ.ศ." in text and "Buddhist-Era" in text
    # Each summary line links to its field, which says it next to it.
    await page.click(".error-summary a[href='#f-name']")
    assert await page.evaluate("document.activeElement.id") == "f-name"
    assert await page.get_attribute("#f-name", "aria-invalid") == "true"
    assert "ต้องระบุ" in await page.inner_text("#f-name-error")
    assert await axe_violations(page) == []
    await screenshot(page, "console-record-errors-th")
    assert await water_rows(console_hub.database_url) == before  # nothing saved

    await fill_system(page, "ประปาหมู่บ้าน ทดสอบคอนโซล")
    await page.click("form.record-form button:has-text('บันทึก')")
    await page.wait_for_url("**/water-supply-systems?added=*")
    assert "เพิ่มรายการแล้ว" in await page.inner_text(".notice")
    after = await water_rows(console_hub.database_url)
    [added] = [r for i, r in after.items() if i not in before]
    assert added["name"] == "ประปาหมู่บ้าน ทดสอบคอนโซล" and added["households_served"] == 1250
    assert str(added["last_checked_on"]) == "2026-11-15"  # 15/11/2569 in the Buddhist Era

    # Edit it: the form shows the stored values the way a clerk types them.
    await page.goto(console_hub.base + f"{WATER}/{added['id']}")
    assert await page.input_value("#f-lastCheckedOn") == "15/11/2569"
    await page.fill("#f-householdsServed", "1300")
    await page.click("form.record-form button:has-text('บันทึก')")
    await page.wait_for_url("**/water-supply-systems?saved=*")
    edited = (await water_rows(console_hub.database_url))[added["id"]]
    assert edited["households_served"] == 1300 and edited["version"] == 2

    # Retire it: a reason is required.
    await page.goto(console_hub.base + f"{WATER}/{added['id']}/retire")
    assert await axe_violations(page) == []
    await page.click("button.danger")
    await page.locator("#f-reason-error").wait_for()
    assert "ต้องระบุเหตุผล" in await page.inner_text("#f-reason-error")
    await page.fill("#f-reason", "บันทึกซ้ำกับรายการเดิม")
    await page.click("button.danger")
    await page.wait_for_url("**/water-supply-systems?retired=*")
    assert added["id"] not in await water_rows(console_hub.database_url)
    assert await count(console_hub.database_url, ChangeLogEntry) == logged + 3
    await context.close()


async def test_adding_a_record_works_with_javascript_off(console_hub, browser):
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await sign_in(page, console_hub.base, VERIFIER, next_path=WATER + "/new")
    before = await water_rows(console_hub.database_url)
    await page.fill("#f-householdsServed", "-3")
    response = None
    async with page.expect_navigation() as navigation:
        await page.click("form.record-form button:has-text('บันทึก')")
    response = await navigation.value
    assert response.status == 400
    assert "ต้องไม่ติดลบ" in await page.inner_text("#f-householdsServed-error")
    assert await page.get_attribute("#f-householdsServed", "value") == "-3"  # kept as typed
    await fill_system(page, "ประปาหมู่บ้าน ไม่ใช้จาวาสคริปต์")
    async with page.expect_navigation():
        await page.click("form.record-form button:has-text('บันทึก')")
    assert "?added=" in page.url and "เพิ่มรายการแล้ว" in await page.inner_text(".notice")
    after = await water_rows(console_hub.database_url)
    assert len(after) == len(before) + 1
    # (axe needs JavaScript in the page: the same pages are checked with it on, above.)
    await context.close()


async def complete_domains(url: str, code: str = "6110101", year: int = 2570) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        select(LaoYear.complete_domains)
                        .join(Lao, Lao.id == LaoYear.lao_id)
                        .where(Lao.code == code, LaoYear.fiscal_year == year)
                    )
                ).scalar_one()
            )
    finally:
        await engine.dispose()


async def test_none_in_this_area_is_cleared_and_marked(console_hub, browser):
    """The demo LAO has no tourist sites and says so; clearing that leaves domain 8
    incomplete, marking it again completes it."""
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, RECORDER, next_path=SITES)
    assert "ยังไม่มีรายการ" in await page.inner_text("main")
    assert "ระบุว่าไม่มีในพื้นที่" in await page.inner_text(".records-summary")
    complete = await complete_domains(console_hub.database_url)
    await page.click("button:has-text('ยกเลิกการระบุว่าไม่มีในพื้นที่')")
    await page.wait_for_url("**/tourist-sites?none=1")
    assert "ระบุว่าไม่มีในพื้นที่" not in await page.inner_text(".records-summary")
    assert await complete_domains(console_hub.database_url) == complete & ~(1 << 7)
    assert await axe_violations(page) == []
    async with page.expect_navigation():
        await page.click("button:has-text('ระบุว่าไม่มีแหล่งท่องเที่ยวในพื้นที่')")
    assert "ระบุว่าไม่มีในพื้นที่" in await page.inner_text(".records-summary")
    assert await complete_domains(console_hub.database_url) == complete
    await context.close()


def _edited_export(text: str) -> tuple[list[list[str]], list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[1:], rows[0]


async def test_a_bulk_upload_with_errors_saves_nothing_and_the_corrected_file_imports(
    console_hub, browser, tmp_path: Path
):
    context = await browser.new_context(accept_downloads=True)
    page = await context.new_page()
    await sign_in(page, console_hub.base, RECORDER, next_path=WATER)
    async with page.expect_download() as download:
        await page.click("a:has-text('ดาวน์โหลด CSV')")
    exported = Path(await (await download.value).path()).read_text(encoding="utf-8-sig")
    lines, header = _edited_export(exported)
    keys = [h.rsplit("[", 1)[1].rstrip("]") for h in header]
    col = {k: i for i, k in enumerate(keys)}
    before = await water_rows(console_hub.database_url)
    logged = await count(console_hub.database_url, ChangeLogEntry)

    # A CSV with two bad lines among good ones.
    bad = [list(line) for line in lines]
    bad[0][col["name"]] += " (ตรวจแล้ว)"
    bad[1][col["yearBuiltBe"]] = "2610"
    new = [""] * len(keys)
    new[col["name"]], new[col["villageNumber"]] = "ประปาหมู่บ้าน ใหม่", "99"
    bad.append(new)
    out = io.StringIO()
    csv.writer(out).writerows([header, *bad])
    (tmp_path / "water.csv").write_text(out.getvalue(), encoding="utf-8-sig")
    await page.set_input_files("#f-file", str(tmp_path / "water.csv"))
    await page.click("button:has-text('ตรวจสอบไฟล์')")
    await page.wait_for_url("**/upload/*")
    errors = page.locator("table.file-errors tbody tr")
    rows = [await errors.nth(i).inner_text() for i in range(await errors.count())]
    assert any(r.startswith("3\t") and "yearBuiltBe" in r and "2610" in r for r in rows)
    assert any(r.startswith(f"{len(bad) + 1}\t") and "หมู่ที่ 99" in r for r in rows)
    assert "ยังไม่นำเข้า" in await page.inner_text(".error-summary")
    assert await page.locator("button:has-text('ยืนยันการนำเข้า')").count() == 0
    assert await axe_violations(page) == []
    await screenshot(page, "console-upload-errors-th")
    assert await water_rows(console_hub.database_url) == before  # nothing saved
    assert await count(console_hub.database_url, ChangeLogEntry) == logged

    # The corrected file, as an XLSX workbook, from the preview page's own form.
    records = []
    for line in bad:
        record = {k: (line[col[k]] or None) for k in keys}
        records.append(record)
    records[1]["yearBuiltBe"] = "2540"
    records[-1]["villageNumber"] = "4"
    records[-1].update(
        latitude="13.6",
        longitude="100.6",
        householdsServed="90",
        capacityM3PerHour="6",
        yearBuiltBe="2565",
        systemType="SURFACE",
        waterSource="RIVER",
        status="ใช้การได้",
        waterQuality="NOT_TESTED",
        owner="VILLAGE",
        acquisition="BUILT",
    )
    (tmp_path / "water.xlsx").write_bytes(write(WATER_SUPPLY_SYSTEMS, records, FileFormat.XLSX))
    await page.set_input_files("#f-file", str(tmp_path / "water.xlsx"))
    await page.click("button:has-text('ตรวจสอบไฟล์')")
    await page.locator(".import-summary").wait_for()
    summary = await page.inner_text(".import-summary")
    assert "1 รายการใหม่ที่จะเพิ่ม" in summary and "2 รายการที่จะแก้ไข" in summary
    changes = await page.inner_text("table.changes")
    assert "(ตรวจแล้ว)" in changes and "2540" in changes
    assert await axe_violations(page) == []
    await screenshot(page, "console-upload-preview-th")
    assert await water_rows(console_hub.database_url) == before  # still nothing saved

    await page.click("button:has-text('ยืนยันการนำเข้า')")
    await page.wait_for_url("**/water-supply-systems?imported=1-2")
    assert "เพิ่ม 1 รายการ แก้ไข 2 รายการ" in await page.inner_text(".notice")
    after = await water_rows(console_hub.database_url)
    assert len(after) == len(before) + 1
    first = int(lines[0][col["id"]])
    assert after[first]["name"].endswith("(ตรวจแล้ว)") and after[first]["version"] == (
        before[first]["version"] + 1
    )
    assert await count(console_hub.database_url, ChangeLogEntry) == logged + 3
    assert await count(console_hub.database_url, ConsoleUpload) == 0  # the staged file is gone
    await context.close()


async def test_an_upload_belongs_to_its_session_and_a_template_downloads(console_hub, browser):
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, VERIFIER, next_path=WATER)
    cookies = {c["name"]: c["value"] for c in await context.cookies()}
    template = httpx.get(console_hub.base + WATER + "/template.xlsx", cookies=cookies)
    assert template.status_code == 200 and template.content[:2] == b"PK"
    assert "attachment" in template.headers["content-disposition"]
    csv_template = httpx.get(console_hub.base + WATER + "/template.csv", cookies=cookies)
    assert csv_template.text.lstrip("\ufeff").startswith("เลขที่รายการ")
    # An .xls workbook (Excel 97-2003) is refused with what to do instead.
    csrf = await page.get_attribute("input[name=csrf_token]", "value")
    answer = httpx.post(
        console_hub.base + WATER + "/upload",
        cookies=cookies,
        data={"csrf_token": csrf},
        files={"file": ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)},
    )
    assert answer.status_code == 400 and ".xlsx" in answer.text
    # Without the CSRF token an upload is refused and nothing is kept.
    refused = httpx.post(
        console_hub.base + WATER + "/upload",
        cookies=cookies,
        files={"file": ("a.csv", "name\nก\n".encode())},
    )
    assert refused.status_code == 403
    assert await count(console_hub.database_url, ConsoleUpload) == 0
    # Someone else's preview address shows nothing of the file.
    staged = httpx.post(
        console_hub.base + WATER + "/upload",
        cookies=cookies,
        data={"csrf_token": csrf},
        files={"file": ("a.csv", "name\nก\n".encode())},
        follow_redirects=False,
    )
    assert staged.status_code == 303
    other = await browser.new_context()
    other_page = await other.new_page()
    await sign_in(other_page, console_hub.base, RECORDER, next_path=staged.headers["location"])
    assert "ไม่พบไฟล์ที่อัปโหลด" in await other_page.inner_text("main")
    await other.close()
    await context.close()


def test_a_file_larger_than_the_upload_limit_is_refused_in_thai_and_english(console_hub):
    """Refused from its Content-Length, before a byte of it is read: a short page a person
    reads, not the API's JSON."""
    host, port = console_hub.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(
            (
                f"POST {WATER}/upload HTTP/1.1\r\nHost: {host}\r\n"
                f"Content-Type: multipart/form-data; boundary=x\r\n"
                f"Content-Length: {64 * 1024 * 1024}\r\n\r\n--x\r\n"
            ).encode()
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413") and b"text/html" in head
    page = body.decode()
    assert "ไบต์" in page and "bytes" in page and "16 MB" in page


async def test_two_recorders_on_one_record_see_each_other_s_change(console_hub, browser):
    first = await browser.new_context()
    second = await browser.new_context()
    one, two = await first.new_page(), await second.new_page()
    await sign_in(one, console_hub.base, RECORDER, next_path=WATER)
    record_id = int(await one.locator("table.records tbody tr td.num").first.inner_text())
    await one.goto(console_hub.base + f"{WATER}/{record_id}")
    await sign_in(two, console_hub.base, VERIFIER, next_path=f"{WATER}/{record_id}")
    await one.fill("#f-householdsServed", "111")
    await one.click("form.record-form button:has-text('บันทึก')")
    await one.wait_for_url("**?saved=*")
    # The second recorder saves the form opened before that save: it is not saved; both
    # values are shown.
    await two.fill("#f-householdsServed", "222")
    await two.click("form.record-form button:has-text('บันทึก')")
    conflict = two.locator(".conflict")
    await conflict.wait_for()
    text = await conflict.inner_text()
    assert "111" in text and "222" in text
    assert (await water_rows(console_hub.database_url))[record_id]["households_served"] == 111
    assert await axe_violations(two) == []
    await screenshot(two, "console-record-conflict-th")
    # Keeping theirs... no: keeping mine, knowingly, saves at the current version.
    await two.click("form.record-form button:has-text('บันทึก')")
    await two.wait_for_url("**?saved=*")
    assert (await water_rows(console_hub.database_url))[record_id]["households_served"] == 222
    await first.close()
    await second.close()


async def test_officers_and_other_laos_read_only(console_hub, browser):
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, PROVINCE, next_path=WATER)
    main = await page.inner_text("main")
    assert "ดูข้อมูลนี้ได้อย่างเดียว" in main
    assert await page.locator("a.button:has-text('เพิ่มรายการ')").count() == 0
    assert await page.locator("form.upload").count() == 0
    assert await page.locator("table.records a:has-text('ดู')").count() > 0
    assert await axe_violations(page) == []
    await page.click("table.records a:has-text('ดู') >> nth=0")
    assert await page.locator("form.record-form").count() == 0
    assert await axe_violations(page) == []
    # Posting anyway is refused by the API; nothing changes.
    before = await water_rows(console_hub.database_url)
    cookies = {c["name"]: c["value"] for c in await context.cookies()}
    csrf = await page.evaluate(
        "JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']"
    )
    answer = httpx.post(
        console_hub.base + WATER + "/new",
        cookies=cookies,
        data={"csrf_token": csrf, "name": "x"},
    )
    assert answer.status_code in (400, 403)
    assert await water_rows(console_hub.database_url) == before
    await context.close()
    # Another LAO's recorder sees a certified year: read only, and says why.
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(
        page,
        console_hub.base,
        OTHER_RECORDER,
        next_path="/console/lao/5110101/2570/records/water-supply-systems",
    )
    assert "แก้ไขไม่ได้" in await page.inner_text("main")
    await page.goto(
        console_hub.base
        + "/console/prefs?lang=en&next=/console/lao/5110101/2570/records/water-supply-systems"
    )
    assert "cannot be edited" in await page.inner_text("main")
    assert await axe_violations(page) == []
    await screenshot(page, "console-records-read-only-en")
    await context.close()
