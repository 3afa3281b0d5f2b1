"""Certifying in the console, in a real browser against a live hub: the LAO's verifier sees
exactly what is missing and certifies a complete LAO-year, cancels with a required reason;
a provincial officer certifies 200 LAO-years at once and sees each result; the same with
JavaScript off; refusals (a verifier of another LAO, a district officer) are shown as errors
in Thai and English and change nothing.

Data is prepared through the hub's own services, as clerks would have done it: the recorder
saves what a domain lacks (`hub.services.sections`), the verifier certifies
(`hub.services.certification`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html as html_module
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from hub.db import completeness, migrate
from hub.db.engine import create_engine
from hub.db.models import CertificationEvent, Lao, LaoYear, Province, User
from hub.rules.catalogue import DOMAINS, Field, Kind
from hub.rules.certification import Action
from hub.rules.enums import CertificationState, Role
from hub.rules.identity import Identity, RoleGrant
from hub.services import accounts, certification, sections
from tests.browser_support import axe_violations, screenshot, sign_in
from tests.conftest import BACKENDS, LiveHub, scratch_database

VERIFIER = "demo.lao.6110101.verifier"  # verifier of 6110101, a DRAFT with 2 incomplete domains
PROVINCE = "demo.province.11"
DISTRICT = "demo.district.1101"
YEAR = 2570
AYUTTHAYA = "14"  # the province of the 5-province demo with 200+ LAOs

State = CertificationState


# --- preparing LAO-years through the services -----------------------------------------------


def _value(f: Field) -> Any:
    """A valid value of a field, for a recorder filling what is missing."""
    if f.kind in (Kind.INT, Kind.DECIMAL):
        return int(f.minimum or 0) + 1
    if f.kind is Kind.BOOL:
        return True
    if f.kind is Kind.CHOICE:
        return f.choices[0].code
    if f.kind is Kind.YEAR_BE:
        return 2560
    if f.kind is Kind.DATE:
        return dt.date(2026, 1, 15)
    return "ทดสอบ"


def _person(role: Role, **place: int) -> Identity:
    return Identity(
        kind="user", subject=f"test.{role.name.lower()}", grants=(RoleGrant(role, **place),)
    )


async def _lao_id(engine: Any, code: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(Lao.id).where(Lao.code == code))).scalar_one())


async def fill(engine: Any, code: str, year: int = YEAR) -> None:
    """The LAO's recorder saves every required value its LAO-year lacks, and marks an empty
    record table "none in this area"."""
    lao_id = await _lao_id(engine, code)
    recorder = _person(Role.LAO_RECORDER, lao_id=lao_id)
    async with engine.connect() as conn:
        ly = (
            await conn.execute(
                select(LaoYear.id, LaoYear.version).where(
                    LaoYear.lao_id == lao_id, LaoYear.fiscal_year == year
                )
            )
        ).one()
        missing = await completeness.missing_for(conn, ly.id)
    version = ly.version
    for number, names in missing.items():
        d = DOMAINS[number - 1]
        values: dict[str, Any] = {f.name: _value(f) for f in d.fields if f.name in names}
        for t in d.record_tables:
            if t.name in names:
                values[t.none_flag] = True
        saved = await sections.save_section(
            engine,
            recorder,
            lao_code=code,
            fiscal_year=year,
            domain_number=number,
            values=values,
            expected_version=version,
        )
        version = saved.version


async def certify_as_verifier(engine: Any, code: str, year: int = YEAR) -> None:
    verifier = _person(Role.LAO_VERIFIER, lao_id=await _lao_id(engine, code))
    await certification.transition(
        engine, verifier, Action.CERTIFY_LAO, lao_code=code, fiscal_year=year
    )


async def states(url: str, codes: list[str], year: int = YEAR) -> dict[str, State]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(Lao.code, LaoYear.state)
                .join(LaoYear, LaoYear.lao_id == Lao.id)
                .where(Lao.code.in_(codes), LaoYear.fiscal_year == year)
            )
            return {r.code: r.state for r in rows}
    finally:
        await engine.dispose()


async def on(url: str, work: Any) -> Any:
    engine = create_engine(url)
    try:
        return await work(engine)
    finally:
        await engine.dispose()


async def a_draft(url: str, province: str = "11", exclude: tuple[str, ...] = ()) -> str:
    """An SAO or municipality of `province` whose open year is a DRAFT."""

    async def find(engine: Any) -> str:
        async with engine.connect() as conn:
            return str(
                (
                    await conn.execute(
                        select(Lao.code)
                        .join(LaoYear, LaoYear.lao_id == Lao.id)
                        .join(Province, Province.id == Lao.province_id)
                        .where(
                            Province.code == province,
                            LaoYear.fiscal_year == YEAR,
                            LaoYear.state == State.DRAFT,
                            Lao.code.not_in([VERIFIER.split(".")[2], *exclude]),
                        )
                        .order_by(Lao.code.desc())
                        .limit(1)
                    )
                ).scalar_one()
            )

    return await on(url, find)


async def new_person(url: str, username: str, role: Role, **place: str) -> str:
    """A person created as DLA would (hub users create), with a known password."""
    password = f"pw-{sum(map(ord, username))}-Kp9v-0123456789"  # never holds the username
    await on(
        url,
        lambda engine: accounts.create_user(
            engine, username, f"ทดสอบ {username}", role, password=password, **place
        ),
    )
    return password


@contextlib.contextmanager
def every_sql_statement() -> Iterator[list[str]]:
    """The SQL statements every engine of this process runs (the live hub's included)."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


async def csrf_of(page: Any) -> str:
    return str(await page.get_attribute("input[name=csrf_token]", "value"))


def text_of(html: str) -> str:
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# --- the verifier ----------------------------------------------------------------------------


async def test_the_verifier_sees_what_is_missing_then_certifies_and_cancels_with_a_reason(
    console_hub: LiveHub, browser: Any
) -> None:
    url, base = console_hub.database_url, console_hub.base
    page_path = f"/console/lao/6110101/{YEAR}/certification"
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, base, VERIFIER, next_path=page_path)
    assert page.url == base + page_path
    main = await page.inner_text("main")
    # Not complete: each missing field by its label, in Thai with the English beside it.
    assert "ยังรับรองไม่ได้" in main
    assert "เด็กเล็กในศูนย์พัฒนาเด็กเล็ก" in main and "(Children in the centres)" in main
    assert "เรื่องร้องเรียนที่ได้รับ" in main and "(Complaints received)" in main
    assert await axe_violations(page) == []
    await screenshot(page, "certify-lao-incomplete")
    # Trying anyway: the API's refusal, by domain and field label, changes nothing.
    await page.click("button:has-text('ตรวจสอบและรับรองข้อมูลระดับ อปท.')")
    summary = page.locator(".error-summary")
    await summary.wait_for()
    said = await summary.inner_text()
    assert "ต้องบันทึกข้อมูลให้ครบทั้ง 8 ด้านก่อนรับรอง" in said
    assert "All 8 domains must be complete before certifying" in said
    assert "ด้านที่ 6" in said and "เรื่องร้องเรียนที่ดำเนินการแล้วเสร็จ" in said
    assert (await states(url, ["6110101"]))["6110101"] is State.DRAFT

    # The recorder fills the rest; the verifier certifies (JavaScript on: in place).
    await on(url, lambda e: fill(e, "6110101"))
    await page.goto(base + page_path)
    assert "บันทึกครบทั้ง 8 ด้านแล้ว" in await page.inner_text("main")
    await page.click("button:has-text('รับรองข้อมูลระดับ อปท.')")
    await page.locator(".notice").wait_for()
    assert "รับรองข้อมูลระดับ อปท. แล้ว" in await page.inner_text(".notice")
    assert "อปท. รับรองข้อมูลแล้ว" in await page.inner_text(".cert-status")
    history = await page.inner_text("table.history")
    assert "ผู้ตรวจสอบข้อมูล" in history  # the role …
    assert "(ทดลอง)" in history or "demo" in history.lower()  # … and the demo verifier's name
    assert (await states(url, ["6110101"]))["6110101"] is State.LAO_CERTIFIED
    assert await axe_violations(page) == []
    await screenshot(page, "certify-lao-certified")

    # Cancelling needs a reason: without one, the error sits at the field, in Thai and English.
    await page.click("button:has-text('ยกเลิกการรับรองระดับ อปท.')")
    error = page.locator("#reason-error")
    await error.wait_for()
    assert "ต้องระบุเหตุผลในการยกเลิกการรับรอง" in await error.inner_text()
    assert "A reason is required" in await error.inner_text()
    assert await page.get_attribute("#reason", "aria-invalid") == "true"
    assert await page.locator(".error-summary a[href='#reason']").count() == 1
    assert await axe_violations(page) == []
    await screenshot(page, "certify-lao-reason-required")
    assert (await states(url, ["6110101"]))["6110101"] is State.LAO_CERTIFIED
    await page.fill("#reason", "แก้ไขจำนวน อสม. ให้ตรงกับทะเบียน")
    await page.click("button:has-text('ยกเลิกการรับรองระดับ อปท.')")
    await page.locator(".notice").wait_for()
    assert "ยกเลิกการรับรองระดับ อปท. แล้ว" in await page.inner_text(".notice")
    assert "แก้ไขจำนวน อสม. ให้ตรงกับทะเบียน" in await page.inner_text("table.history")
    assert (await states(url, ["6110101"]))["6110101"] is State.DRAFT
    await context.close()


async def test_the_same_flow_with_javascript_off(console_hub: LiveHub, browser: Any) -> None:
    url, base = console_hub.database_url, console_hub.base
    code = await a_draft(url)
    username = f"verifier.{code}"
    password = await new_person(url, username, Role.LAO_VERIFIER, lao_code=code)
    await on(url, lambda e: fill(e, code))
    path = f"/console/lao/{code}/{YEAR}/certification"
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await sign_in(page, base, username, password, next_path=path)
    await page.click("button:has-text('รับรองข้อมูลระดับ อปท.')")
    # A plain POST, then a redirect to the page with its notice.
    assert page.url == base + path + "?done=certify_lao"
    assert "รับรองข้อมูลระดับ อปท. แล้ว" in await page.inner_text(".notice")
    assert (await states(url, [code]))[code] is State.LAO_CERTIFIED
    # A reason the API's text check refuses (over 10,000 characters): an error at the field.
    answer = await page.request.post(
        base + path,
        form={"csrf_token": await csrf_of(page), "action": "cancel_lao", "reason": "ก" * 10_001},
    )
    assert answer.status == 400
    assert 'id="reason-error"' in await answer.text()
    assert (await states(url, [code]))[code] is State.LAO_CERTIFIED
    await page.click("button:has-text('ยกเลิกการรับรองระดับ อปท.')")  # no reason
    assert "ต้องระบุเหตุผลในการยกเลิกการรับรอง" in await page.inner_text(".error-summary")
    assert "A reason is required" in await page.inner_text("#reason-error")
    await screenshot(page, "certify-lao-nojs-reason-required")
    await page.fill("#reason", "ข้อมูลด้านที่ 5 ไม่ครบ")
    await page.click("button:has-text('ยกเลิกการรับรองระดับ อปท.')")
    assert page.url == base + path + "?done=cancel_lao"
    assert (await states(url, [code]))[code] is State.DRAFT
    await context.close()


async def test_the_province_certifies_and_cancels_one_lao_year_with_javascript_off(
    console_hub: LiveHub, browser: Any
) -> None:
    url, base = console_hub.database_url, console_hub.base
    code = await a_draft(url, exclude=())
    await on(url, lambda e: fill(e, code))
    await on(url, lambda e: certify_as_verifier(e, code))
    path = f"/console/lao/{code}/{YEAR}/certification"
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await sign_in(page, base, PROVINCE, next_path=path)
    await page.click("button:has-text('รับรองข้อมูลระดับจังหวัด')")
    assert page.url == base + path + "?done=certify_province"
    assert (await states(url, [code]))[code] is State.PROVINCE_CERTIFIED
    await page.fill("#reason", "ตรวจพบข้อมูลประปาไม่ตรงกับฐานข้อมูลอ้างอิง")
    await page.click("button:has-text('ยกเลิกการรับรองระดับจังหวัด')")
    assert page.url == base + path + "?done=cancel_province"
    assert (await states(url, [code]))[code] is State.LAO_CERTIFIED
    history = await page.inner_text("table.history")
    assert "ตรวจพบข้อมูลประปาไม่ตรงกับฐานข้อมูลอ้างอิง" in history
    assert "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด" in history
    await context.close()


# --- refusals --------------------------------------------------------------------------------


async def test_a_verifier_of_another_lao_is_refused_and_sees_why(
    console_hub: LiveHub, browser: Any
) -> None:
    url, base = console_hub.database_url, console_hub.base
    code = await a_draft(url, exclude=())
    await on(url, lambda e: fill(e, code))
    await on(url, lambda e: certify_as_verifier(e, code))  # LAO-certified: public, visible
    path = f"/console/lao/{code}/{YEAR}/certification"
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, base, VERIFIER, next_path=path)
    # No form is offered for another LAO …
    assert await page.locator("form.cert-action").count() == 0
    # … and a form sent anyway (an old page, a crafted request) is refused by the API.
    answer = await page.request.post(
        base + path,
        form={"csrf_token": await csrf_of(page), "action": "cancel_lao", "reason": "ลองดู"},
    )
    said = text_of(await answer.text())
    assert answer.status == 409, said
    assert "เฉพาะผู้ตรวจสอบข้อมูลของ อปท. นี้เท่านั้นที่รับรองหรือยกเลิกการรับรองระดับ อปท. ได้" in said
    assert "Only the LAO's own data verifier may certify or cancel at LAO level." in said
    assert (await states(url, [code]))[code] is State.LAO_CERTIFIED
    await page.set_content(await answer.text())
    await context.close()


async def test_a_district_officer_cannot_certify(console_hub: LiveHub, browser: Any) -> None:
    url, base = console_hub.database_url, console_hub.base
    code = await a_draft(url, exclude=())
    await on(url, lambda e: fill(e, code))
    await on(url, lambda e: certify_as_verifier(e, code))
    path = f"/console/lao/{code}/{YEAR}/certification"
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, base, DISTRICT, next_path=path)
    assert await page.locator("form.cert-action").count() == 0
    assert "ท่านไม่มีการดำเนินการในสถานะนี้" in await page.inner_text("#actions")
    token = await csrf_of(page)
    answer = await page.request.post(
        base + path, form={"csrf_token": token, "action": "certify_province"}
    )
    assert answer.status == 409
    said = text_of(await answer.text())
    assert "เฉพาะเจ้าหน้าที่สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดของ อปท. นี้เท่านั้น" in said
    assert "Only an officer of the LAO's own provincial office" in said
    # The batch page is the province's: a district officer is told so, nothing is listed.
    answer = await page.request.post(
        base + "/console/certify", form={"csrf_token": token, "all": "1", "listed": f"{code}:1:x"}
    )
    assert answer.status == 403
    assert (await states(url, [code]))[code] is State.LAO_CERTIFIED
    await page.goto(base + "/console/certify")
    assert "สำหรับเจ้าหน้าที่สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดเท่านั้น" in await page.inner_text("main")
    await context.close()


# --- the province's batch ----------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def province_hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveHub, str, list[str]]]:
    """The 5-province demo (Phra Nakhon Si Ayutthaya has 221 LAOs) served live, with 200+ of
    Ayutthaya's LAO-years LAO-certified through the services, and an officer of its
    provincial office; yields (hub, the officer's password, the LAO-certified codes)."""
    from tests.browser_support import live_hub

    with contextlib.ExitStack() as stack:
        url = stack.enter_context(
            scratch_database(str(request.param), tmp_path_factory.mktemp("province"))
        )
        migrate.upgrade(url)
        codes, password = asyncio.run(_prepare_ayutthaya(url))
        base = stack.enter_context(live_hub(url))
        yield LiveHub(base, url), password, codes


async def _prepare_ayutthaya(url: str) -> tuple[list[str], str]:
    from loaders.demo import DemoConfig, load_demo

    engine = create_engine(url)
    try:
        await load_demo(engine, DemoConfig(provinces=5))
        async with engine.connect() as conn:
            province_id = (
                await conn.execute(select(Province.id).where(Province.code == AYUTTHAYA))
            ).scalar_one()
            rows = (
                await conn.execute(
                    select(Lao.code, LaoYear.state, LaoYear.complete_domains)
                    .join(LaoYear, LaoYear.lao_id == Lao.id)
                    .where(Lao.province_id == province_id, LaoYear.fiscal_year == YEAR)
                    .order_by(Lao.code)
                )
            ).all()
        officer = _person(Role.PROVINCE_OFFICER, province_id=province_id)

        async def to_lao_certified(code: str, state: State) -> None:
            if state is State.PROVINCE_CERTIFIED:  # back to the province's desk
                await certification.transition(
                    engine,
                    officer,
                    Action.CANCEL_PROVINCE,
                    lao_code=code,
                    fiscal_year=YEAR,
                    reason="เตรียมข้อมูลทดสอบ",
                )
            elif state is State.DRAFT:
                await fill(engine, code)
                await certify_as_verifier(engine, code)

        # Each LAO-year is its own transactions: PostgreSQL takes a few at once; SQLite has
        # one writer, so one at a time.
        at_once = 6 if engine.dialect.name == "postgresql" else 1
        for start in range(0, len(rows), at_once):
            await asyncio.gather(
                *(to_lao_certified(r.code, r.state) for r in rows[start : start + at_once])
            )
        password = f"pw-{AYUTTHAYA}-officer-0123456789"
        await accounts.create_user(
            engine,
            "test.province.14",
            "สถจ.พระนครศรีอยุธยา (ทดสอบ)",
            Role.PROVINCE_OFFICER,
            province_code=AYUTTHAYA,
            password=password,
        )
        return [r.code for r in rows], password
    finally:
        await engine.dispose()


async def test_a_provincial_officer_certifies_200_lao_years_at_once_and_sees_each_result(
    province_hub: tuple[LiveHub, str, list[str]], browser: Any
) -> None:
    hub, password, codes = province_hub
    assert len(codes) >= 200
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, hub.base, "test.province.14", password, next_path="/console/certify")
    rows = page.locator("table.batch tbody tr")
    assert await rows.count() == len(codes)
    assert await axe_violations(page) == []
    await screenshot(page, "certify-batch-list")
    # One list query: the page runs as many SQL statements for 200+ LAO-years as for a few.
    with every_sql_statement() as province_wide:
        await page.goto(hub.base + "/console/certify")
    district = await page.get_attribute("#f-district option:nth-child(2)", "value")
    with every_sql_statement() as one_district:
        await page.goto(hub.base + f"/console/certify?district={district}")
    assert 0 < await rows.count() < len(codes)

    # The session's token is checked again once HUB_TOKEN_RECHECK_SECONDS have passed, on
    # whichever request comes then: leave that check (oauth_ tables) out of the comparison.
    def page_statements(statements: list[str]) -> list[str]:
        return [s for s in statements if "oauth_" not in s]

    assert len(page_statements(province_wide)) == len(page_statements(one_district))
    await page.goto(hub.base + "/console/certify")
    # Behind the page's back one LAO cancels its certification: that item will be refused,
    # alone, with its reason.
    withdrawn = codes[7]
    verifier = _person(
        Role.LAO_VERIFIER, lao_id=await on(hub.database_url, lambda e: _lao_id(e, withdrawn))
    )
    await on(
        hub.database_url,
        lambda e: certification.transition(
            e, verifier, Action.CANCEL_LAO, lao_code=withdrawn, fiscal_year=YEAR, reason="แก้ไข"
        ),
    )
    # 200 of them: select all (JavaScript), then leave the last ones out.
    await page.check("#select-all")
    for code in codes[200:]:
        await page.uncheck(f"#i-{code}")
    chosen = codes[:200]
    await page.click("button:has-text('รับรองรายการที่เลือก')")
    results = page.locator("table.results tbody tr")
    await results.first.wait_for(timeout=120_000)
    assert await results.count() == 200
    assert await page.locator("table.results tr[data-result=ok]").count() == 199
    refused = page.locator("table.results tr[data-result=refused]")
    assert await refused.count() == 1
    said = await refused.inner_text()
    assert withdrawn in said and "ต้องอยู่ในสถานะ" in said and "LAO_CERTIFIED" in said
    summary = await page.inner_text("#results-h")
    assert "รับรองแล้ว 199 รายการ" in summary and "ไม่สำเร็จ 1 รายการ" in summary
    assert await axe_violations(page) == []
    await screenshot(page, "certify-batch-results")
    now = await states(hub.database_url, codes)
    assert sum(now[c] is State.PROVINCE_CERTIFIED for c in chosen) == 199
    assert now[withdrawn] is State.DRAFT
    assert all(now[c] is State.LAO_CERTIFIED for c in codes[200:])
    # What is left waits on the list; each certified one has its event with the officer's name.
    assert await rows.count() == len(codes) - 200

    async def named_events(engine: Any) -> int:
        async with engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count())
                        .select_from(CertificationEvent)
                        .join(User, User.id == CertificationEvent.actor_user_id)
                        .where(
                            User.username == "test.province.14",
                            CertificationEvent.to_state == State.PROVINCE_CERTIFIED,
                        )
                    )
                ).scalar_one()
            )

    assert await on(hub.database_url, named_events) == 199
    await context.close()


async def test_batch_with_javascript_off_select_all_and_cancel_with_a_reason(
    province_hub: tuple[LiveHub, str, list[str]], browser: Any
) -> None:
    hub, password, codes = province_hub
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await sign_in(page, hub.base, "test.province.14", password, next_path="/console/certify")
    waiting = [
        c for c, s in (await states(hub.database_url, codes)).items() if s is State.LAO_CERTIFIED
    ]
    assert waiting
    # Nothing selected: an error, nothing done.
    await page.click("button:has-text('รับรองรายการที่เลือก')")
    assert "ยังไม่ได้เลือก อปท." in await page.inner_text(".error-summary")
    # "Select all and certify" without JavaScript: every LAO-year listed.
    await page.click("button:has-text('เลือกทั้งหมดและรับรอง')")
    # The click returns once the next page starts: wait for its results table before counting
    # (on a loaded machine the count could run against a page still arriving).
    await page.locator("table.results tbody tr").first.wait_for(timeout=120_000)
    assert await page.locator("table.results tr[data-result=ok]").count() == len(waiting)
    assert all(
        s is State.PROVINCE_CERTIFIED for c, s in (await states(hub.database_url, waiting)).items()
    )
    # The province-certified list: cancel two with a reason (none: refused at the field).
    await page.select_option("#f-show", "certified")
    await page.click("button:has-text('แสดงรายการ')")
    two = waiting[:2]
    for code in two:
        await page.check(f"#i-{code}")
    await page.click("button:has-text('ยกเลิกการรับรองรายการที่เลือก')")
    assert "ต้องระบุเหตุผลในการยกเลิกการรับรอง" in await page.inner_text("#reason-error")
    assert all(
        s is State.PROVINCE_CERTIFIED for s in (await states(hub.database_url, two)).values()
    )
    for code in two:
        await page.check(f"#i-{code}")
    await page.fill("#reason", "ข้อมูลประปาหมู่บ้านไม่ตรงกับฐานข้อมูลอ้างอิง")
    await page.click("button:has-text('ยกเลิกการรับรองรายการที่เลือก')")
    await page.locator("table.results tbody tr").first.wait_for(timeout=120_000)
    assert await page.locator("table.results tr[data-result=ok]").count() == 2
    assert all(s is State.LAO_CERTIFIED for s in (await states(hub.database_url, two)).values())
    await screenshot(page, "certify-batch-cancelled-nojs")  # (axe needs JavaScript)
    await context.close()


async def test_the_certification_page_in_english(console_hub: LiveHub, browser: Any) -> None:
    url, base = console_hub.database_url, console_hub.base
    code = await a_draft(url)
    await on(url, lambda e: fill(e, code))
    await on(url, lambda e: certify_as_verifier(e, code))
    context = await browser.new_context()
    await context.add_cookies([{"name": "hub_lang", "value": "en", "url": base}])
    page = await context.new_page()
    await sign_in(page, base, PROVINCE, next_path=f"/console/lao/{code}/{YEAR}/certification")
    main = await page.inner_text("main")
    assert "Certified by the LAO" in main and "All 8 domains are complete." in main
    assert "Certify at province level" in main
    await page.click("summary:has-text('What certifying means')")
    assert "Certification has two tiers" in await page.inner_text(".help")
    assert "Deadline to record and certify at LAO level" in await page.inner_text(".help")
    assert await axe_violations(page) == []
    await screenshot(page, "certify-province-en")
    await page.goto(base + "/console/certify")
    assert "Waiting for the province" in await page.inner_text("main")
    await screenshot(page, "certify-batch-en")
    await context.close()
