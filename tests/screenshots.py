"""Screenshots of the console's main pages, Thai and English, for README's "For clerks and
officers": `make screenshots` (`python -m tests.screenshots`). Not part of `make test`.

It serves a live hub over the demo dataset (the national one by default, as `make run` has;
`--provinces N` for a quicker small one) in `var/screenshots/` (loaded once and kept while
this build's generator makes the same data), signs in
each demo account in Chromium (`tests/browser_support.py`) and writes one PNG per page and
language to `docs/screenshots/`, 1280×800 pixels, the top of the page as a person first sees
it. A page this build does not serve (404) is skipped and named; any other failure stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from hub.db import migrate
from hub.db.engine import create_engine
from loaders.demo import DemoConfig, load_demo
from tests.browser_support import chromium, demo_password, live_hub

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
WORK = ROOT / "var" / "screenshots"
LAO = "6110101"

RECORDER = f"demo.lao.{LAO}.recorder"
VERIFIER = f"demo.lao.{LAO}.verifier"
PROVINCE = "demo.province.11"
DISTRICT = "demo.district.1101"
DLA = "demo.dla"


@dataclass(frozen=True)
class Shot:
    name: str  # file stem; `-th` / `-en` is added
    user: str | None  # None: not signed in
    path: str  # {year} is the open fiscal year
    languages: tuple[str, ...] = ("th", "en")


SHOTS = (
    Shot("sign-in", None, "/console/", ("th",)),  # the hub's sign-in page is bilingual
    Shot("home-recorder", RECORDER, "/console/"),
    Shot("lao-year", RECORDER, f"/console/lao/{LAO}/{{year}}"),
    Shot("domain-form", RECORDER, f"/console/lao/{LAO}/{{year}}/domain/1"),
    Shot("records", RECORDER, f"/console/lao/{LAO}/{{year}}/records/water-supply-systems", ("th",)),
    Shot("certification", VERIFIER, f"/console/lao/{LAO}/{{year}}/certification"),
    Shot("report", VERIFIER, f"/console/lao/{LAO}/{{year}}/report", ("th",)),
    Shot("missions", RECORDER, f"/console/lao/{LAO}/missions", ("th",)),
    Shot("home-district", DISTRICT, "/console/", ("th",)),
    Shot("laos-province", PROVINCE, "/console/laos", ("th",)),
    Shot("certify-batch", PROVINCE, "/console/certify"),
    Shot("dashboards-province", PROVINCE, "/console/dashboards"),
    Shot("dashboards-dla", DLA, "/console/dashboards", ("th",)),
    Shot("help", RECORDER, "/console/help"),
    Shot("graphiql", PROVINCE, "/console/graphiql", ("th",)),
)


async def _database(provinces: int | None) -> str:
    config = DemoConfig(provinces=provinces)
    name = "national" if provinces is None else f"provinces-{provinces}"
    WORK.mkdir(parents=True, exist_ok=True)
    url = f"sqlite+aiosqlite:///{WORK / (name + '.sqlite3')}"
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url)
    try:
        # Nothing to do when this build's dataset is loaded; an older one is replaced.
        await load_demo(engine, config, replace=True)
    finally:
        await engine.dispose()
    return url


def _open_year(base: str) -> int:
    answer = httpx.post(base + "/graphql", json={"query": "{ fiscalYears { yearBe isOpen } }"})
    return next(y["yearBe"] for y in answer.json()["data"]["fiscalYears"] if y["isOpen"])


async def _sign_in(page: Any, base: str, username: str) -> None:
    await page.goto(base + "/console/")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", demo_password(username))
    await page.click("button[type=submit]")
    await page.wait_for_url(base + "/console/**")


async def _take(browser: Any, base: str, year: int, shot: Shot, lang: str) -> Path | None:
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="th-TH")
    try:
        page = await context.new_page()
        await context.add_cookies([{"name": "hub_lang", "value": lang, "url": base}])
        if shot.user is not None:
            await _sign_in(page, base, shot.user)
        answer = await page.goto(base + shot.path.format(year=year))
        if answer is not None and answer.status == 404:
            return None
        if answer is not None and answer.status >= 400:
            raise RuntimeError(f"{shot.path} answered {answer.status} for {shot.user}")
        if shot.name == "graphiql":  # let GraphiQL render and answer its first query
            await page.wait_for_selector(".graphiql-container .CodeMirror")
            await page.click(".graphiql-execute-button")
            await page.wait_for_function(
                "() => (document.querySelector('.graphiql-response .CodeMirror')"
                "?.CodeMirror.getValue() || '').includes('data')"
            )
        await page.evaluate("document.fonts.ready")
        path = OUT / f"{shot.name}-{lang}.png"
        await page.screenshot(path=str(path))
        return path
    finally:
        await context.close()


async def run(provinces: int | None, only: set[str]) -> int:
    url = await _database(provinces)
    OUT.mkdir(parents=True, exist_ok=True)
    written, skipped = [], []
    with live_hub(url) as base:
        year = _open_year(base)
        async with chromium() as browser:
            for shot in SHOTS:
                if only and shot.name not in only:
                    continue
                for lang in shot.languages:
                    path = await _take(browser, base, year, shot, lang)
                    if path is None:
                        skipped.append(f"{shot.name} ({shot.path})")
                        break
                    written.append(path)
                    print(f"wrote {path.relative_to(ROOT)}", flush=True)
    for name in skipped:
        print(f"skipped {name}: not served by this build", file=sys.stderr)
    return 0 if written else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.screenshots", description=__doc__)
    parser.add_argument(
        "--provinces", type=int, help="demo data of the first N provinces (default: all 77)"
    )
    parser.add_argument("--only", nargs="*", default=[], help="these shots only (file stems)")
    args = parser.parse_args(argv)
    return asyncio.run(run(args.provinces, set(args.only)))


if __name__ == "__main__":
    sys.exit(main())
