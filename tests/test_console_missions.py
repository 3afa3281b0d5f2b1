"""Transferred missions in the console, in a real browser: an LAO's staff record a mission from
DLA's catalogue, update it and cancel it with a date and a reason (the record and its history
stay), with JavaScript and without; officers see their own area's records read-only, with
filters; another LAO's staff cannot touch them; axe finds nothing serious."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from hub.db.engine import create_engine
from hub.db.models import ChangeLogEntry, Lao, LaoMission, LaoMissionEvent
from hub.rules.enums import MissionStatus
from tests.browser_support import axe_violations, screenshot, sign_in

RECORDER = "demo.lao.6110101.recorder"
ADMIN = "demo.lao.6110101.admin"
OTHER_RECORDER = "demo.lao.5110101.recorder"
PROVINCE = "demo.province.11"
DISTRICT = "demo.district.1101"
DLA = "demo.dla"
MISSIONS = "/console/lao/6110101/missions"


async def records_of(url: str, code: str = "6110101") -> dict[int, dict]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(LaoMission.__table__)
                    .join(Lao, Lao.id == LaoMission.lao_id)
                    .where(Lao.code == code)
                )
            ).mappings()
            return {r["id"]: dict(r) for r in rows}
    finally:
        await engine.dispose()


async def events_of(url: str, record_id: int) -> list[MissionStatus]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list(
                (
                    await conn.execute(
                        select(LaoMissionEvent.status)
                        .where(LaoMissionEvent.lao_mission_id == record_id)
                        .order_by(LaoMissionEvent.id)
                    )
                ).scalars()
            )
    finally:
        await engine.dispose()


async def logged(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(ChangeLogEntry))).scalar_one()
            )
    finally:
        await engine.dispose()


async def test_the_lao_s_staff_record_update_and_cancel_a_mission(console_hub, browser):
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, RECORDER, next_path="/console/missions")
    assert page.url.endswith(MISSIONS)  # the LAO's staff land on their own LAO's page
    assert await axe_violations(page) == []
    await screenshot(page, "console-missions-lao-th")
    before = await records_of(console_hub.database_url)
    entries = await logged(console_hub.database_url)

    await page.click("a.button:has-text('บันทึกภารกิจที่ได้รับถ่ายโอน')")
    # Missions the LAO already recorded are not offered again.
    offered = await page.eval_on_selector_all("#f-mission option", "os => os.map(o => o.value)")
    held = {r["mission_id"] for r in before.values()}
    assert len(offered) > 1 and len(held) > 0
    await page.fill("#f-receivedOn", "31/2/2568")
    await page.fill("#f-staffTransferred", "สาม")
    await page.click("form button:has-text('บันทึก')")
    summary = page.locator(".error-summary")
    await summary.wait_for()
    text = await summary.inner_text()
    assert "ภารกิจ: กรุณาเลือกภารกิจ" in text and "choose one" in text
    assert "ต้องเป็นวันที่ที่มีอยู่จริง" in text and "must be a whole number" in text
    assert await axe_violations(page) == []
    await screenshot(page, "console-mission-errors-th")
    assert await records_of(console_hub.database_url) == before

    await page.select_option("#f-mission", index=2)
    await page.fill("#f-receivedOn", "1/10/2567")
    await page.fill("#f-budgetBaht", "1,250,000")
    await page.fill("#f-staffTransferred", "3")
    await page.click("form button:has-text('บันทึก')")
    await page.wait_for_url("**/missions/*?recorded=1")
    [record_id] = [i for i in await records_of(console_hub.database_url) if i not in before]
    record = (await records_of(console_hub.database_url))[record_id]
    assert record["budget_baht"] == 1_250_000 and str(record["received_on"]) == "2024-10-01"
    assert await axe_violations(page) == []

    await page.fill("#f-note", "ได้รับเครื่องจักรเพิ่ม")
    await page.click("button:has-text('บันทึกการแก้ไข')")
    await page.wait_for_url("**?saved=1")
    assert (await records_of(console_hub.database_url))[record_id]["note"] == "ได้รับเครื่องจักรเพิ่ม"

    # Cancelling needs a reason; the date is the clerk's.
    await page.fill("#f-cancelledOn", "30/9/2568")
    await page.click("button.danger")
    await page.locator("#f-reason-error").wait_for()
    assert "ต้องระบุเหตุผล" in await page.inner_text("#f-reason-error")
    assert await axe_violations(page) == []
    await page.fill("#f-reason", "ส่งคืนภารกิจให้หน่วยงานเดิม")
    await page.click("button.danger")
    await page.wait_for_url("**/missions?cancelled=*")
    cancelled = (await records_of(console_hub.database_url))[record_id]
    assert cancelled["status"] is MissionStatus.CANCELLED
    assert str(cancelled["cancelled_on"]) == "2025-09-30"
    assert cancelled["cancel_reason"] == "ส่งคืนภารกิจให้หน่วยงานเดิม"
    assert await events_of(console_hub.database_url, record_id) == [
        MissionStatus.ACTIVE,
        MissionStatus.CHANGED,
        MissionStatus.CANCELLED,
    ]
    assert await logged(console_hub.database_url) == entries + 3

    # The cancelled record stays, with its history, and can no longer be changed.
    await page.goto(console_hub.base + f"{MISSIONS}/{record_id}")
    history = await page.inner_text("ol.history")
    assert "ส่งคืนภารกิจให้หน่วยงานเดิม" in history and "บันทึกรายการ" in history
    assert await page.locator("form").filter(has_text="บันทึกการแก้ไข").count() == 0
    assert await axe_violations(page) == []
    await screenshot(page, "console-mission-history-th")
    await context.close()


async def test_an_lao_admin_cancels_a_mission_with_javascript_off(console_hub, browser):
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    records = await records_of(console_hub.database_url)
    record_id = next(i for i, r in records.items() if r["status"] is not MissionStatus.CANCELLED)
    await sign_in(page, console_hub.base, ADMIN, next_path=f"{MISSIONS}/{record_id}")
    async with page.expect_navigation() as navigation:
        await page.click("button.danger")
    assert (await navigation.value).status == 400
    assert "ต้องระบุเหตุผล" in await page.inner_text("#f-reason-error")
    await page.fill("#f-reason", "ยุบรวมกับภารกิจอื่น")
    async with page.expect_navigation():
        await page.click("button.danger")
    assert "?cancelled=" in page.url
    assert "ยกเลิกภารกิจแล้ว" in await page.inner_text(".notice")
    assert (await records_of(console_hub.database_url))[record_id][
        "status"
    ] is MissionStatus.CANCELLED
    await context.close()


async def test_officers_see_their_area_read_only_with_filters(console_hub, browser):
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, PROVINCE, next_path="/console/missions")
    assert "จังหวัด สมุทรปราการ" in await page.inner_text("h1")
    assert await axe_violations(page) == []
    await screenshot(page, "console-missions-province-th")
    codes = await page.eval_on_selector_all(
        "table.missions tbody tr td:first-child .muted", "cells => cells.map(c => c.innerText)"
    )
    assert codes and all(code[1:3] == "11" for code in codes)  # the province's LAOs only
    await page.select_option("#flt-status", "CANCELLED")
    await page.click("form.filters button")
    await page.wait_for_url("**status=CANCELLED*")
    statuses = await page.eval_on_selector_all(
        "table.missions tbody .badge", "badges => badges.map(b => b.innerText)"
    )
    assert statuses and set(statuses) == {"ยกเลิก"}
    # An LAO's page: read only, no form to change anything.
    await page.goto(console_hub.base + MISSIONS)
    assert "ดูได้อย่างเดียว" in await page.inner_text("main")
    assert await page.locator("main a.button").count() == 0
    await page.click("table.missions a >> nth=0")
    assert await page.locator("main form[method=post]").count() == 0
    assert await axe_violations(page) == []
    await context.close()

    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, DISTRICT, next_path="/console/missions")
    assert "อำเภอ" in await page.inner_text("h1")
    assert await page.locator("#flt-district").count() == 0  # the district is theirs
    codes = await page.eval_on_selector_all(
        "table.missions tbody tr td:first-child .muted", "cells => cells.map(c => c.innerText)"
    )
    assert codes and all(code[1:5] == "1101" or code.startswith("2") for code in codes)
    await context.close()

    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, DLA, next_path="/console/missions")
    assert "ทั่วประเทศ" in await page.inner_text("h1")
    await page.select_option("#flt-province", "11")
    await page.click("form.filters button")
    await page.wait_for_url("**province=11*")
    assert "สมุทรปราการ" in await page.inner_text("h1")
    codes = await page.eval_on_selector_all(
        "table.missions tbody tr td:first-child .muted", "cells => cells.map(c => c.innerText)"
    )
    assert codes and all(code[1:3] == "11" for code in codes)
    assert await axe_violations(page) == []
    await context.close()


async def test_another_lao_s_staff_cannot_record_or_cancel(console_hub, browser):
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, OTHER_RECORDER, next_path=MISSIONS)
    assert "ดูได้อย่างเดียว" in await page.inner_text("main")
    before = await records_of(console_hub.database_url)
    record_id = next(i for i, r in before.items() if r["status"] is not MissionStatus.CANCELLED)
    cookies = {c["name"]: c["value"] for c in await context.cookies()}
    csrf = await page.evaluate(
        "JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']"
    )
    answer = httpx.post(
        console_hub.base + f"{MISSIONS}/{record_id}/cancel",
        cookies=cookies,
        data={"csrf_token": csrf, "reason": "ลองยกเลิก", "cancelledOn": "1/1/2569"},
    )
    assert answer.status_code == 400
    assert "เฉพาะเจ้าหน้าที่ของ อปท. นี้" in answer.text and "own staff record its" in answer.text
    recorded = httpx.post(
        console_hub.base + f"{MISSIONS}/new",
        cookies=cookies,
        data={"csrf_token": csrf, "mission": "M01-001", "receivedOn": "1/1/2569"},
    )
    assert recorded.status_code == 400
    assert await records_of(console_hub.database_url) == before
    await context.close()
