"""schemathesis against the served OpenAPI document (`/api/v1/openapi.json`): 0 failures.

The hub runs over real HTTP on a copy of the small demo dataset. For every
endpoint of the document, schemathesis generates requests from it, valid ones and invalid
ones as the public, valid ones with a real client-credentials token of the demo client holding
every scope, and checks each answer against the document: never a 5xx, only documented
statuses, content types and headers, and every body (the 200 answers' JSON Schema derived
from the operations' selections, the problem details) as documented. Examples are bounded
and derandomised, so the run is quick and repeatable. The same document is then browsed in
Swagger UI (vendored) in Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from schema.pagination import encode_cursor
from tests.browser_support import live_hub
from tests.conftest import demo_copy
from tests.rest_support import agency_token

EXAMPLES = 10
POSITIVE = GenerationMode.POSITIVE


@pytest.fixture(scope="module")
def rest_hub(tmp_path_factory: pytest.TempPathFactory, _template_databases: Any) -> Iterator[str]:
    """The hub over HTTP on a copy of the small demo dataset. SQLite only: what is checked
    here (the document against the answers) does not depend on the database, and the REST
    behaviour on PostgreSQL is covered by tests/test_rest_api.py."""
    with (
        demo_copy(_template_databases("sqlite"), tmp_path_factory.mktemp("rest")) as url,
        live_hub(url) as base,
    ):
        yield base


@pytest.mark.parametrize(
    ("mode", "as_agency"),
    [(POSITIVE, False), (GenerationMode.NEGATIVE, False), (POSITIVE, True)],
    ids=["valid-public", "invalid-public", "valid-agency"],
)
def test_every_endpoint_conforms_to_the_openapi_document(
    rest_hub: str, mode: GenerationMode, as_agency: bool
) -> None:
    schema = schemathesis.openapi.from_url(f"{rest_hub}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {agency_token(rest_hub)}"} if as_agency else {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {
        "/api/v1/laos/{code}",
        "/api/v1/provinces/{provinceCode}/laos",
        "/api/v1/provinces/{code}/stats/{fiscalYear}",
    }
    for operation in operations:
        # A cursor is opaque: a valid request pages with one the hub issued (any random text
        # of the cursor's form is refused, rightly, with 400 naming `after`).
        takes_cursor = any(p.name == "after" for p in operation.query)
        fixed = {"after": encode_cursor(1)} if takes_cursor and mode is POSITIVE else None
        path: dict[str, str] | None = None
        if operation.path == "/api/v1/changes/{kind}" and mode is POSITIVE:
            # A changes feed's cursor belongs to its kind and its caller: take one it issued.
            path = {"kind": "LAO_YEAR"}
            issued = httpx.get(
                f"{rest_hub}/api/v1/changes/LAO_YEAR", params={"first": 1}, headers=headers
            )
            fixed = {"after": issued.json()["pageInfo"]["endCursor"], "first": 5}

        @given(case=operation.as_strategy(mode, query=fixed, path_parameters=path))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=rest_hub, headers=headers)

        conforms()


async def test_the_document_is_browsable_offline_in_swagger_ui(rest_hub: str, browser: Any) -> None:
    """Swagger UI (vendored) renders every endpoint, loading nothing the hub does not serve."""
    page = await browser.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: None if r.url.startswith(rest_hub) else outside.append(r.url))
    try:
        await page.goto(f"{rest_hub}/api/v1/docs")
        await page.wait_for_selector(".opblock", timeout=20000)
        paths = await page.locator(".opblock-summary-path").all_inner_texts()
    finally:
        await page.close()
    assert {"/api/v1/laos/{code}", "/api/v1/provinces/{code}/stats/{fiscalYear}"} <= {
        p.replace("\u200b", "") for p in paths
    }
    assert errors == [] and [u for u in outside if not u.startswith("data:")] == []
