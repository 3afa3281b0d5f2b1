"""The HTTP view reaches the planner (schema/planner.py).

`hub.web.app.HubGraphQL` hands queries to the planner by overriding a method of strawberry's
ASGI view (`execute_single`), and the planner reads graphql-core's schema: internals a
strawberry release may rename without notice, after which every query would quietly go
through the resolvers (same answers, many more statements). pyproject.toml bounds both
libraries and constraints.txt pins them; this test is what fails when a new release breaks
the hand-over.
"""

from __future__ import annotations

import dataclasses

from hub.rules.identity import PUBLIC
from hub.settings import Settings
from tests.conftest import Places, serve

QUERY = """
query Page($province: String!, $year: Int!) {
  laos(filter: {provinceCode: $province}, first: 5) {
    totalCount
    edges { node { code nameTh province { nameTh }
      year(fiscalYear: $year) { state healthEnvironment { villageHealthVolunteers } } } }
  }
}"""
# What the planner sends for it: the page (LAOs, places, LAO-years and the section in one
# statement) and the COUNT.
PLANNED_STATEMENTS = 2


async def test_a_planned_query_over_http_is_answered_by_the_planner(
    demo_database_url: str, places: Places
) -> None:
    settings = Settings(
        database_url=demo_database_url, environment="test", count_statements=True, planner=True
    )
    body = {"query": QUERY, "variables": {"province": places.province_code, "year": places.year}}
    async with serve(settings, PUBLIC) as hub:
        planner = hub.app.state.planner  # type: ignore[attr-defined]
        plans = len(planner._plans)
        planned = await hub.post("/graphql", json=body)
        assert planned.status_code == 200, planned.text
        assert "errors" not in planned.json()
        assert len(planner._plans) == plans + 1  # the planner compiled it ...
        assert int(planned.headers["x-sql-statements"]) == PLANNED_STATEMENTS  # ... and ran it
    async with serve(dataclasses.replace(settings, planner=False), PUBLIC) as hub:
        resolved = await hub.post("/graphql", json=body)
    assert resolved.json() == planned.json()
    assert int(resolved.headers["x-sql-statements"]) > PLANNED_STATEMENTS
