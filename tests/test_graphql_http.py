"""GraphQL over HTTP: media types and status codes (the graphql-http audit passes 61/61)."""

from hub.settings import Settings
from tests.conftest import serve

MEDIA = "application/graphql-response+json"


async def test_the_graphql_response_media_type_is_served_to_clients_that_accept_it(
    migrated_database_url,
):
    async with serve(Settings(database_url=migrated_database_url, environment="test")) as c:
        ok = await c.post(
            "/graphql", json={"query": "{ fiscalYears { yearBe } }"}, headers={"Accept": MEDIA}
        )
        parse = await c.post(
            "/graphql", json={"query": "{ fiscalYears { "}, headers={"Accept": MEDIA}
        )
        invalid = await c.post(
            "/graphql", json={"query": "{ noSuchField }"}, headers={"Accept": MEDIA}
        )
        coercion = await c.post(
            "/graphql",
            json={
                "query": "query($f: Int) { laos(first: $f) { totalCount } }",
                "variables": {"f": "x"},
            },
            headers={"Accept": MEDIA},
        )
        legacy = await c.post(
            "/graphql", json={"query": "{ noSuchField }"}, headers={"Accept": "application/json"}
        )
    assert ok.status_code == 200 and ok.headers["content-type"].startswith(MEDIA)
    assert ok.json() == {"data": {"fiscalYears": []}}
    for response, code in (
        (parse, "GRAPHQL_PARSE_FAILED"),
        (invalid, "GRAPHQL_VALIDATION_FAILED"),
        (coercion, "BAD_USER_INPUT"),
    ):
        assert response.status_code == 400
        assert response.headers["content-type"].startswith(MEDIA)
        body = response.json()
        assert "data" not in body and body["errors"][0]["extensions"]["code"] == code
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith(
        "application/json"
    )
    assert legacy.json()["data"] is None


async def test_an_execution_error_is_still_a_200_with_data(migrated_database_url):
    async with serve(Settings(database_url=migrated_database_url, environment="test")) as c:
        response = await c.post(
            "/graphql",
            json={"query": "{ laos(first: 5000) { totalCount } }"},
            headers={"Accept": MEDIA},
        )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None and body["errors"][0]["path"] == ["laos"]


async def test_a_malformed_envelope_is_a_json_error_not_plain_text(migrated_database_url):
    """strawberry refuses these before GraphQL runs, in plain text; a client reading JSON (a
    portal, a ministry's integration) must get the hub's error body with a code."""
    query = "query Q { fiscalYears { yearBe } }"
    async with serve(Settings(database_url=migrated_database_url, environment="test")) as c:
        answers = {
            "batch": await c.post("/graphql", json=[{"query": query}]),
            "variables": await c.post("/graphql", json={"query": query, "variables": []}),
            "operation": await c.post("/graphql", json={"query": query, "operationName": "R"}),
        }
    for what, response in answers.items():
        assert 400 <= response.status_code < 500, what
        assert response.headers["content-type"].startswith("application/json"), what
        [error] = response.json()["errors"]
        assert error["message"] and error["extensions"]["code"], what
    assert answers["batch"].json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
