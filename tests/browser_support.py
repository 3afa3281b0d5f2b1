"""The console in a real browser: a live hub over HTTP and Debian's Chromium under Playwright.

- `live_hub(url)` serves the real app with uvicorn on a free loopback port, in a thread, its
  issuer set to that address (so the console's OAuth redirects come back to it).
- `chromium()` launches `/usr/bin/chromium` (Playwright cannot download browsers here; CI
  installs Debian's `chromium`). Without it the tests skip, except in CI, where they fail.
- `sign_in(page, base, username)` signs a demo account in through the hub's own sign-in page.
- `axe_violations(page)` runs axe-core (vendored in tests/vendor, MPL-2.0) in the page and
  returns the serious and critical violations.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from hub.settings import Settings
from hub.web.app import create_app
from loaders.demo import DemoConfig
from loaders.demo_accounts import secret_for

CHROMIUM = os.environ.get("HUB_TEST_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("HUB_TEST_SCREENSHOTS", "var/screenshots"))


def demo_password(username: str) -> str:
    return secret_for(DemoConfig().seed, username, "demo-", 10)[0]


def _free_port() -> int:
    """A free loopback port: the first free one of `HUB_TEST_PORTS` (`FIRST-LAST`) when set,
    so a machine shared by several test runs keeps each to its own ports; else any."""
    wanted = os.environ.get("HUB_TEST_PORTS", "")
    if wanted:
        first, last = (int(part) for part in wanted.split("-"))
        for port in range(first, last + 1):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise RuntimeError(f"no free port in HUB_TEST_PORTS={wanted}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def live_hub(database_url: str, port: int | None = None, **overrides: Any) -> Iterator[str]:
    """The hub served over real HTTP on 127.0.0.1 (on `port`, or a free one); yields its
    base address."""
    port = port or _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = dataclasses.replace(
        Settings(database_url=database_url, environment="test", login_delay_step=0.0),
        issuer=base,
        **overrides,
    )
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the hub did not start")
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def require_chromium() -> None:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required in CI ({CHROMIUM}): apt-get install chromium")
        pytest.skip(f"no Chromium at {CHROMIUM}")


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """A headless Chromium browser (Playwright, async API: the tests are asyncio tests)."""
    require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, args=["--font-render-hinting=none"]
        )
        try:
            yield browser
        finally:
            await browser.close()


async def sign_in(
    page: Any,
    base: str,
    username: str,
    password: str | None = None,
    *,
    next_path: str = "/console/",
) -> None:
    """Open a console page, sign in on the hub's page, land back on the console."""
    await page.goto(base + next_path)
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password or demo_password(username))
    await page.click("button[type=submit]")
    await page.wait_for_url(base + "/console/**")


async def axe_violations(
    page: Any, impacts: tuple[str, ...] = ("serious", "critical")
) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations of the page at `impacts`.

    Evaluated over CDP, so the page's Content-Security-Policy (no inline script) stays on."""
    await page.evaluate(AXE.read_text())
    result = await page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


async def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under var/screenshots (for people to look at)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
