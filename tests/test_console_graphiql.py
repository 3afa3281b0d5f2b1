"""GraphiQL fixed: served from the hub's vendored assets with no request leaving the machine,
the console's GraphiQL calling as the signed-in person through `/console/graphql` (the hub's
own GraphQL view: same guard, limits and costs) which refuses a request without a session or
without the session's CSRF token, and `/graphql`'s GraphiQL working offline too."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from hub.cli.main import where_to_go
from hub.settings import Settings
from tests.browser_support import screenshot, sign_in
from tests.conftest import serve

RECORDER = "demo.lao.6110101.recorder"
LAO = "6110101"
PERSONAL = (
    f'{{ viewer {{ subject roles }} lao(code: "{LAO}") {{ code recorders {{ name phone }} }} }}'
)


async def _offline_context(browser: Any) -> tuple[Any, list[str], list[str]]:
    """A browser context in which any request not to 127.0.0.1 fails (and is noted), and the
    page's Content-Security-Policy violations are noted."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    outside: list[str] = []
    problems: list[str] = []

    async def only_loopback(route: Any) -> None:
        url = route.request.url
        if url.startswith("http://127.0.0.1:"):
            await route.continue_()
        else:
            outside.append(url)
            await route.abort()

    await context.route("**/*", only_loopback)
    context.on(
        "page",
        lambda page: page.on(
            "console",
            lambda m: problems.append(m.text) if m.type == "error" else None,
        ),
    )
    return context, outside, problems


async def _run(page: Any) -> dict[str, Any]:
    """Press GraphiQL's run button and read the response pane."""
    await page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=30_000)
    await page.click(".graphiql-execute-button")
    await page.wait_for_function(
        """() => { const cm = document.querySelector('.graphiql-response .CodeMirror');
                   return cm && cm.CodeMirror.getValue().trim().startsWith('{'); }""",
        timeout=30_000,
    )
    text = await page.evaluate(
        "() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"
    )
    return json.loads(text)


async def test_console_graphiql_loads_offline_and_queries_as_the_signed_in_person(
    console_hub, browser
) -> None:
    base = console_hub.base
    context, outside, problems = await _offline_context(browser)
    page = await context.new_page()
    await sign_in(page, base, RECORDER)
    await page.click("footer >> text=GraphiQL")
    await page.wait_for_url(base + "/console/graphiql")
    answer = await page.goto(base + "/console/graphiql?query=" + quote(PERSONAL))
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "http" not in policy
    assert "unsafe-eval" not in policy
    result = await _run(page)
    assert "errors" not in result, result
    assert result["data"]["viewer"] == {"subject": RECORDER, "roles": ["LAO_RECORDER"]}
    # People's names are personal data: the LAO's own recorder reads them, the public not.
    assert result["data"]["lao"]["recorders"], result
    public = httpx.post(base + "/graphql", json={"query": PERSONAL}).json()
    assert public["data"]["lao"]["recorders"] is None
    assert public["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "กำลังโหลด" not in await page.inner_text("body")  # not stuck on "Loading…"
    assert "ปากน้ำ" in await page.inner_text(".gq-top")  # whom it runs as: its display name
    await screenshot(page, "console-graphiql")
    assert outside == []
    assert [p for p in problems if "Content Security Policy" in p] == []
    await context.close()


async def test_the_public_graphiql_at_graphql_loads_offline(console_hub, browser) -> None:
    context, outside, problems = await _offline_context(browser)
    page = await context.new_page()
    answer = await page.goto(console_hub.base + "/graphql")
    assert answer.headers["content-type"].startswith("text/html")
    assert "unpkg" not in await page.content()
    result = await _run(page)
    counts = {c["type"]: c["count"] for c in result["data"]["laoCountsByType"]}
    assert counts["SAO"] > 0
    assert outside == []
    assert [p for p in problems if "Content Security Policy" in p] == []
    await context.close()


async def test_console_graphql_needs_the_session_and_its_csrf_token(console_hub, browser) -> None:
    base = console_hub.base
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, base, RECORDER)
    await page.goto(base + "/console/graphiql")
    token = await page.get_attribute("#graphiql", "data-csrf")
    cookies = {c["name"]: c["value"] for c in await context.cookies()}
    query = {"query": "{ viewer { subject } }"}
    endpoint = base + "/console/graphql"

    nobody = httpx.post(endpoint, json=query, headers={"X-CSRF-Token": token or "x"})
    assert nobody.status_code == 401
    assert nobody.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    for headers in ({}, {"X-CSRF-Token": "not-the-token"}):
        refused = httpx.post(endpoint, json=query, cookies=cookies, headers=headers)
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "data" not in refused.json()
    # A form post from another site carries the cookie but never the token.
    form = httpx.post(endpoint, data={"query": "{ viewer { subject } }"}, cookies=cookies)
    assert form.status_code == 403
    assert httpx.get(endpoint + "?query={viewer{subject}}", cookies=cookies).status_code == 405

    ok = httpx.post(endpoint, json=query, cookies=cookies, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and ok.json() == {"data": {"viewer": {"subject": RECORDER}}}

    # The same guard, limits and costs as /graphql.
    def ask(body: dict[str, Any]) -> dict[str, Any]:
        answer = httpx.post(endpoint, json=body, cookies=cookies, headers={"X-CSRF-Token": token})
        return answer.json()

    nul = ask(
        {"query": "query($n: String!) { lao(code: $n) { code } }", "variables": {"n": "a\x00"}}
    )
    assert nul["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    deep = '{ lao(code: "1") { ' + "province { districts { " * 7 + "code" + " } }" * 7 + " } }"
    assert ask({"query": deep})["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"
    costly = (
        "{ "
        + " ".join(
            f"a{i}: nationalStats(fiscalYear: {2500 + i}) {{ fiscalYear }}" for i in range(3)
        )
        + " }"
    )
    assert ask({"query": costly})["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    await context.close()


async def test_graphiql_signs_in_first_and_comes_back(console_hub, browser) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, console_hub.base, "demo.province.11", next_path="/console/graphiql")
    assert page.url == console_hub.base + "/console/graphiql"
    await page.wait_for_selector(".graphiql-container")
    await context.close()


@pytest.mark.parametrize("console", [True, False])
async def test_graphiqls_assets_are_served_with_or_without_the_console(
    migrated_database_url, console
) -> None:
    settings = Settings(database_url=migrated_database_url, environment="test", console=console)
    async with serve(settings) as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200
        for asset in (
            "/console/static/vendor/graphiql-3.9.0/graphiql.min.js",
            "/console/static/vendor/graphiql-3.9.0/graphiql.min.css",
            "/console/static/vendor/react-18.3.1/react.production.min.js",
            "/console/static/vendor/react-dom-18.3.1/react-dom.production.min.js",
            "/console/static/console/graphiql.js",
        ):
            assert asset in page.text
            assert (await client.get(asset)).status_code == 200
        assert "https://" not in page.text
        answer = await client.post("/console/graphql", json={"query": "{ viewer { kind } }"})
        assert answer.status_code == (401 if console else 404)


def test_serve_prints_where_to_go() -> None:
    text = where_to_go(Settings(), "127.0.0.1", 8000)
    assert "http://127.0.0.1:8000/console/" in text
    assert "http://127.0.0.1:8000/console/graphiql" in text
    assert "http://127.0.0.1:8000/graphql" in text
    assert "hub demo load" in text and "note:" not in text
    elsewhere = where_to_go(Settings(), "0.0.0.0", 18800)
    assert "http://127.0.0.1:18800/console/" in elsewhere
    assert "HUB_ISSUER=http://127.0.0.1:18800" in elsewhere  # else the sign-in returns to 8000
    production = Settings(
        environment="production", issuer="https://info.example.go.th", graphiql=False
    )
    shown = where_to_go(production, "0.0.0.0", 8000)
    assert "https://info.example.go.th/console/" in shown
    assert "demo" not in shown and "GraphiQL of the public API" not in shown
    assert "note:" not in shown
