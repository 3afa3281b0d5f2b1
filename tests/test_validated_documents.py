"""Validating a document once (schema/validated_documents.py): the standard rules' verdict is
remembered per document text, and the rules bound to the request (its variables) still run on
every request; a refused document is refused every time with its own errors."""

from __future__ import annotations

import orjson

from hub.settings import Settings
from tests.conftest import serve

SEARCH = "query($f: LaoFilter) { laos(filter: $f) { totalCount } }"


async def post(client, query: str, **variables) -> dict:
    response = await client.post(
        "/graphql",
        content=orjson.dumps({"query": query, "variables": variables}),
        headers={"content-type": "application/json"},
    )
    return response.json()


def resolvers(url: str) -> Settings:
    # The planner answers this read itself; the resolvers' path is strawberry's validation.
    return Settings(database_url=url, environment="test", planner=False)


async def test_a_document_validated_before_is_still_checked_against_this_request_s_variables(
    migrated_database_url,
):
    async with serve(resolvers(migrated_database_url)) as c:
        for _ in range(2):  # the second time the document's standard verdict is remembered
            assert await post(c, SEARCH, f={"nameContains": "ก"}) == {
                "data": {"laos": {"totalCount": 0}}
            }
        refused = await post(c, SEARCH, f={"nameContains": "ก" * 50_001})
        again = await post(c, SEARCH, f={"nameContains": "ข"})
    (error,) = refused["errors"]
    assert error["extensions"]["reason"] == "TOO_LONG", error
    assert error["extensions"]["variable"] == "f"
    assert again == {"data": {"laos": {"totalCount": 0}}}


async def test_an_invalid_document_is_refused_every_time_with_its_own_errors(
    migrated_database_url,
):
    wrong = "{ laos { totalCount nosuchField } }"
    async with serve(resolvers(migrated_database_url)) as c:
        first = await post(c, wrong)
        second = await post(c, wrong)
    assert first == second
    (error,) = first["errors"]
    assert "nosuchField" in error["message"] and first.get("data") is None
