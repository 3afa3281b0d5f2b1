"""The REST face (`/api/v1`, hub/web/rest.py): answers equal GraphQL's, permissions are the
same, refusals are RFC 9457 problem details, lists page with `Link`, the GDX declarations are
recorded, and every registered route compiles (or a broken one is named)."""

from __future__ import annotations

import logging
import re

import httpx
import orjson
import pytest

from hub.rules.declared_caller import NOBODY_DECLARED
from hub.settings import Settings
from hub.web.rest_endpoints import compile_endpoints
from hub.web.rest_params import RouteError
from schema.operations import parse_operation, repository_operations
from schema.root import build_schema
from tests.conftest import Places, graphql, identities, serve

PROBLEM = "application/problem+json"


def _problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"].endswith(f"/api/v1/problems/{code}")
    assert body["title"] and body["detail"]
    return body


# --- compiled from the registry -----------------------------------------------------------


def test_every_registered_route_compiles_and_is_documented() -> None:
    schema = build_schema()._schema
    endpoints = compile_endpoints(schema)
    routed = {op.rest.path for op in repository_operations().values() if op.rest}
    assert {e.path for e in endpoints} == routed
    assert {
        "/api/v1/laos/{code}",
        "/api/v1/provinces/{provinceCode}/laos",
        "/api/v1/provinces/{code}/stats/{fiscalYear}",
    } <= routed
    paged = {e.operation.name: e.paged for e in endpoints}
    assert paged["ProvinceLaos"] and not paged["LaoProfile"]


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (
            "query X($f: LaoFilter) { laos(filter: $f) { totalCount } }",
            r"\$f cannot be a REST parameter",
        ),
        (
            "query X($after: String) { laos(after: $after) { pageInfo { hasNextPage } } }",
            "must select pageInfo",
        ),
        ("query X($code: String!) { lao(code: $code) { ...on Province { code } } }", "fragment"),
        ("POST:query X { provinces { code } }", "only GET"),
        ("mutation X { __typename }", "only a query"),
    ],
)
def test_a_route_that_cannot_be_served_is_named(document: str, reason: str) -> None:
    method, document = document.split(":", 1) if document.startswith("POST:") else ("GET", document)
    text = f"# version: 1\n# rest: {method} /api/v1/x\n{document}"
    operation = parse_operation(text, origin="x")
    with pytest.raises(RouteError, match=reason):
        compile_endpoints(build_schema()._schema, {"X": operation})


# --- answers ------------------------------------------------------------------------------

LAO = repository_operations()["LaoProfile"].document
STATS = repository_operations()["ProvinceStats"].document


async def test_an_endpoint_answers_the_operations_data_unwrapped(demo_client, places: Places):
    response = await demo_client.get(f"/api/v1/laos/{places.certified_code}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    expected = await graphql(demo_client, LAO, code=places.certified_code)
    assert response.json() == expected["lao"]
    stats = await demo_client.get(f"/api/v1/provinces/{places.province_code}/stats/{places.year}")
    expected = await graphql(demo_client, STATS, code=places.province_code, fiscalYear=places.year)
    assert stats.json() == expected["province"]


async def test_a_list_pages_with_link_headers(demo_client, places: Places):
    url = f"/api/v1/provinces/{places.province_code}/laos?first=3&fiscalYear={places.year}"
    codes, pages = [], 0
    while url:
        response = await demo_client.get(url)
        assert response.status_code == 200, response.text
        page = response.json()
        codes += [edge["node"]["code"] for edge in page["edges"]]
        pages += 1
        link = response.headers.get("link")
        assert (link is not None) == page["pageInfo"]["hasNextPage"]
        url = re.fullmatch(r'<([^>]+)>; rel="next"', link)[1] if link else ""  # type: ignore[index]
        if url:
            assert url.startswith("/api/v1/provinces/") and "after=" in url and "first=3" in url
    assert pages > 1 and len(codes) == page["totalCount"] == len(set(codes))


async def test_the_same_row_rules_apply_as_on_graphql(demo_database_url, places: Places):
    """Draft LAO-years: the public never matches them; the provincial office sees its own."""
    url = f"/api/v1/provinces/{places.province_code}/laos?fiscalYear={places.year}&state=DRAFT"
    settings = Settings(database_url=demo_database_url, environment="test")
    counts = {}
    for who in ("public", "agency", "province"):
        async with serve(settings, identities(places)[who]) as client:
            response = await client.get(url)
            assert response.status_code == 200, response.text
            counts[who] = response.json()["totalCount"]
    assert counts["public"] == counts["agency"] == 0 < counts["province"]


# --- refusals -----------------------------------------------------------------------------


async def test_refusals_are_problem_details_naming_the_parameter(demo_client, places: Places):
    body = _problem(await demo_client.get("/api/v1/laos/0000000"), 404, "NOT_FOUND")
    assert body["instance"] == "/api/v1/laos/0000000" and body["requestId"]
    province = f"/api/v1/provinces/{places.province_code}"
    for url, field in [
        (f"{province}/stats/twenty", "fiscalYear"),
        (f"{province}/laos?first=5000", "first"),
        (f"{province}/laos?first=1&first=2", "first"),
        (f"{province}/laos?state=NOT_A_STATE", "state"),
        (f"{province}/laos?after=!!", "after"),
        (f"{province}/laos?colour=red", "colour"),
    ]:
        body = _problem(await demo_client.get(url), 400, "BAD_USER_INPUT")
        assert body["field"] == field, (url, body)
        assert body["messageTh"]
    # A cursor of the right form that the hub did not issue: GraphQL's own refusal.
    body = _problem(await demo_client.get(f"{province}/laos?after=bm9wZQ"), 400, "BAD_USER_INPUT")
    assert body["field"] == "after"
    refused = await demo_client.post("/api/v1/laos/6110102")
    assert _problem(refused, 405, "METHOD_NOT_ALLOWED") and refused.headers["allow"] == "GET, HEAD"
    _problem(await demo_client.get("/api/v1/no/such/thing"), 404, "NOT_FOUND")
    _problem(await demo_client.get(f"{province}/laos?after=%00"), 400, "BAD_USER_INPUT")


async def test_a_refused_token_is_a_401_problem(demo_client):
    response = await demo_client.get(
        "/api/v1/laos/6110102", headers={"Authorization": "Bearer not-a-token"}
    )
    _problem(response, 401, "UNAUTHENTICATED")
    assert response.headers["www-authenticate"].startswith("Bearer ")


async def test_a_problem_type_says_what_its_code_means(demo_client):
    response = await demo_client.get("/api/v1/problems/NOT_FOUND")
    assert response.json()["status"] == 404 and response.json()["title"] == "Not found"
    _problem(await demo_client.get("/api/v1/problems/NOPE"), 404, "NOT_FOUND")


# --- the GDX declarations -----------------------------------------------------------------


async def test_the_declared_consumer_and_officer_are_recorded(demo_client, caplog, places):
    headers = {"X-Consumer-Key": "moph-hdc-01", "X-Officer-Id": "officer-3100500123456"}
    with caplog.at_level(logging.INFO, logger="hub.access"):
        response = await demo_client.get(f"/api/v1/laos/{places.certified_code}", headers=headers)
    assert response.status_code == 200
    [line] = [r for r in caplog.records if r.name == "hub.access"]
    assert (line.consumer_key, line.officer_id) == ("moph-hdc-01", "officer-3100500123456")  # type: ignore[attr-defined]


async def test_services_read_the_declaration_from_the_context(demo_client):
    """`HubContext.declared_caller` is what the request declared (what a service records)."""
    from starlette.requests import Request

    from hub.rules.declared_caller import DeclaredCaller

    view = next(r for r in demo_client.app.routes if getattr(r, "path", "") == "/graphql")
    view = view.app
    while not hasattr(view, "get_context"):  # HttpCaching, GraphQLResponseMediaType, …
        view = view.app
    declared = DeclaredCaller(consumer_key="k-1", officer_id="o-1")
    request = Request({"type": "http", "headers": [], "state": {"declared_caller": declared}})
    assert (await view.get_context(request, None)).declared_caller == declared
    bare = Request({"type": "http", "headers": [], "state": {}})
    assert (await view.get_context(bare, None)).declared_caller == NOBODY_DECLARED


async def test_a_declaration_that_cannot_be_recorded_is_refused_naming_the_header(demo_client):
    bad = {"X-Officer-Id": " " + "x" * 200}
    body = _problem(
        await demo_client.get("/api/v1/laos/6110102", headers=bad), 400, "BAD_USER_INPUT"
    )
    assert body["field"] == "X-Officer-Id"
    response = await demo_client.post(
        "/graphql", json={"query": "{ provinces { code } }"}, headers=bad
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["field"] == "X-Officer-Id"


# --- the document and its browser ---------------------------------------------------------


async def test_the_openapi_document_and_its_offline_browser(demo_client):
    document = (await demo_client.get("/api/v1/openapi.json")).json()
    assert document["openapi"] == "3.1.0"
    issuer = Settings().issuer
    flows = document["components"]["securitySchemes"]["clientCredentials"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == f"{issuer}/oauth/token"
    assert {} in document["security"]  # public reads need no token
    lao = document["paths"]["/api/v1/laos/{code}"]["get"]
    assert lao["operationId"] == "LaoProfile"
    assert lao["x-graphql-operation"]["sha256"] == repository_operations()["LaoProfile"].sha256
    names = {p.get("name") or p["$ref"].rsplit("/", 1)[1] for p in lao["parameters"]}
    assert names == {"code", "ConsumerKey", "OfficerId"}
    listed = document["paths"]["/api/v1/provinces/{provinceCode}/laos"]["get"]
    assert "Link" in listed["responses"]["200"]["headers"]
    page = await demo_client.get("/api/v1/docs")
    assert (
        page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    )
    for asset in re.findall(r'(?:src|href)="(/[^"]+)"', page.text):
        assert (await demo_client.get(asset)).status_code == 200, asset


def test_a_field_the_caller_may_not_read_refuses_the_whole_answer() -> None:
    """REST has no partial answers: any error of the operation is the answer's problem."""
    from graphql import GraphQLError

    from hub.web.problem_json import from_errors

    errors = [
        GraphQLError(
            "You may not read this.", path=["lao", "recorders"], extensions={"code": "FORBIDDEN"}
        ),
        GraphQLError("Not found.", path=["lao", "x"], extensions={"code": "NOT_FOUND"}),
    ]
    response = from_errors(errors, base="https://hub.example", instance="/api/v1/x", request_id="r")
    body = orjson.loads(response.body)
    assert response.status_code == body["status"] == 403 and body["code"] == "FORBIDDEN"
    assert [e["path"] for e in body["errors"]] == [["lao", "recorders"], ["lao", "x"]]


async def test_a_database_that_cannot_be_reached_is_a_503_problem(tmp_path):
    # The path is a directory: SQLite cannot open it.
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}", environment="test", auto_migrate=False
    )
    async with serve(settings) as client:
        for url in ("/api/v1/laos/6110102", "/api/v1/provinces/11/laos?first=2"):
            response = await client.get(url)
            body = _problem(response, 503, "SERVICE_UNAVAILABLE")
            assert int(response.headers["retry-after"]) == body["retryAfter"] > 0
            assert body["requestId"] == response.headers["x-request-id"]


async def test_a_portal_page_may_call_the_rest_face_and_read_its_link(demo_database_url, places):
    portal = "https://portal.example.go.th"
    settings = Settings(database_url=demo_database_url, environment="test", cors_origins=(portal,))
    async with serve(settings) as client:
        preflight = await client.options(
            "/api/v1/laos/6110102",
            headers={
                "Origin": portal,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization, x-consumer-key, x-officer-id",
            },
        )
        page = await client.get(
            f"/api/v1/provinces/{places.province_code}/laos?first=1", headers={"Origin": portal}
        )
    assert preflight.status_code == 200
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "x-consumer-key" in allowed and "x-officer-id" in allowed
    assert page.headers["access-control-allow-origin"] == portal and "link" in page.headers
    assert "link" in page.headers["access-control-expose-headers"].lower()
