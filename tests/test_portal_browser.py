"""A portal on another origin, in Chromium: it reads the hub with `fetch` (CORS, its origin
configured) and embeds its LAO's card with one script tag and with an iframe; what the
reader sees is asserted, and a screenshot is kept (var/screenshots/portal-card.png).
The card's own answers (no cookie, cached, public data only) are checked over HTTP too."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from hub.db.engine import create_engine
from hub.db.models import Lao, LaoYear
from hub.rules.enums import CertificationState, LaoType
from hub.settings import Settings
from tests.browser_support import SCREENSHOTS, live_hub
from tests.conftest import serve

HUB_PORT = 18802
PORTAL_PORT = 18803
PORTAL = f"http://127.0.0.1:{PORTAL_PORT}"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A municipality's portal</title>
<style>body {{ font-family: sans-serif; margin: 1.5rem; background: #f4f1ea; }}
.cols {{ display: flex; gap: 2rem; align-items: flex-start; }}</style></head>
<body>
<h1>Welcome to our municipality</h1>
<p id="stats">Loading the nation's figures…</p>
<div class="cols">
  <div><h2>Our card (script)</h2>
    <script src="{hub}/embed/card.js" data-lao="{code}" data-lang="en" async></script></div>
  <div><h2>Our card (iframe, Thai)</h2>
    <iframe src="{hub}/embed/lao/{code}" title="INFO Hub card" width="440" height="380"
      style="border:0"></iframe></div>
</div>
<script>
fetch("{hub}/graphql", {{
  method: "POST",
  headers: {{ "Content-Type": "application/json" }},
  body: JSON.stringify({{ query: "{{ lao(code: \\"{code}\\") {{ nameEn province {{ nameEn }} }} }}" }}),
}}).then(r => r.json()).then(body => {{
  const lao = body.data.lao;
  document.getElementById("stats").textContent = "Read from the hub: " + lao.nameEn + ", " + lao.province.nameEn;
}}).catch(e => {{ document.getElementById("stats").textContent = "failed: " + e; }});
</script>
</body></html>"""


@contextlib.contextmanager
def portal(page: str) -> Iterator[str]:
    """A second small web server, on another origin than the hub's, serving the portal page."""
    body = page.encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", PORTAL_PORT), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield PORTAL
    finally:
        server.shutdown()
        server.server_close()


async def _certified_lao(url: str) -> str:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return (
                await conn.execute(
                    select(Lao.code)
                    .join(LaoYear, LaoYear.lao_id == Lao.id)
                    .where(
                        LaoYear.state == CertificationState.PROVINCE_CERTIFIED,
                        Lao.type == LaoType.PAO,
                    )
                    .order_by(LaoYear.fiscal_year.desc(), Lao.id)
                    .limit(1)
                )
            ).scalar_one()
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_portal_on_another_origin_reads_the_hub_and_embeds_its_card(
    fresh_demo_url, browser
):
    code = await _certified_lao(fresh_demo_url)
    with (
        live_hub(fresh_demo_url, port=HUB_PORT, cors_origins=(PORTAL,)) as hub,
        portal(PAGE.format(hub=hub, code=code)) as site,
    ):
        context = await browser.new_context(viewport={"width": 1100, "height": 720})
        page = await context.new_page()
        sent_cookies = []
        page.on(
            "request",
            lambda request: (
                sent_cookies.append(request.headers.get("cookie"))
                if request.url.startswith(hub)
                else None
            ),
        )
        await page.goto(site + "/")
        # (a) fetch across origins, allowed by the hub's CORS configuration.
        stats = page.locator("#stats")
        await stats.get_by_text("Read from the hub:").wait_for(timeout=30_000)
        assert "PAO" in (await stats.text_content() or "")
        # (b) the script's card, in English (Playwright's locators see into the shadow root).
        card = page.locator(".info-hub-card .info-card")
        await card.wait_for(timeout=30_000)
        text = await card.inner_text()
        assert "Provincial administrative organisation" in text
        assert "Population" in text and "Fiscal year" in text
        assert "Certified by the" in text  # the LAO or its province: public either way
        # ...and the iframe's, in Thai.
        frame = page.frame_locator("iframe")
        await frame.locator(".info-card").wait_for(timeout=30_000)
        framed = await frame.locator(".info-card").inner_text()
        assert "องค์การบริหารส่วนจังหวัด" in framed and "ประชากร" in framed
        assert "รับรองข้อมูลแล้ว" in framed
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / "portal-card.png"), full_page=True)
        assert await context.cookies() == []
        assert sent_cookies and not any(sent_cookies)
        await context.close()


async def test_the_cards_answers_are_public_cached_and_cookie_free(fresh_demo_url):
    code = await _certified_lao(fresh_demo_url)
    async with serve(Settings(database_url=fresh_demo_url, environment="test")) as hub:
        for path in (f"/embed/lao/{code}.json", f"/embed/lao/{code}", "/embed/card.js"):
            response = await hub.get(path, headers={"Origin": "https://portal.example.go.th"})
            assert response.status_code == 200, path
            assert "set-cookie" not in response.headers
            assert response.headers["cache-control"].startswith("public")
            again = await hub.get(path, headers={"If-None-Match": response.headers["etag"]})
            assert again.status_code == 304 and again.content == b""
        card = (await hub.get(f"/embed/lao/{code}.json")).json()
        assert card["year"]["state"] in {"LAO_CERTIFIED", "PROVINCE_CERTIFIED"}
        assert "recorders" not in str(card) and card["code"] == code
        page = await hub.get(f"/embed/lao/{code}?lang=en")
        assert "frame-ancestors *" in page.headers["content-security-policy"]
        assert "<script" not in page.text and "Population" in page.text
        assert (await hub.get("/embed/lao/0000000.json")).status_code == 404
        assert (await hub.get("/embed/lao/<script>")).status_code == 404


def test_ports_are_the_tasks():
    """The live servers use the ports set aside for these tests."""
    assert 18800 <= HUB_PORT < PORTAL_PORT <= 18899
