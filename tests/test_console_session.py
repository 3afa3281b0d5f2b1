"""The console's sign-in, session and CSRF protection, in a real browser against a live hub:
the hub's own OAuth code + PKCE flow, an HttpOnly session cookie, CSRF on every form, a
refresh that keeps the person signed in, sign-out that revokes the sign-in, and a disabled
account that is out at once."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
from sqlalchemy import select, update

from hub.db.engine import create_engine
from hub.db.models import ConsoleSession, RefreshToken
from hub.services import accounts
from tests.browser_support import axe_violations, demo_password, screenshot, sign_in

RECORDER = "demo.lao.6110101.recorder"
VERIFIER = "demo.lao.6110101.verifier"
PROVINCE = "demo.province.11"


async def _db(url: str, work):  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    try:
        return await work(engine)
    finally:
        await engine.dispose()


async def test_a_clerk_signs_in_through_the_hubs_own_sign_in_page(console_hub, browser) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(console_hub.base + "/console/")
    assert "/oauth/authorize" in page.url and "code_challenge_method=S256" in page.url
    await sign_in(page, console_hub.base, RECORDER)
    assert page.url == console_hub.base + "/console/"
    assert "ผู้บันทึกข้อมูล" in await page.inner_text("header")
    cookie = next(c for c in await context.cookies() if c["name"] == "hub_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/console"
    assert not cookie["secure"]  # only in production (https)
    # The cookie is a random secret: no token, no name.
    assert "." not in cookie["value"] and len(cookie["value"]) == 43
    assert await axe_violations(page) == []
    await screenshot(page, "console-home-th")
    await context.close()


async def test_the_sign_in_comes_back_to_the_page_asked_for_and_never_elsewhere(
    console_hub, browser
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, VERIFIER, next_path="/console/?from=mail")
    assert page.url == console_hub.base + "/console/?from=mail"
    await page.goto(console_hub.base + "/console/logout")  # GET is not a way to sign out
    assert page.url != console_hub.base + "/console/signed-out"
    await context.close()
    answer = httpx.get(
        console_hub.base + "/console/login?next=https://evil.example/", follow_redirects=False
    )
    flow = answer.cookies.get("hub_console_flow")
    assert flow and "evil" not in __import__("base64").urlsafe_b64decode(flow + "==").decode()


async def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(
    console_hub, browser
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, VERIFIER)
    cookies = {c["name"]: c["value"] for c in await context.cookies()}
    # Another site's form posting to the console: the browser would send the cookie; the
    # token it cannot know is missing.
    answer = httpx.post(
        console_hub.base + "/console/logout", cookies=cookies, data={}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert "Nothing was changed" in answer.text or "ไม่มีการเปลี่ยนแปลง" in answer.text
    wrong = httpx.post(
        console_hub.base + "/console/logout",
        cookies=cookies,
        data={"csrf_token": "not-the-token"},
        follow_redirects=False,
    )
    assert wrong.status_code == 403
    await page.goto(console_hub.base + "/console/")
    assert page.url == console_hub.base + "/console/"  # still signed in
    await context.close()


async def test_sign_out_revokes_the_sign_in_at_the_authorization_server(
    console_hub, browser
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, PROVINCE)

    async def live_refresh_tokens(engine):  # type: ignore[no-untyped-def]
        async with engine.connect() as conn:
            return (
                await conn.execute(select(RefreshToken.id).where(RefreshToken.revoked_at.is_(None)))
            ).all()

    before = len(await _db(console_hub.database_url, live_refresh_tokens))
    await page.click("text=ออกจากระบบ")
    await page.wait_for_url("**/console/signed-out")
    assert "ออกจากระบบแล้ว" in await page.inner_text("main")
    assert not [c for c in await context.cookies() if c["name"] == "hub_console"]
    after = len(await _db(console_hub.database_url, live_refresh_tokens))
    assert after == before - 1
    await page.goto(console_hub.base + "/console/")
    assert "/oauth/authorize" in page.url
    await context.close()


async def test_an_expiring_access_token_is_refreshed_without_the_person_noticing(
    console_hub, browser
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, RECORDER)

    async def expire(engine):  # type: ignore[no-untyped-def]
        async with engine.begin() as conn:
            await conn.execute(
                update(ConsoleSession)
                .where(ConsoleSession.username == RECORDER)
                .values(access_expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
            )

    async def versions(engine):  # type: ignore[no-untyped-def]
        async with engine.connect() as conn:
            return (
                (
                    await conn.execute(
                        select(ConsoleSession.version).where(ConsoleSession.username == RECORDER)
                    )
                )
                .scalars()
                .all()
            )

    await _db(console_hub.database_url, expire)
    await page.goto(console_hub.base + "/console/")
    assert page.url == console_hub.base + "/console/"
    assert 3 in await _db(console_hub.database_url, versions)
    # Several requests at once after expiry: one refreshes, the others wait for it; the
    # refresh token is never presented twice (that would revoke the whole sign-in).
    await _db(console_hub.database_url, expire)
    cookies = {c["name"]: c["value"] for c in await context.cookies()}

    async def many() -> list[int]:
        async with httpx.AsyncClient(cookies=cookies) as client:
            answers = await asyncio.gather(
                *[client.get(console_hub.base + "/console/") for _ in range(4)]
            )
        return [a.status_code for a in answers]

    assert await many() == [200, 200, 200, 200]
    await page.goto(console_hub.base + "/console/")
    assert page.url == console_hub.base + "/console/"
    await context.close()


async def test_a_disabled_account_is_signed_out_of_the_console_at_once(
    fresh_console_hub, browser
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, fresh_console_hub.base, RECORDER)
    await _db(
        fresh_console_hub.database_url,
        lambda engine: accounts.set_disabled(engine, accounts.COMMAND_LINE, RECORDER, True),
    )
    await page.goto(fresh_console_hub.base + "/console/")
    assert "/oauth/authorize" in page.url
    await context.close()


async def test_english_and_text_size_work_without_javascript(console_hub, browser) -> None:
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await sign_in(page, console_hub.base, VERIFIER)
    await page.click("button[name=lang][value=en]")
    await page.wait_for_load_state()
    assert "Sign out" in await page.inner_text("header")
    await page.click("button[name=text][value=xl]")
    await page.wait_for_load_state()
    assert await page.get_attribute("html", "class") == "text-xl"
    assert await page.get_attribute("html", "lang") == "en"
    await screenshot(page, "console-home-en")
    await context.close()


async def test_a_wrong_password_is_refused_by_the_hub_and_the_console_stays_closed(
    console_hub, browser
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(console_hub.base + "/console/")
    await page.fill("input[name=username]", RECORDER)
    await page.fill("input[name=password]", demo_password(RECORDER) + "x")
    await page.click("button[type=submit]")
    assert "/oauth/authorize" in page.url
    assert await page.locator(".error").count() == 1
    await context.close()
