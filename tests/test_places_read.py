"""Subdistricts and villages over GraphQL: listed by district and subdistrict, searched by a
Thai name typed in any usual spelling, paged, and read in a fixed number of statements."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.conftest import graphql, graphql_response

DECOMPOSED_PAK_NAM = "ปากน\u0e4d\u0e49\u0e32"  # NIKHAHIT + tone + SARA AA: looks like ปากน้ำ


async def test_subdistricts_are_searched_in_any_usual_spelling(demo_client: Any) -> None:
    data = await graphql(
        demo_client,
        """query($name: String!) {
          subdistricts(filter: {provinceCode: "11", nameContains: $name}) {
            totalCount edges { node { code nameTh postcode district { code province { code } } } } } }""",
        name=DECOMPOSED_PAK_NAM,
    )
    nodes = [e["node"] for e in data["subdistricts"]["edges"]]
    assert data["subdistricts"]["totalCount"] == len(nodes) >= 1
    assert all("ปากน้ำ" in n["nameTh"] for n in nodes)
    assert all(n["district"]["province"]["code"] == "11" for n in nodes)
    one = nodes[0]
    again = await graphql(
        demo_client,
        """query($code: String!, $district: String!) {
          subdistrict(code: $code) { code nameTh villages { number } }
          district(code: $district) { subdistricts { code } } }""",
        code=one["code"],
        district=one["district"]["code"],
    )
    assert again["subdistrict"]["code"] == one["code"]
    assert one["code"] in [s["code"] for s in again["district"]["subdistricts"]]
    assert (await graphql(demo_client, '{ subdistrict(code: "999999") { code } }')) == {
        "subdistrict": None
    }


async def test_villages_are_listed_by_subdistrict_and_district_and_paged(demo_client: Any) -> None:
    district = (await graphql(demo_client, '{ province(code: "11") { districts { code } } }'))[
        "province"
    ]["districts"][0]["code"]
    page_query = """query($district: String!, $after: String) {
      villages(filter: {districtCode: $district}, first: 7, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { number nameTh subdistrict { code district { code } } } } } }"""
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await graphql(demo_client, page_query, district=district, after=after))["villages"]
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == page["totalCount"] > 7
    assert {v["subdistrict"]["district"]["code"] for v in seen} == {district}
    subdistrict = seen[0]["subdistrict"]["code"]
    in_one = (
        await graphql(
            demo_client,
            """query($s: String!) { villages(filter: {subdistrictCode: $s}, first: 1000) {
                totalCount edges { node { number subdistrict { code } } } } }""",
            s=subdistrict,
        )
    )["villages"]
    assert in_one["totalCount"] == sum(1 for v in seen if v["subdistrict"]["code"] == subdistrict)
    numbered = (
        await graphql(
            demo_client,
            """query($s: String!, $name: String!) {
              villages(filter: {subdistrictCode: $s, number: 1, nameContains: $name}) {
                edges { node { number nameTh } } } }""",
            s=subdistrict,
            name=next(
                v["nameTh"]
                for v in seen
                if v["subdistrict"]["code"] == subdistrict and v["number"] == 1
            ),
        )
    )["villages"]["edges"]
    assert [e["node"]["number"] for e in numbered] == [1]


async def test_a_bad_page_size_or_cursor_is_the_callers_mistake(demo_client: Any) -> None:
    body = await graphql_response(demo_client, "{ villages(first: 5000) { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "PAGE_SIZE_TOO_LARGE"
    body = await graphql_response(demo_client, '{ subdistricts(after: "nope") { totalCount } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_place_lists_cost_the_same_statements_whatever_their_size(demo_client: Any) -> None:
    query = """query($n: Int!) {
      subdistricts(filter: {provinceCode: "11"}, first: $n) { edges { node {
        code district { nameTh province { nameTh } } villages { number } } } }
      villages(filter: {provinceCode: "11"}, first: $n) { edges { node {
        number subdistrict { code district { code } } } } } }"""
    counts = []
    for size in (2, 40):
        # The fewest of three runs: the two roots reach the district loader from two branches,
        # which batch into one statement when both arrive in the same turn of the event loop
        # and into two when the database answers one branch a turn earlier (timing, not rows).
        fewest: int | None = None
        for _ in range(3):
            statements: list[str] = []

            def count(*args: Any, statements: list[str] = statements) -> None:
                statements.append(args[2])

            event.listen(Engine, "before_cursor_execute", count)
            try:
                data = await graphql(demo_client, query, n=size)
            finally:
                event.remove(Engine, "before_cursor_execute", count)
            assert len(data["villages"]["edges"]) == size
            fewest = len(statements) if fewest is None else min(fewest, len(statements))
        counts.append(fewest)
    assert counts[0] == counts[1]
