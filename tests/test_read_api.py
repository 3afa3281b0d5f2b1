"""The read API over real HTTP: lookups, connections, filters, row and field permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from hub.rules.identity import PUBLIC
from hub.settings import Settings
from tests.conftest import graphql, graphql_response, identities, serve


def _settings(url: str) -> Settings:
    return Settings(database_url=url, environment="test")


async def test_lao_counts_by_type_and_one_lao_with_its_province(demo_client, places):
    data = await graphql(demo_client, "{ laoCountsByType { type labelTh count } }")
    counts = {c["type"]: c["count"] for c in data["laoCountsByType"]}
    assert counts["BANGKOK"] == 1 and counts["PAO"] == 4 and counts["SAO"] > 0
    data = await graphql(
        demo_client,
        "query($code: String!) { lao(code: $code) { code nameTh type province { code nameTh } district { code } } }",
        code=places.draft_sao_code,
    )
    lao = data["lao"]
    assert lao["code"] == places.draft_sao_code and lao["type"] == "SAO"
    assert lao["province"]["code"] == places.province_code
    assert lao["district"]["code"] == places.district_code
    assert lao["nameTh"].startswith("องค์การบริหารส่วนตำบล")


async def test_an_unknown_code_finds_nothing(demo_client):
    assert (await graphql(demo_client, '{ lao(code: "0000000") { code } }'))["lao"] is None


async def test_laos_pages_chain_to_the_end_without_gaps_or_repeats(demo_client, places):
    query = """query($p: String!, $after: String) {
      laos(filter: {provinceCode: $p}, first: 7, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { cursor node { code province { code } } }
      }
    }"""
    seen, after = [], None
    while True:
        page = (await graphql(demo_client, query, p=places.province_code, after=after))["laos"]
        seen += [e["node"]["code"] for e in page["edges"]]
        assert all(e["node"]["province"]["code"] == places.province_code for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"] > 7


async def test_laos_filters_by_type_district_and_name(demo_client, places):
    query = """query($d: String!, $t: LaoType, $n: String) {
      laos(filter: {districtCode: $d, type: $t, nameContains: $n}, first: 1000) { totalCount edges { node { code type nameTh district { code } } } }
    }"""
    saos = (await graphql(demo_client, query, d=places.district_code, t="SAO"))["laos"]
    assert saos["totalCount"] >= 1
    assert {e["node"]["type"] for e in saos["edges"]} == {"SAO"}
    assert {e["node"]["district"]["code"] for e in saos["edges"]} == {places.district_code}
    name = saos["edges"][0]["node"]["nameTh"].removeprefix("องค์การบริหารส่วนตำบล")
    by_name = (await graphql(demo_client, query, d=places.district_code, t=None, n=name))["laos"]
    assert all(name in e["node"]["nameTh"] for e in by_name["edges"]) and by_name["totalCount"] >= 1


@pytest.mark.parametrize(("first", "code"), [(1001, "PAGE_SIZE_TOO_LARGE"), (-1, "BAD_USER_INPUT")])
async def test_page_size_is_bounded(demo_client, first, code):
    body = await graphql_response(
        demo_client, "query($f: Int) { laos(first: $f) { totalCount } }", f=first
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == code
    assert "first must be between 0 and 1000" in error["message"]


async def test_a_forged_cursor_is_refused(demo_client):
    body = await graphql_response(demo_client, '{ laos(after: "not-a-cursor") { totalCount } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


YEAR_QUERY = """query($code: String!, $year: Int!) {
  lao(code: $code) { code year(fiscalYear: $year) { fiscalYear state version completeness { domain complete } } }
}"""


@pytest.mark.parametrize(
    ("who", "sees_draft"),
    [
        ("public", False),
        ("agency", False),
        ("agency_personal", False),
        ("recorder", True),
        ("other_recorder", False),
        ("district", True),
        ("province", True),
        ("dla", True),
    ],
)
async def test_a_draft_year_is_seen_only_by_its_lao_and_officers_covering_it(
    demo_database_url, places, who, sees_draft
):
    async with serve(_settings(demo_database_url), identities(places)[who]) as c:
        data = await graphql(c, YEAR_QUERY, code=places.draft_sao_code, year=places.year)
    year = data["lao"]["year"]
    assert (year is not None) is sees_draft
    if year:
        assert year["state"] == "DRAFT" and len(year["completeness"]) == 8


async def test_certified_years_are_public(demo_client, places):
    data = await graphql(demo_client, YEAR_QUERY, code=places.certified_code, year=places.year)
    assert data["lao"]["year"]["state"] == "PROVINCE_CERTIFIED"
    assert all(d["complete"] for d in data["lao"]["year"]["completeness"])


async def test_the_state_filter_only_matches_lao_years_the_caller_may_see(
    demo_database_url, places
):
    query = """query($year: Int) { laos(filter: {state: DRAFT, fiscalYear: $year}, first: 1000) {
      totalCount edges { node { code province { code } } } } }"""
    async with serve(_settings(demo_database_url), PUBLIC) as c:
        assert (await graphql(c, query, year=places.year))["laos"]["totalCount"] == 0
    async with serve(_settings(demo_database_url), identities(places)["province"]) as c:
        drafts = (await graphql(c, query, year=places.year))["laos"]
    assert drafts["totalCount"] > 0
    assert {e["node"]["province"]["code"] for e in drafts["edges"]} == {places.province_code}
    async with serve(_settings(demo_database_url), identities(places)["recorder"]) as c:
        own = (await graphql(c, query, year=places.year))["laos"]
    assert [e["node"]["code"] for e in own["edges"]] == [places.draft_sao_code]


PERSONAL_QUERY = """query($code: String!) { lao(code: $code) { code recorders { name phone } infoAdministrators { name } } }"""


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("public", False),
        ("agency", False),
        ("agency_personal", True),
        ("recorder", True),
        ("other_recorder", False),
        ("district", True),
        ("province", True),
        ("dla", True),
    ],
)
async def test_personal_data_is_null_with_a_forbidden_error_for_others(
    demo_database_url, places, who, allowed
):
    async with serve(_settings(demo_database_url), identities(places)[who]) as c:
        body = await graphql_response(c, PERSONAL_QUERY, code=places.draft_sao_code)
    lao = body["data"]["lao"]
    assert lao["code"] == places.draft_sao_code  # the rest of the response still arrives
    if allowed:
        assert "errors" not in body
        assert lao["recorders"][0]["name"]
    else:
        assert lao["recorders"] is None and lao["infoAdministrators"] is None
        paths = {tuple(e["path"]): e["extensions"]["code"] for e in body["errors"]}
        assert paths == {
            ("lao", "recorders"): "FORBIDDEN",
            ("lao", "infoAdministrators"): "FORBIDDEN",
        }


async def test_an_agency_reads_only_its_granted_domains(demo_database_url, places):
    query = """query($code: String!, $year: Int!) { lao(code: $code) { year(fiscalYear: $year) {
      healthEnvironment { villageHealthVolunteers } waterManagement { householdsWithTapWater } } } }"""
    async with serve(_settings(demo_database_url), identities(places)["agency"]) as c:
        body = await graphql_response(c, query, code=places.certified_code, year=places.year)
    year = body["data"]["lao"]["year"]
    assert year["healthEnvironment"]["villageHealthVolunteers"] is not None
    assert year["waterManagement"] is None
    [error] = body["errors"]
    assert error["path"] == ["lao", "year", "waterManagement"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "domain:5" in error["message"]


DEEP_QUERY = """query($first: Int!, $year: Int!) {
  laos(first: $first) { totalCount edges { node {
    code nameTh province { nameTh } district { nameTh } subdistrict { nameTh }
    recorders { name } codeHistory { code } transferredMissions { status mission { nameTh agency { nameTh } } }
    year(fiscalYear: $year) {
      state completeness { complete missingFields } certificationHistory { toState actorName }
      healthEnvironment { villageHealthVolunteers wasteDisposalMethod }
      waterManagement { householdsWithTapWater waterSupplySystems { name status village { number } } }
      economyTourism { markets touristSites { name } }
      governance { staff staffFetchedAt }
    }
  } } }
}"""


async def test_sql_statements_do_not_grow_with_the_rows_returned(demo_database_url, places):
    async with serve(_settings(demo_database_url), identities(places)["dla"]) as c:
        statements: list[str] = []
        engine = c.app.state.engine.sync_engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            counts = {}
            for first in (5, 150):  # 150: within the cost limit with ~30 missions an LAO
                statements.clear()
                data = await graphql(c, DEEP_QUERY, first=first, year=places.year)
                assert len(data["laos"]["edges"]) == first
                counts[first] = len(statements)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert counts[5] == counts[150], counts


async def test_roll_ups_for_every_province_cost_what_one_province_costs(demo_database_url, places):
    one = """query($p: String!, $y: Int!) { province(code: $p) { stats(fiscalYear: $y) {
      certification { draft laoCertified provinceCertified total } lpaDistribution { score count }
      kpi16 { referenceSystems recorded rate met } } } }"""
    every = """query($y: Int!) { provinces { code stats(fiscalYear: $y) {
      certification { draft laoCertified provinceCertified total } lpaDistribution { score count }
      kpi16 { referenceSystems recorded rate met } } } nationalStats(fiscalYear: $y) { certification { total } } }"""
    async with serve(_settings(demo_database_url), identities(places)["dla"]) as c:
        statements: list[str] = []
        engine = c.app.state.engine.sync_engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            single = await graphql(c, one, p=places.province_code, y=places.year)
            count_one = len(statements)
            statements.clear()
            data = await graphql(c, every, y=places.year)
            count_every = len(statements)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    by_code = {p["code"]: p["stats"] for p in data["provinces"]}
    assert by_code[places.province_code] == single["province"]["stats"]
    assert (
        sum(p["certification"]["total"] for p in by_code.values())
        == data["nationalStats"]["certification"]["total"]
    )
    # provinces: one extra statement for the list, and the nation's roll-ups once more.
    assert count_every <= count_one + 1 + count_one
