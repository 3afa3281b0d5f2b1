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
from typing import Any

from sqlalchemy import make_url

from hub.rules.identity import PUBLIC
from hub.settings import Settings
from tests.conftest import Places, identities, serve


def _backend(url: str) -> str:
    return make_url(url).get_backend_name()


async def post_and_plans(hub: Any, body: dict[str, Any]) -> tuple[Any, list[Any]]:
    """The answer to `body`, and the plans the planner compiled (and remembered) for it: one,
    not None, when the planner took the operation."""
    planner = hub.app.state.planner
    before = set(planner._plans.keys())
    response = await hub.post("/graphql", json=body)
    keys = planner._plans.keys()  # the bounded cache is not iterable itself
    return response, [planner._plans.get(k) for k in keys if k not in before]


async def planned_beside_resolved(settings: Settings, identity: Any, body: dict[str, Any]) -> Any:
    """The planner's answer to `body` and the plans it compiled for it, the answer checked
    equal to the resolvers' (`HUB_PLANNER=off`) for the same caller."""
    async with serve(settings, identity) as hub:
        planned, new = await post_and_plans(hub, body)
    assert planned.status_code == 200, planned.text
    async with serve(dataclasses.replace(settings, planner=False), identity) as hub:
        resolved = await hub.post("/graphql", json=body)
    assert resolved.json() == planned.json()
    return planned, new


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


# The province page as Apollo Client and Relay send it: `__typename` in every
# selection set, two named fragments (one with an inline fragment inside) and an alias.
REAL_CLIENT_QUERY = """
query ProvincePage($province: String!, $year: Int!) {
  page: laos(filter: {provinceCode: $province}, first: 5) {
    __typename
    totalCount
    edges { __typename node { __typename ...LaoCard
      year(fiscalYear: $year) { __typename ...Water } } }
  }
}
fragment LaoCard on Lao { code name: nameTh province { __typename nameTh } }
fragment Water on LaoYear {
  state
  waterManagement {
    __typename
    ... on WaterManagementSection { irrigatedAreaRai }
    waterSupplySystems { __typename recordKey systemType village { __typename number } }
  }
}"""
# The page statement, one for the water systems and the COUNT; on PostgreSQL the water
# systems come inside the page statement's rows (`schema.planner.NestedPage`).
REAL_CLIENT_STATEMENTS = {"sqlite": 3, "postgresql": 2}


async def test_a_real_client_document_over_http_is_answered_by_the_planner(
    demo_database_url: str, places: Places
) -> None:
    """`__typename`, fragments and aliases used to send a document to the resolvers (7.5x
    the time on a province page); now the planner compiles it and gives the same answer."""
    settings = Settings(
        database_url=demo_database_url, environment="test", count_statements=True, planner=True
    )
    body = {
        "query": REAL_CLIENT_QUERY,
        "variables": {"province": places.province_code, "year": places.year},
    }
    async with serve(settings, PUBLIC) as hub:
        planned, new = await post_and_plans(hub, body)
        assert planned.status_code == 200, planned.text
        assert "errors" not in planned.json()
        assert len(new) == 1 and new[0] is not None  # the planner compiled it ...
        statements = int(planned.headers["x-sql-statements"])
        assert statements == REAL_CLIENT_STATEMENTS[_backend(demo_database_url)]  # ... and ran it
    async with serve(dataclasses.replace(settings, planner=False), PUBLIC) as hub:
        resolved = await hub.post("/graphql", json=body)
    assert resolved.json() == planned.json()
    page = planned.json()["data"]["page"]
    assert page["__typename"] == "LaoConnection"
    assert page["edges"][0]["node"]["__typename"] == "Lao"
    assert "name" in page["edges"][0]["node"]


RECORDS_QUERY = """
query Water($province: String!, $year: Int!) {
  waterSupplySystems(filter: {provinceCode: $province, fiscalYear: $year}, first: 40) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { __typename id recordKey name householdsServed status lastCheckedOn
      village { number nameTh } } }
  }
}"""


async def test_a_national_extract_of_records_is_planned(
    demo_database_url: str, places: Places
) -> None:
    """`waterSupplySystems` (and `touristSites`): a page of records is the COUNT and one
    SELECT, however many records and villages it holds; the resolvers answer the same."""
    settings = Settings(
        database_url=demo_database_url, environment="test", count_statements=True, planner=True
    )
    body = {
        "query": RECORDS_QUERY,
        "variables": {"province": places.province_code, "year": places.year},
    }
    async with serve(settings, PUBLIC) as hub:
        planned = await hub.post("/graphql", json=body)
    page = planned.json()["data"]["waterSupplySystems"]
    assert len(page["edges"]) == 40 and page["totalCount"] > 40, page["totalCount"]
    assert int(planned.headers["x-sql-statements"]) == PLANNED_STATEMENTS
    async with serve(dataclasses.replace(settings, planner=False), PUBLIC) as hub:
        resolved = await hub.post("/graphql", json=body)
    assert resolved.json() == planned.json()
    assert int(resolved.headers["x-sql-statements"]) > PLANNED_STATEMENTS


MISSIONS_QUERY = """
query Missions($province: String!) {
  transferredMissions(filter: {provinceCode: $province}, first: 30) {
    totalCount
    edges { node { id status receivedOn budgetBaht
      mission { code nameTh area agency { code nameTh } } agency { code } } }
  }
}"""


async def test_a_national_extract_of_transferred_missions_is_planned(
    demo_database_url: str, places: Places
) -> None:
    """`transferredMissions`: a page is the COUNT and one SELECT with its missions and
    agencies joined; the resolvers answer the same."""
    settings = Settings(
        database_url=demo_database_url, environment="test", count_statements=True, planner=True
    )
    body = {"query": MISSIONS_QUERY, "variables": {"province": places.province_code}}
    async with serve(settings, PUBLIC) as hub:
        planned = await hub.post("/graphql", json=body)
    page = planned.json()["data"]["transferredMissions"]
    assert len(page["edges"]) == 30 and page["totalCount"] > 30, page["totalCount"]
    assert int(planned.headers["x-sql-statements"]) == PLANNED_STATEMENTS
    async with serve(dataclasses.replace(settings, planner=False), PUBLIC) as hub:
        resolved = await hub.post("/graphql", json=body)
    assert resolved.json() == planned.json()
    assert int(resolved.headers["x-sql-statements"]) > PLANNED_STATEMENTS


# A dashboard's document: the province page beside the national roll-ups, in one operation.
DASHBOARD_QUERY = """
query Dashboard($province: String!, $year: Int!) {
  page: laos(filter: {provinceCode: $province}, first: 5) { edges { node { code nameTh } } }
  nation: nationalStats(fiscalYear: $year) { certification { total provinceCertified } }
}"""


async def test_a_document_of_several_root_fields_is_answered_by_the_planner(
    demo_database_url: str, places: Places
) -> None:
    settings = Settings(
        database_url=demo_database_url, environment="test", count_statements=True, planner=True
    )
    body = {
        "query": DASHBOARD_QUERY,
        "variables": {"province": places.province_code, "year": places.year},
    }
    async with serve(settings, PUBLIC) as hub:
        planned, new = await post_and_plans(hub, body)
        assert planned.status_code == 200, planned.text
        assert list(planned.json()["data"]) == ["page", "nation"]  # the document's order
        assert len(new) == 1 and new[0] is not None  # one plan, of both roots
        planned_statements = int(planned.headers["x-sql-statements"])
    async with serve(dataclasses.replace(settings, planner=False), PUBLIC) as hub:
        resolved = await hub.post("/graphql", json=body)
    assert resolved.json() == planned.json()
    assert int(resolved.headers["x-sql-statements"]) >= planned_statements


# A dashboard's document: a connection whose arguments the resolvers refuse (a page too
# large: the error is theirs) beside roots the planner compiles (a page's nodes under two
# keys among them); the fragment and the variable only `laos` uses go with it
# (schema.plan_mixed).
MIXED_QUERY = """query Mixed($province: String!, $year: Int!) {
  source: lao(code: "1234567") { year(fiscalYear: $year) { state } }
  x: waterSupplySystems(first: 5000) { totalCount }
  page: laos(filter: {provinceCode: $province}, first: 5) { ...Page }
  area: waterSupplySystems(first: 2) { a: edges { node { id } } b: edges { cursor } }
  fiscalYears { yearBe isOpen }
}
fragment Page on LaoConnection { totalCount edges { node { code } } }"""


async def test_a_document_with_a_root_the_planner_leaves_is_still_planned(
    demo_database_url: str, places: Places
) -> None:
    """The planner answers the roots it compiles and the resolvers the others (arguments
    they refuse, whose errors are theirs), in one answer, in the
    document's order, as the resolvers alone answer it."""
    settings = Settings(database_url=demo_database_url, environment="test", planner=True)
    body = {
        "query": MIXED_QUERY,
        "variables": {"province": places.province_code, "year": places.year},
    }
    async with serve(settings, PUBLIC) as hub:
        planned, new = await post_and_plans(hub, body)
        assert planned.status_code == 200, planned.text
        assert len(new) == 1 and new[0] is not None  # planned, not sent whole to the resolvers
        assert [type(p).__name__ for p in new[0].plans] == [
            "PagePlan",
            "ResolverRoot",
            "PagePlan",
            "ConnectionPlan",
            "TableListPlan",
        ]
    assert list(planned.json()["data"]) == ["source", "x", "page", "area", "fiscalYears"]
    async with serve(dataclasses.replace(settings, planner=False), PUBLIC) as hub:
        resolved = await hub.post("/graphql", json=body)
    assert resolved.json() == planned.json()


# One LAO, deep: its lists (codes, types, missions with their catalogue entries, the
# certification history) and a section's record tables, of every kind of value the lists
# hold (enums, timestamps, dates, decimals, villages).
DEEP_QUERY = """
query Deep($code: String!, $year: Int!) {
  lao(code: $code) {
    code nameTh province { code nameTh }
    codeHistory { code validFrom validTo }
    typeHistory { type validFrom validTo }
    transferredMissions { receivedOn status budgetBaht staffTransferred version
      mission { code nameTh area } }
    year(fiscalYear: $year) {
      state version
      certificationHistory { at fromState toState actorRole reason }
      waterManagement { irrigatedAreaRai
        waterSupplySystems { id recordKey systemType householdsServed lastCheckedOn
          village { number nameTh } } }
      economyTourism { touristSites { recordKey } }
    }
  }
}"""
# The LAO, its places, its LAO-year and sections, and on PostgreSQL its lists and records too
# (`schema.planner.NestedPage`); SQLite adds one statement per list and record table.
DEEP_STATEMENTS = {"sqlite": 7, "postgresql": 1}


async def test_one_lao_deep_is_one_statement_on_postgresql(
    demo_database_url: str, places: Places
) -> None:
    """Q1's shape: on PostgreSQL the lists and record tables come inside the LAO's row, one
    round trip where there were seven, with the values the resolvers give."""
    settings = Settings(
        database_url=demo_database_url, environment="test", count_statements=True, planner=True
    )
    body = {"query": DEEP_QUERY, "variables": {"code": places.certified_code, "year": places.year}}
    admin = identities(places)["dla"]
    async with serve(settings, admin) as hub:
        planned, new = await post_and_plans(hub, body)
        assert planned.status_code == 200 and "errors" not in planned.json(), planned.text
        assert len(new) == 1 and new[0] is not None
        assert (
            int(planned.headers["x-sql-statements"]) == DEEP_STATEMENTS[_backend(demo_database_url)]
        )
    async with serve(dataclasses.replace(settings, planner=False), admin) as hub:
        resolved = await hub.post("/graphql", json=body)
    assert resolved.json() == planned.json()
    lao = planned.json()["data"]["lao"]
    # Every list holds something, so every kind of value was read back.
    assert lao["codeHistory"] and lao["typeHistory"] and lao["transferredMissions"]
    year = lao["year"]
    assert year["certificationHistory"] and year["waterManagement"]["waterSupplySystems"]


# A portal's history page: every fiscal year of one LAO, with a section and its records.
YEARS_QUERY = """
query History($code: String!) {
  lao(code: $code) {
    code nameTh
    years { fiscalYear state
      certificationHistory { at toState }
      waterManagement { irrigatedAreaRai waterSupplySystems { recordKey village { number } } } }
  }
}"""
# The LAO; its LAO-years with the section; on SQLite one more statement each for the
# certification history and the water systems.
YEARS_STATEMENTS = {"sqlite": 4, "postgresql": 2}


async def test_every_year_of_an_lao_is_planned(demo_database_url: str, places: Places) -> None:
    """`years` was the resolvers' (a statement per year's section and list); the planner
    reads the LAO-years in one statement, as the resolvers' row rule allows them."""
    settings = Settings(
        database_url=demo_database_url, environment="test", count_statements=True, planner=True
    )
    body = {"query": YEARS_QUERY, "variables": {"code": places.certified_code}}
    for who in ("public", "dla"):
        identity = identities(places)[who]
        async with serve(settings, identity) as hub:
            planned, new = await post_and_plans(hub, body)
            assert planned.status_code == 200 and "errors" not in planned.json(), planned.text
            assert len(new) == 1 and new[0] is not None
            statements = int(planned.headers["x-sql-statements"])
            assert statements == YEARS_STATEMENTS[_backend(demo_database_url)]
        async with serve(dataclasses.replace(settings, planner=False), identity) as hub:
            resolved = await hub.post("/graphql", json=body)
        assert resolved.json() == planned.json()
        years = planned.json()["data"]["lao"]["years"]
        assert [y["fiscalYear"] for y in years] == sorted(
            (y["fiscalYear"] for y in years), reverse=True
        )
        assert years and any(y["waterManagement"]["waterSupplySystems"] for y in years)


async def test_the_console_home_pages_viewer_is_planned(
    demo_database_url: str, places: Places
) -> None:
    """The console's home pages start with `viewer`: a provincial officer's province with its
    districts' progress, a district officer's district with its province; the planner
    answers them (`schema.plan_viewer`) as the resolvers do."""
    from hub.web.console import role_home

    settings = Settings(database_url=demo_database_url, environment="test", planner=True)
    who = identities(places)
    for identity, query in (
        (who["province"], role_home.PROVINCE),
        (who["district"], role_home.DISTRICT),
        (who["province"], role_home.WHO),
    ):
        body = {"query": query, "variables": {"year": places.year} if "$year" in query else {}}
        async with serve(settings, identity) as hub:
            planned, new = await post_and_plans(hub, body)
        assert planned.status_code == 200, planned.text
        assert len(new) == 1 and new[0] is not None, query
        plans = getattr(new[0], "plans", [new[0]])
        assert type(plans[0]).__name__ == "ViewerPlan", query
        async with serve(dataclasses.replace(settings, planner=False), identity) as hub:
            resolved = await hub.post("/graphql", json=body)
        assert resolved.json() == planned.json()
        assert any(planned.json()["data"]["viewer"].values()), query  # its places, found


async def test_the_console_missions_page_is_planned(demo_database_url: str, places: Places) -> None:
    """An LAO's missions page asks each record's history (a list under a list): the planner
    answers it (`schema.plan_lists.Children`) with one statement more for all the records'
    histories, as the resolvers do, for the LAO's clerk and for an officer."""
    from hub.web.console import missions

    settings = Settings(
        database_url=demo_database_url, environment="test", count_statements=True, planner=True
    )
    who = identities(places)
    for identity, code in (
        (who["recorder"], places.draft_sao_code),
        (who["province"], places.certified_code),
        (who["dla"], places.certified_code),
    ):
        body = {"query": missions.LAO_QUERY, "variables": {"code": code}}
        async with serve(settings, identity) as hub:
            planned, new = await post_and_plans(hub, body)
        assert planned.status_code == 200, planned.text
        assert len(new) == 1 and new[0] is not None
        async with serve(dataclasses.replace(settings, planner=False), identity) as hub:
            resolved = await hub.post("/graphql", json=body)
        assert resolved.json() == planned.json()
    records = planned.json()["data"]["lao"]["transferredMissions"]
    assert records and any(r["history"] for r in records)


FEED_QUERY = """
query Feed($kind: ChangeKind!, $first: Int) {
  changes(kind: $kind, first: $first) {
    baseline pageInfo { hasNextPage }
    nodes { key removed laoCode
      lao { code nameTh province { nameTh } transferredMissions { id } }
      missionRecord { id status mission { code } history { at status } }
      laoYear { fiscalYear state governance { staff } certificationHistory { at toState }
        waterManagement { waterSupplySystems { id village { number } } } } } } }"""


async def test_a_changes_feed_page_is_planned(demo_database_url: str, places: Places) -> None:
    """`changes`: the page is read by the resolver's own function and the items' values
    (an LAO's profile, a mission record with its history, an LAO-year with a section, its
    records and its certification history) by statements over the page's ids,
    so a page of 40 items takes as many statements as a page of 2, with the resolvers'
    answer."""
    settings = Settings(
        database_url=demo_database_url, environment="test", count_statements=True, planner=True
    )
    dla = identities(places)["dla"]
    for kind in ("LAO_PROFILE", "MISSION_RECORD", "LAO_YEAR"):
        statements = []
        for first in (2, 40):
            body = {"query": FEED_QUERY, "variables": {"kind": kind, "first": first}}
            planned, new = await planned_beside_resolved(settings, dla, body)
            assert len(new) == 1 and type(new[0]).__name__ == "ChangesPlan"
            statements.append(int(planned.headers["x-sql-statements"]))
            assert len(planned.json()["data"]["changes"]["nodes"]) == first
        assert statements[0] == statements[1], (kind, statements)


PEOPLE_QUERY = """
query People($province: String!, $year: Int!, $first: Int!) {
  laos(filter: {provinceCode: $province}, first: $first) { edges { node { code
    recorders { name phone } infoAdministrators { name }
    changeLog(first: 3) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { at action actorName changes } } }
    year(fiscalYear: $year) { state certificationHistory { at toState actorName } } } } } }"""


async def test_who_did_what_on_a_page_of_laos_is_planned(
    demo_database_url: str, places: Places
) -> None:
    """An officer's page of LAOs with their people, each one's latest changes and who
    certified: personal data under its guard per LAO, the change log a page per LAO; as many
    statements for 30 LAOs as for 3, with the resolvers' answer (the read audit's rows are
    compared in tests/test_read_audit.py)."""
    settings = Settings(
        database_url=demo_database_url, environment="test", count_statements=True, planner=True
    )
    officer = identities(places)["province"]
    statements = []
    for first in (3, 30):
        variables = {"province": places.province_code, "year": places.year, "first": first}
        body = {"query": PEOPLE_QUERY, "variables": variables}
        planned, new = await planned_beside_resolved(settings, officer, body)
        assert len(new) == 1 and type(new[0]).__name__ == "PagePlan"
        statements.append(int(planned.headers["x-sql-statements"]))
        nodes = [e["node"] for e in planned.json()["data"]["laos"]["edges"]]
        assert len(nodes) == first and "errors" not in planned.json()
        assert any(n["changeLog"]["edges"] for n in nodes)  # the data has changes to show
    assert statements[0] == statements[1], statements


ROLLUP_QUERY = """
query Rollup($by: [MissionRollupKey!]!) {
  missionRollup(groupBy: $by) { records laos agency { code nameTh } province { code nameTh }
    mission { code agency { code } } } }"""


async def test_a_roll_ups_named_objects_are_read_by_id_for_all_its_rows(
    demo_database_url: str, places: Places
) -> None:
    """`missionRollup` with the agency, province and mission each row names: the roll-up,
    then one statement per object selection for all the rows (schema.shapes.OBJECTS_BY_ID),
    whatever the number of rows, with the resolvers' answer."""
    settings = Settings(
        database_url=demo_database_url, environment="test", count_statements=True, planner=True
    )
    dla = identities(places)["dla"]
    statements, rows = [], []
    for by in (["AGENCY"], ["AGENCY", "PROVINCE", "MISSION"]):
        body = {"query": ROLLUP_QUERY, "variables": {"by": by}}
        planned, new = await planned_beside_resolved(settings, dla, body)
        assert len(new) == 1 and type(new[0]).__name__ == "ComputedListPlan"
        statements.append(int(planned.headers["x-sql-statements"]))
        rows.append(planned.json()["data"]["missionRollup"])
    assert len(rows[1]) > len(rows[0]) > 1
    assert all(r["agency"]["code"] for r in rows[0])
    # the roll-up and one statement per object read (only the agency when grouped by it)
    assert statements[1] == statements[0] + 2, statements


LPA_QUERY = """
query Lpa($year: Int!, $asOf: DateTime) {
  nationalLpa(lpaYear: $year, asOf: $asOf) { __typename lpaYear fiscalYear asOf deadline laoCount
    rubric { lpaYear indicator fullScore scores builtIn levels { rule score descriptionTh } }
    provisional { rule score descriptionTh count } provisionalScores { score count }
    finalScores { score count } finalRecorded finalMissing
    timeliness { onTime late overdue notDue withoutDeadline } }
  AREAS
}"""


async def test_lpa_reports_are_planned_for_every_area_at_once(
    demo_database_url: str, places: Places
) -> None:
    """The nation's LPA report beside every province's (or one province's, or a district's):
    the resolvers' answer as of two dates (now differs between two
    servers), two LPA years, from the same few
    statements whether one area is asked for or all (schema.plan_stats, the figures
    declared once in schema.lpa_report.REPORT_FIGURES)."""
    settings = Settings(
        database_url=demo_database_url, environment="test", count_statements=True, planner=True
    )
    report = "lpa(lpaYear: $year, asOf: $asOf) { laoCount deadline timeliness { overdue } }"
    areas = {
        "all": f"provinces {{ code {report} }}",
        "one": f'province(code: "{places.province_code}") {{ code {report} }}',
        "district": f'district(code: "{places.district_code}") {{ code {report} '
        "province { nameTh } }",
    }
    statements = {}
    for year, as_of in (
        (places.year - 1, "2026-03-31T00:00:00+07:00"),
        (places.year, "2030-01-01"),
    ):
        for name, area in areas.items():
            body = {
                "query": LPA_QUERY.replace("AREAS", area),
                "variables": {"year": year, "asOf": as_of},
            }
            planned, new = await planned_beside_resolved(settings, PUBLIC, body)
            assert [type(p).__name__ for p in new] == ["RootsPlan"], new
            assert not any(type(p).__name__ == "ResolverRoot" for p in new[0].plans)
            data = planned.json()["data"]
            assert "errors" not in planned.json()
            assert data["nationalLpa"]["laoCount"] > 0
            statements[(year, name)] = int(planned.headers["x-sql-statements"])
            if name == "all":
                provinces = data["provinces"]
                assert len(provinces) > 1
                national = data["nationalLpa"]["laoCount"]
                assert sum(p["lpa"]["laoCount"] for p in provinces) == national
    assert statements[(year, "all")] == statements[(year, "one")], statements


JOBS_QUERY = """
query Jobs($id: String!) {
  exportJob(id: $id) { __typename id list format parameters status rowsDone rowsTotal sizeBytes
    error downloadUrl createdAt startedAt finishedAt expiresAt }
  webhookSubscriptions { id url eventTypes description active createdAt secret }
  webhookDeliveries(first: 5) { id eventType status attempts { number statusCode } }
}"""


async def test_a_callers_export_jobs_and_webhooks_are_planned(fresh_demo_url: str) -> None:
    """`exportJob`, `webhookSubscriptions` and `webhookDeliveries` are the caller's own rows,
    read by the function each resolver calls (`schema.root.COMPUTED_ROOTS`, with the
    caller): the resolvers' answers and errors (another's job NOT_FOUND, the whole data
    null as `exportJob` is non-null; a person's deliveries FORBIDDEN)."""
    from hub.rules.enums import Role
    from hub.rules.identity import RoleGrant, client, user

    settings = Settings(database_url=fresh_demo_url, environment="test", jobs_worker=False)
    agency = client("ministry.planned", "domain:5")
    person = user("demo.dla", RoleGrant(Role.DLA_ADMIN))
    async with serve(settings, agency) as hub:
        subscribed = await hub.post(
            "/graphql",
            json={
                "query": 'mutation { subscribeWebhook(url: "https://example.go.th/hook", '
                "eventTypes: [LAO_YEAR_CERTIFIED]) { ... on WebhookSubscription { id } } }"
            },
        )
        assert subscribed.json()["data"]["subscribeWebhook"]["id"], subscribed.text
        started = await hub.post(
            "/graphql",
            json={
                "query": 'mutation { startExport(list: "laos", format: CSV) '
                "{ ... on ExportJob { id } } }"
            },
        )
        job_id = started.json()["data"]["startExport"]["id"]
    # (A person's webhooks alone: beside another failing non-null root, which error the
    # resolvers report depends on which fails first.)
    deliveries = "{ webhookDeliveries { id } }"
    answers = {}
    for who, identity, query, job in (
        ("own", agency, JOBS_QUERY, job_id),
        ("unknown", agency, JOBS_QUERY, "nope"),
        ("another's", person, JOBS_QUERY.split("webhookSubscriptions")[0] + "}", job_id),
        ("person", person, deliveries, None),
    ):
        body = {"query": query, "variables": {"id": job} if job else {}}
        planned, new = await planned_beside_resolved(settings, identity, body)
        assert [type(p).__name__ for p in new] in (["RootsPlan"], ["ComputedListPlan"]), new
        plans = getattr(new[0], "plans", new)
        assert {type(p).__name__ for p in plans} == {"ComputedListPlan"}, who
        answers[who] = planned.json()
    own = answers["own"]["data"]
    assert own["exportJob"]["id"] == job_id and own["exportJob"]["status"] == "QUEUED"
    assert [s["url"] for s in own["webhookSubscriptions"]] == ["https://example.go.th/hook"]
    for who in ("unknown", "another's"):  # not found to them; `exportJob` is non-null
        assert answers[who]["data"] is None
        assert answers[who]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert answers["person"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"


ACCOUNTS_QUERY = """
query Accounts($u: String!, $first: Int!) {
  me { username displayName state manageable mayIssue
    roles { role grantedAt province { code nameTh } district { code } lao { code nameTh } } }
  account(username: $u) { username email state lockedUntil createdAt pendingCode { purpose expiresAt }
    roles(includeRevoked: true) { role revokedAt grantedBy province { code } } manageable mayIssue }
  manageableAccounts(first: $first) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { username state pendingCode { purpose } roles { role province { code } }
      manageable mayIssue } } }
  accountChangeLog(username: $u, first: 5) { totalCount
    edges { node { at action changes reason actorRole actorName } } }
}"""


async def test_accounts_are_planned_with_their_roles_codes_and_rules(
    fresh_demo_url: str, places: Places
) -> None:
    """A DLA administrator's own account, one it issued (a code waiting, a role granted then
    revoked: its change log), and the accounts it manages a page at a time: the resolvers'
    answer, each account's roles, waiting code, `manageable` and `mayIssue` loaded once for
    every account of the answer (schema.shapes.Batched), the places roles name read by id;
    as many statements for a page of 1 as for a page of 50."""
    from sqlalchemy import select

    from hub.db.engine import create_engine
    from hub.db.models import User
    from hub.rules.enums import Role
    from hub.rules.identity import RoleGrant, user

    engine = create_engine(fresh_demo_url)
    try:
        async with engine.connect() as conn:
            dla_id = (
                await conn.execute(select(User.id).where(User.username == "demo.dla"))
            ).scalar_one()
    finally:
        await engine.dispose()
    dla = dataclasses.replace(user("demo.dla", RoleGrant(Role.DLA_ADMIN)), user_id=dla_id)
    settings = Settings(
        database_url=fresh_demo_url, environment="test", count_statements=True, planner=True
    )
    grant = {"role": "PROVINCE_OFFICER", "provinceCode": places.province_code}
    async with serve(settings, dla) as hub:
        for query, variables in (
            (
                "mutation($i: IssueAccountInput!) { issueAccount(input: $i) { __typename } }",
                {"i": {"username": "planned.officer", "displayName": "ทดสอบ แผน", **grant}},
            ),
            (
                'mutation($g: RoleGrantInput!) { revokeRole(username: "planned.officer", '
                'grant: $g, reason: "test") { __typename } }',
                {"g": grant},
            ),
        ):
            done = await hub.post("/graphql", json={"query": query, "variables": variables})
            assert "errors" not in done.json(), done.text
    statements = []
    for first in (1, 50):
        body = {"query": ACCOUNTS_QUERY, "variables": {"u": "planned.officer", "first": first}}
        planned, new = await planned_beside_resolved(settings, dla, body)
        assert [type(p).__name__ for p in new] == ["RootsPlan"], new
        assert {type(p).__name__ for p in new[0].plans} == {"ComputedListPlan"}
        data = planned.json()["data"]
        assert "errors" not in planned.json()
        assert data["me"]["username"] == "demo.dla" and data["me"]["mayIssue"]
        officer = data["account"]
        assert officer["pendingCode"]["purpose"] == "ACTIVATION"
        assert [r["revokedAt"] is not None for r in officer["roles"]] == [True]
        assert data["accountChangeLog"]["totalCount"] >= 2
        managed = data["manageableAccounts"]
        assert (
            len(managed["edges"]) == min(first, managed["totalCount"]) and managed["totalCount"] > 1
        )
        statements.append(int(planned.headers["x-sql-statements"]))
    assert statements[0] == statements[1], statements


LPA_LIST_QUERY = """
query LpaList($code: String!, $year: Int!, $first: Int!) {
  province(code: $code) { code lpa(lpaYear: $year, asOf: "2026-03-31T00:00:00+07:00") {
    laos(first: $first) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
      lao { code nameTh type province { code nameTh } district { code nameTh } }
      provisional { score rule ruleTh asOf stateAsOf rubricVersion
        timeliness { status deadline certifiedLateAt daysLate } }
      final { score version reason inspectedOn recordedAt } } } } } } }"""


async def test_an_areas_lpa_list_is_planned(demo_database_url: str, places: Places) -> None:
    """One province's LPA list, as an assessor and DLA read it: the resolvers' answer, the
    page by the function the resolver calls (`schema.lpa_report.lpa_laos_of`), each LAO's
    province and district read by id for the whole page: as many statements for 30 LAOs as
    for 3."""
    settings = Settings(
        database_url=demo_database_url, environment="test", count_statements=True, planner=True
    )
    for who in ("assessor", "dla"):
        answers = await _planned_at_sizes(
            settings, identities(places)[who], places, LPA_LIST_QUERY, "StatsPlan"
        )
        for first, (data, _) in zip((3, 30), answers, strict=True):
            page = data["province"]["lpa"]["laos"]
            assert len(page["edges"]) == min(first, page["totalCount"]) and page["totalCount"] > 3
        assert answers[0][1] == answers[1][1], (who, answers)


async def _planned_at_sizes(
    settings: Settings, identity: Any, places: Places, query: str, plan: str
) -> list[tuple[Any, int]]:
    """`query` (variables `code`, `year`, `first`: a province, the year before, a page of 3
    then 30) planned as one `plan` and answered as the resolvers answer it, without errors:
    each answer's data and the SQL statements it ran."""
    answers = []
    for first in (3, 30):
        variables = {"code": places.province_code, "year": places.year - 1, "first": first}
        body = {"query": query, "variables": variables}
        planned, new = await planned_beside_resolved(settings, identity, body)
        assert [type(p).__name__ for p in new] == [plan], new
        assert "errors" not in planned.json()
        answers.append((planned.json()["data"], int(planned.headers["x-sql-statements"])))
    return answers


LAO_YEAR_LPA_QUERY = """
query Scores($code: String!, $year: Int!, $first: Int!) {
  laos(filter: {provinceCode: $code}, first: $first) { edges { node { code
    year(fiscalYear: $year) { state
      lpaScore { score rule stateAsOf rubricVersion timeliness { status deadline daysLate } }
      past: lpaScore(asOf: "2025-07-01T00:00:00+07:00") { score asOf }
      lpaFinalScore { score version reason inspectedOn recordedAt }
      timeliness { deadline provinceDeadline certification { punctuality doneAt daysLate }
        provinceCertification { punctuality } round { id kind phase } } }
    years { fiscalYear lpaScore { score } } } } } }"""


async def test_an_lao_years_lpa_scores_are_planned(demo_database_url: str, places: Places) -> None:
    """A page of LAOs with each LAO-year's provisional and final LPA scores and timeliness
    (`schema.lao_year.LOADED_FIELDS`): the resolvers' answer, the same functions over the
    request's DataLoaders, as many statements for 30 LAOs as for 3."""
    settings = Settings(
        database_url=demo_database_url, environment="test", count_statements=True, planner=True
    )
    for who in ("public", "dla"):
        identity = identities(places)[who]
        answers = await _planned_at_sizes(
            settings, identity, places, LAO_YEAR_LPA_QUERY, "PagePlan"
        )
        for first, (data, _) in zip((3, 30), answers, strict=True):
            edges = data["laos"]["edges"]
            assert len(edges) == first
            assert any(e["node"]["year"] and e["node"]["year"]["lpaScore"] for e in edges)
        assert answers[0][1] == answers[1][1], (who, answers)
