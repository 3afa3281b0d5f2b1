"""The LAO pages of the console in a real browser against a live hub: the home page per role,
the officers' list of LAOs, the LAO-year overview and the domain forms generated from the
catalogue — saving with the version, errors in a summary and by each field (Thai and
English), a conflict between two recorders resolved either way, the same with JavaScript
off, and the number of SQL statements a page runs not growing with the rows it shows."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from hub.db.engine import create_engine
from hub.rules.catalogue import DOMAINS, Domain, Field, Kind
from hub.rules.catalogue_years import domains_for
from hub.rules.enums import Role
from hub.rules.thai_text import collation_key
from hub.rules.validation import api_name
from hub.services import accounts
from hub.web.console.fields import fields_of, none_flag_table
from tests.browser_support import axe_violations, screenshot, sign_in

RECORDER = "demo.lao.6110101.recorder"
VERIFIER = "demo.lao.6110101.verifier"
ADMIN = "demo.lao.6110101.admin"
OTHER_RECORDER = "demo.lao.5110101.recorder"  # of another LAO
PROVINCE = "demo.province.11"
DISTRICT = "demo.district.1101"
DLA = "demo.dla"
LAO, YEAR = "6110101", 2570
EMPTY_LAO = "6110201"  # a draft of 2570 with nothing recorded
SAO = "องค์การบริหารส่วนตำบล"


def domain_url(base: str, n: int, code: str = LAO) -> str:
    return f"{base}/console/lao/{code}/{YEAR}/domain/{n}"


def valid_value(f: Field, salt: int = 0) -> str:
    """A value the catalogue accepts for `f`, as a clerk would type it."""
    if f.kind in (Kind.INT, Kind.DECIMAL):
        high = int(f.maximum if f.maximum is not None else 1000)
        value = min(high, int(f.minimum or 0) + 3 + salt)
        return f"{value}.5" if f.kind is Kind.DECIMAL and value < high else str(value)
    if f.kind is Kind.YEAR_BE:
        return "2560"
    if f.kind is Kind.TEXT:
        return "ทดสอบ"
    if f.kind is Kind.DATE:
        return "2026-01-15"
    raise AssertionError(f"no typed value for {f.kind}")


async def fill_domain(page: Any, d: Domain, salt: int = 0) -> None:
    """Fills every editable field of the domain's form with a valid value."""
    for f in fields_of(d):
        if f.read_only:
            continue
        target = "#f-" + api_name(f)
        if none_flag_table(f):
            # "None in this area" only where the table has no records yet.
            if await page.locator(f"{target}-hint .missing-tag").count():
                await page.check(target)
        elif f.kind is Kind.BOOL:
            await page.check(target)  # the "yes" radio carries the field's id
        elif f.kind is Kind.CHOICE:
            await page.select_option(target, f.choices[salt % len(f.choices)].code)
        else:
            await page.fill(target, valid_value(f, salt))


async def save(page: Any, button: str = "#domain-form button[type=submit]") -> None:
    """Press a form's button and wait for its answer: the page region replaced in place
    (htmx) or a new page (JavaScript off), and settled."""
    await page.evaluate("document.getElementById('domain-page').dataset.stale = 'yes'")
    await page.click(button)
    await page.wait_for_selector("#domain-page:not([data-stale])", state="attached")
    await page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


async def input_value(page: Any, name: str) -> str:
    return str(await page.input_value("#f-" + name))


# --- filling all 8 domains ---------------------------------------------------------------


async def test_a_recorder_fills_all_8_domains_and_sees_them_complete(
    fresh_console_hub, browser
) -> None:
    hub = fresh_console_hub
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, hub.base, RECORDER)
    home = await page.inner_text("main")
    assert "ปีงบประมาณ 2570" in home and "กำหนดส่ง" in home and "เหลืออีก" in home
    assert "/8" in home and "ยังขาด" in home
    for d in domains_for(2570):  # the fields of the year's form
        await page.goto(domain_url(hub.base, d.number))
        assert await axe_violations(page) == [], d.number
        await fill_domain(page, d)
        await save(page)
        notice = await page.inner_text("#saved-notice")
        assert "บันทึกข้อมูลแล้ว" in notice and "ครบถ้วนแล้ว" in notice, (d.number, notice)
        tab = page.locator(f"nav.domain-tabs a[href$='/domain/{d.number}']")
        assert "✓" in await tab.inner_text()
        # What was typed is what the form shows again (the API's values, read back).
        for f in fields_of(d):
            if f.kind in (Kind.INT, Kind.DECIMAL) and not f.read_only:
                assert await input_value(page, api_name(f)) == valid_value(f)
    await page.goto(f"{hub.base}/console/lao/{LAO}/{YEAR}")
    main = await page.inner_text("main")
    assert "8 / 8" in main and "ยังไม่ครบ" not in main
    assert await axe_violations(page) == []
    await context.close()
    # The verifier now sees the year ready to certify, on the home page.
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, hub.base, VERIFIER)
    assert "พร้อมรับรอง" in await page.inner_text("main")
    await context.close()


# --- errors ------------------------------------------------------------------------------


async def test_errors_are_listed_at_the_top_and_by_each_field_in_thai_and_english(
    console_hub, browser
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, RECORDER)
    url = domain_url(console_hub.base, 1)
    await page.goto(url)
    version = await page.input_value("input[name=version]")
    before = await input_value(page, "villageHealthVolunteers")
    # Out of range (the API's ValidationFailed, naming each field).
    await page.fill("#f-villageHealthVolunteers", "-5")
    await page.fill("#f-healthServiceUnits", "999999")
    await save(page)
    summary = page.locator(".error-summary")
    text = await summary.inner_text()
    assert "ยังไม่ได้บันทึก" in text and "nothing was saved" in text
    assert "ต้องไม่ติดลบ" in text and "cannot be negative" in text
    assert "ต้องอยู่ระหว่าง 0 ถึง 500" in text and "must be between 0 and 500" in text
    links = await summary.locator("a").evaluate_all("(a) => a.map(x => x.getAttribute('href'))")
    assert links == ["#f-healthServiceUnits", "#f-villageHealthVolunteers"]
    assert await page.evaluate("document.activeElement.classList.contains('error-summary')")
    field = page.locator("#f-villageHealthVolunteers")
    assert await field.get_attribute("aria-invalid") == "true"
    assert "f-villageHealthVolunteers-error" in (await field.get_attribute("aria-describedby"))
    inline = await page.inner_text("#f-villageHealthVolunteers-error")
    assert "ต้องไม่ติดลบ" in inline and "cannot be negative" in inline
    assert await input_value(page, "villageHealthVolunteers") == "-5"  # as typed
    assert await axe_violations(page) == []
    await screenshot(page, "console-domain-errors-th")
    # The summary's link takes the keyboard to the field.
    await summary.locator("a[href='#f-villageHealthVolunteers']").click()
    assert await page.evaluate("document.activeElement.id") == "f-villageHealthVolunteers"
    # Text that is no number at all is reported the same way, before anything is sent.
    await page.fill("#f-villageHealthVolunteers", "สิบ")
    await page.fill("#f-healthServiceUnits", "2")
    await save(page)
    text = await page.inner_text(".error-summary")
    assert "ต้องเป็นจำนวนเต็ม" in text and "must be a whole number" in text
    # Nothing was saved: the page read afresh has the old value and version.
    await page.goto(url)
    assert await input_value(page, "villageHealthVolunteers") == before
    assert await page.input_value("input[name=version]") == version
    # In English too, with the Thai message beside the English one.
    await page.goto(f"{console_hub.base}/console/prefs?lang=en&next=/console/")
    await page.goto(url)
    await page.fill("#f-villageHealthVolunteers", "-1")
    await save(page)
    text = await page.inner_text(".error-summary")
    assert "There is a problem" in text and "cannot be negative" in text and "ต้องไม่ติดลบ" in text
    await screenshot(page, "console-domain-errors-en")
    await context.close()


# --- two recorders at once ---------------------------------------------------------------


async def _recorder(database_url: str, username: str, lao_code: str) -> tuple[str, str]:
    """A new recorder of the LAO (the demo has one per LAO); its username and password."""
    engine = create_engine(database_url)
    try:
        password = await accounts.create_user(
            engine, username, "ผู้บันทึกคนที่สอง", Role.LAO_RECORDER, lao_code=lao_code
        )
    finally:
        await engine.dispose()
    return username, password


async def test_a_conflict_between_two_recorders_is_shown_and_resolved_either_way(
    fresh_console_hub, browser
) -> None:
    hub = fresh_console_hub
    second, password = await _recorder(hub.database_url, "second.recorder", LAO)
    mine_context = await browser.new_context()
    theirs_context = await browser.new_context()
    me, them = await mine_context.new_page(), await theirs_context.new_page()
    await sign_in(me, hub.base, RECORDER)
    await sign_in(them, hub.base, second, password)
    url = domain_url(hub.base, 3)
    await me.goto(url)
    await them.goto(url)
    # They save fire trucks = 7; I had the form open and type 9, and water trucks = 4.
    await them.fill("#f-fireTrucks", "7")
    await save(them)
    assert await them.locator("#saved-notice").count() == 1
    await me.fill("#f-fireTrucks", "9")
    await me.fill("#f-waterTrucks", "4")
    await save(me)
    panel = me.locator(".conflict-panel")
    text = await panel.inner_text()
    assert "ผู้บันทึกคนที่สอง" in text  # who saved, from the change log
    row = await panel.locator("tbody tr").all_inner_texts()
    assert len(row) == 1 and "รถดับเพลิง" in row[0] and "7" in row[0] and "9" in row[0]
    assert "7" in await me.inner_text("#f-fireTrucks-conflict")
    assert await input_value(me, "fireTrucks") == "9"  # my value, not yet saved
    assert await axe_violations(me) == []
    await screenshot(me, "console-domain-conflict")
    # Keep mine: my values are saved at the new version.
    await save(me, ".conflict-panel button[value=mine]")
    assert "บันทึกข้อมูลแล้ว" in await me.inner_text("#saved-notice")
    assert await input_value(me, "fireTrucks") == "9"
    assert await input_value(me, "waterTrucks") == "4"

    # Again, and this time I take theirs — with JavaScript off on my side.
    nojs = await browser.new_context(java_script_enabled=False)
    me2 = await nojs.new_page()
    await sign_in(me2, hub.base, RECORDER)
    await me2.goto(url)
    await them.goto(url)
    await them.fill("#f-rescueVehicles", "11")
    await save(them)
    await me2.fill("#f-rescueVehicles", "12")
    await me2.fill("#f-civilDefenceVolunteers", "321")
    await save(me2)
    assert "รถกู้ภัย" in await me2.inner_text(".conflict-panel")
    await save(me2, ".conflict-panel button[value=theirs]")
    assert "บันทึกข้อมูลแล้ว" in await me2.inner_text("#saved-notice")
    assert await input_value(me2, "rescueVehicles") == "11"  # theirs
    assert await input_value(me2, "civilDefenceVolunteers") == "321"  # my other change
    assert await input_value(me2, "fireTrucks") == "9"

    # They save another domain while I edit this one: nothing of theirs is here to lose, so
    # my save goes through at the new version without asking.
    await me.goto(url)
    await them.goto(domain_url(hub.base, 4))
    await them.fill("#f-bridges", "21")
    await save(them)
    await me.fill("#f-incidentsLastYear", "5")
    await save(me)
    assert await me.locator(".conflict-panel").count() == 0
    assert "บันทึกข้อมูลแล้ว" in await me.inner_text("#saved-notice")
    await me.goto(domain_url(hub.base, 4))
    assert await input_value(me, "bridges") == "21"
    for c in (mine_context, theirs_context, nojs):
        await c.close()


async def test_the_save_flow_works_with_javascript_off(console_hub, browser) -> None:
    # A recorder of an LAO with nothing recorded yet (and no other test touches it).
    username, password = await _recorder(console_hub.database_url, "nojs.recorder", EMPTY_LAO)
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await sign_in(page, console_hub.base, username, password)
    home = await page.inner_text("main")
    assert "ปีงบประมาณ 2570" in home and "0/8" in home
    url = domain_url(console_hub.base, 7, EMPTY_LAO)
    await page.goto(url)
    await page.fill("#f-placesOfWorship", "abc")
    await save(page)
    assert "ต้องเป็นจำนวนเต็ม" in await page.inner_text(".error-summary")
    await fill_domain(page, DOMAINS[6], salt=2)
    await save(page)
    assert page.url == url + "?saved=1"  # the form post answered 303 to the form
    assert "ครบถ้วนแล้ว" in await page.inner_text("#saved-notice")
    assert await input_value(page, "placesOfWorship") == valid_value(
        DOMAINS[6].field("places_of_worship"), 2
    )
    await context.close()


# --- who may do what ---------------------------------------------------------------------


async def test_pulled_fields_are_read_only_with_their_source_and_fetch_time(
    console_hub, browser
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, RECORDER)
    await page.goto(domain_url(console_hub.base, 6))
    assert await page.locator("input[name=staff]").count() == 0
    pulled = await page.inner_text("#f-staff")
    assert "ระบบบุคลากรท้องถิ่นแห่งชาติ (LHR)" in pulled and "ดึงข้อมูลจาก" in pulled
    assert re.search(r"เมื่อ \d+ \S+ 25\d\d", pulled)  # the fetch time, Buddhist Era
    await context.close()


@pytest.mark.parametrize("username", [PROVINCE, ADMIN, DLA])
async def test_others_read_the_domain_but_get_no_form(console_hub, browser, username) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, username)
    await page.goto(domain_url(console_hub.base, 1))
    assert await page.locator("#domain-form").count() == 0
    assert await page.locator("dl.values").count() == 1
    assert await axe_violations(page) == []
    # A forged post is refused by the API and changes nothing.
    cookies = {c["name"]: c["value"] for c in await context.cookies()}
    token = await page.get_attribute("body", "hx-headers")
    assert token
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', token)
    assert csrf
    answer = httpx.post(
        domain_url(console_hub.base, 1),
        cookies=cookies,
        data={"csrf_token": csrf.group(1), "version": "1", "healthServiceUnits": "3"},
    )
    assert answer.status_code == 403
    assert "เฉพาะผู้บันทึกข้อมูลและผู้ตรวจสอบข้อมูล" in answer.text
    await context.close()


async def test_another_lao_s_draft_is_not_found(console_hub, browser) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, OTHER_RECORDER)
    for path in (f"/console/lao/{LAO}/{YEAR}", f"/console/lao/{LAO}/{YEAR}/domain/1"):
        answer = await page.goto(console_hub.base + path)
        assert answer.status == 404
        assert "ไม่พบข้อมูล" in await page.inner_text("main")
        assert await axe_violations(page) == []
    answer = await page.goto(console_hub.base + f"/console/lao/{LAO}/{YEAR}/domain/9")
    assert answer.status == 404
    await page.goto(console_hub.base + "/console/laos")  # officers only: home instead
    assert page.url == console_hub.base + "/console/"
    await context.close()


# --- home pages and the list of LAOs -----------------------------------------------------


@pytest.mark.parametrize("lang", ["th", "en"])
async def test_home_pages_per_role(console_hub, browser, lang) -> None:
    expected = {
        RECORDER: ("ยังขาด", "Still missing"),
        DISTRICT: ("อปท. ที่ยังไม่รับรองข้อมูล", "LAOs that have not certified yet"),
        PROVINCE: ("ความคืบหน้ารายอำเภอ", "Progress by district"),
        DLA: ("ความคืบหน้ารายจังหวัด", "Progress by province"),
    }
    for username, (th, en) in expected.items():
        context = await browser.new_context()
        page = await context.new_page()
        await sign_in(page, console_hub.base, username)
        if lang == "en":
            await page.goto(f"{console_hub.base}/console/prefs?lang=en&next=/console/")
        main = await page.inner_text("main")
        assert (en if lang == "en" else th) in main, username
        assert await axe_violations(page) == [], username
        await screenshot(page, f"console-home-{username.split('.')[1]}-{lang}")
        await context.close()


async def test_the_province_filters_and_searches_its_laos_in_thai(console_hub, browser) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, PROVINCE)
    await page.goto(console_hub.base + "/console/laos")
    assert await axe_violations(page) == []
    names = await page.locator("table.lao-list tbody th a").all_inner_texts()
    assert len(names) > 20
    assert sorted(names, key=lambda n: collation_key(_short(n))) == names
    # Filters: state, type and district, in the form (htmx updates the list in place).
    await page.select_option("#f-state", "DRAFT")
    await page.select_option("#f-type", "SAO")
    await page.select_option("#f-district", "1104")
    await page.click("form.filters button[type=submit]")
    await page.wait_for_url("**/console/laos?*state=DRAFT*")  # the address keeps the filters
    await page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")
    rows = await page.locator("table.lao-list tbody tr").all_inner_texts()
    assert rows and all("พระประแดง" in r and "ยังไม่รับรอง" in r and SAO in r for r in rows)
    # Searching a name typed with the decomposed SARA AM finds the usual spelling.
    await page.goto(console_hub.base + "/console/laos?q=" + "ปากน\u0e4d\u0e49\u0e32")
    found = await page.locator("table.lao-list tbody th a").all_inner_texts()
    assert found == [SAO + "ปากน้ำ"]
    await screenshot(page, "console-laos-search")
    await context.close()


def _short(name: str) -> str:
    for prefix in ("องค์การบริหารส่วนจังหวัด", SAO, "เทศบาลนคร", "เทศบาลเมือง", "เทศบาลตำบล"):
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


async def test_a_district_sees_its_own_district_and_dla_chooses_a_province(
    console_hub, browser
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, DISTRICT)
    await page.goto(console_hub.base + "/console/laos?province=10&district=1104")
    rows = await page.locator("table.lao-list tbody tr").all_inner_texts()
    assert rows and all("เมืองสมุทรปราการ" in r for r in rows)
    assert await axe_violations(page) == []
    await context.close()
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, DLA)
    await page.goto(console_hub.base + "/console/laos")
    assert await page.locator("table.lao-list").count() == 0  # first choose a province
    await page.select_option("#f-province", "11")
    await page.click("form.filters button[type=submit]")
    await page.wait_for_url("**/console/laos?*province=11*")
    await page.wait_for_selector("table.lao-list")
    assert await page.locator("table.lao-list tbody tr").count() > 20
    assert await axe_violations(page) == []
    await context.close()


# --- pages stay fast: their SQL does not grow with the rows they show ----------------------


async def test_the_statements_a_page_runs_do_not_grow_with_its_rows(console_hub, browser) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, PROVINCE)
    cookies = {c["name"]: c["value"] for c in await context.cookies()}
    await context.close()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        # Not the session token's periodic recheck (HUB_TOKEN_RECHECK_SECONDS), which lands
        # on whichever request comes after it is due.
        if "oauth_" not in statement:
            statements.append(statement)

    def run(path: str) -> tuple[int, int]:
        statements.clear()
        answer = httpx.get(console_hub.base + path, cookies=cookies)
        assert answer.status_code == 200, answer.text
        return len(statements), answer.text.count("<tr>")

    event.listen(Engine, "before_cursor_execute", count)
    try:
        run("/console/laos")  # plans and caches warm up once
        few = run("/console/laos?district=1106")
        many = run("/console/laos")
        typed_few = run("/console/laos?district=1106&type=SAO")
        typed_many = run("/console/laos?type=SAO")
        run("/console/")
        home = run("/console/")
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert few[1] < many[1] and typed_few[1] < typed_many[1]
    assert few[0] == many[0] and typed_few[0] == typed_many[0]
    assert home[0] < 40
