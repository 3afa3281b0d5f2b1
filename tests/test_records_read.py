"""The reads the console's record and mission pages use, over real HTTP: whether the caller may
edit an LAO-year (the certification rule, per role) or keep an LAO's missions, a mission
record's history, the caller's grants with their places, tourist sites a page at a time, the
district filter of transferred missions and a subdistrict's villages; batched, so SQL does
not grow with the rows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from hub.db.engine import create_engine
from hub.db.models import FiscalYear
from hub.rules.enums import Role
from hub.rules.identity import PUBLIC, RoleGrant, client, user
from hub.settings import Settings
from tests.conftest import _places, graphql, serve
from tests.test_costs import fewest_statements

EDITABLE = """query($code: String!, $year: Int!) { lao(code: $code) { missionsEditable
  year(fiscalYear: $year) { state editable } } }"""


def settings(url: str) -> Settings:
    return Settings(database_url=url, environment="test")


async def test_editable_follows_the_certification_rule_for_every_role(demo_database_url, places):
    p = places
    expected = {
        "recorder": (True, True),
        "verifier": (True, True),
        "lao admin": (False, True),
        "other LAO's recorder": (False, False),
        "district officer": (False, False),
        "province officer": (False, False),
        "DLA": (False, False),
    }
    callers = {
        "recorder": user("r", RoleGrant(Role.LAO_RECORDER, lao_id=p.draft_sao_id)),
        "verifier": user("v", RoleGrant(Role.LAO_VERIFIER, lao_id=p.draft_sao_id)),
        "lao admin": user("a", RoleGrant(Role.LAO_ADMIN, lao_id=p.draft_sao_id)),
        "other LAO's recorder": user("o", RoleGrant(Role.LAO_RECORDER, lao_id=p.other_lao_id)),
        "district officer": user("d", RoleGrant(Role.DISTRICT_OFFICER, district_id=p.district_id)),
        "province officer": user("p", RoleGrant(Role.PROVINCE_OFFICER, province_id=p.province_id)),
        "DLA": user("dla", RoleGrant(Role.DLA_ADMIN)),
    }
    for who, identity in callers.items():
        async with serve(settings(demo_database_url), identity) as c:
            lao = (await graphql(c, EDITABLE, code=p.draft_sao_code, year=p.year))["lao"]
        editable = lao["year"]["editable"] if lao["year"] else False
        assert (editable, lao["missionsEditable"]) == expected[who], who
    # The public reads the profile but no draft; a certified year is read-only for everyone.
    async with serve(settings(demo_database_url), PUBLIC) as c:
        lao = (await graphql(c, EDITABLE, code=p.certified_code, year=p.year))["lao"]
    assert lao["missionsEditable"] is False and lao["year"]["editable"] is False


async def test_a_closed_year_is_not_editable(fresh_demo_url):
    p = await _places(fresh_demo_url)
    engine = create_engine(fresh_demo_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(FiscalYear)
                .where(FiscalYear.year_be == p.year)
                .values(closed_at=dt.datetime.now(dt.UTC))
            )
    finally:
        await engine.dispose()
    recorder = user("r", RoleGrant(Role.LAO_RECORDER, lao_id=p.draft_sao_id))
    async with serve(settings(fresh_demo_url), recorder) as c:
        lao = (await graphql(c, EDITABLE, code=p.draft_sao_code, year=p.year))["lao"]
    assert lao["year"]["state"] == "DRAFT" and lao["year"]["editable"] is False


async def test_a_mission_record_s_history_and_the_district_filter(fresh_demo_url):
    p = await _places(fresh_demo_url)
    staff = user("r", RoleGrant(Role.LAO_VERIFIER, lao_id=p.draft_sao_id))
    async with serve(settings(fresh_demo_url), staff) as c:
        catalogue = await graphql(c, "{ missionCatalogue(first: 300) { edges { node { code } } } }")
        held = await graphql(
            c,
            "query($code: String!) { lao(code: $code) { transferredMissions { mission { code } } } }",
            code=p.draft_sao_code,
        )
        taken = {m["mission"]["code"] for m in held["lao"]["transferredMissions"]}
        code = next(
            e["node"]["code"]
            for e in catalogue["missionCatalogue"]["edges"]
            if e["node"]["code"] not in taken
        )
        saved = await graphql(
            c,
            """mutation($lao: String!, $code: String!) { r: recordTransferredMission(laoCode: $lao,
                 missionCode: $code, data: {receivedOn: "2024-10-01"}) {
                 ... on MissionRecordSaved { id version } } }""",
            lao=p.draft_sao_code,
            code=code,
        )
        record = saved["r"]
        await graphql(
            c,
            """mutation($id: Int!, $v: Int!) { cancelTransferredMission(id: $id, version: $v,
                 reason: "ส่งคืน", cancelledOn: "2025-01-31") { __typename } }""",
            id=record["id"],
            v=record["version"],
        )
        missions = await graphql(
            c,
            """query($code: String!) { lao(code: $code) { transferredMissions { id
                 history { status detail actorRole at } } } }""",
            code=p.draft_sao_code,
        )
        [mine] = [m for m in missions["lao"]["transferredMissions"] if m["id"] == record["id"]]
        assert [(h["status"], h["detail"], h["actorRole"]) for h in mine["history"]] == [
            ("ACTIVE", "recorded", "LAO_VERIFIER"),
            ("CANCELLED", "ส่งคืน", "LAO_VERIFIER"),
        ]
        assert all(h["at"].endswith("+00:00") for h in mine["history"])
        in_district = await graphql(
            c,
            """query($d: String!) { transferredMissions(filter: {districtCode: $d}, first: 1000) {
                 totalCount edges { node { lao { district { code } } } } } }""",
            d=p.district_code,
        )
    page = in_district["transferredMissions"]
    assert page["totalCount"] > 0
    assert {e["node"]["lao"]["district"]["code"] for e in page["edges"]} == {p.district_code}


async def test_the_viewer_s_grants_name_their_places(demo_database_url, places):
    p = places
    officer = user(
        "both",
        RoleGrant(Role.PROVINCE_OFFICER, province_id=p.province_id),
        RoleGrant(Role.LAO_RECORDER, lao_id=p.draft_sao_id),
    )
    query = """{ viewer { grants { role lao { code } district { code } province { code } } } }"""
    async with serve(settings(demo_database_url), officer) as c:
        grants = (await graphql(c, query))["viewer"]["grants"]
    assert grants == [
        {
            "role": "PROVINCE_OFFICER",
            "lao": None,
            "district": None,
            "province": {"code": p.province_code},
        },
        {
            "role": "LAO_RECORDER",
            "lao": {"code": p.draft_sao_code},
            "district": None,
            "province": None,
        },
    ]
    async with serve(settings(demo_database_url), client("agency", "domain:8")) as c:
        assert (await graphql(c, query))["viewer"]["grants"] == []


async def test_tourist_sites_a_page_at_a_time_under_the_row_rule(demo_database_url, places):
    query = """query($after: String) { touristSites(first: 50, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id name siteType } } } }"""
    async with serve(settings(demo_database_url), user("dla", RoleGrant(Role.DLA_ADMIN))) as c:
        everything = (await graphql(c, query))["touristSites"]
        second = (await graphql(c, query, after=everything["pageInfo"]["endCursor"]))[
            "touristSites"
        ]
    async with serve(settings(demo_database_url), PUBLIC) as c:
        public = (await graphql(c, query))["touristSites"]
    async with serve(settings(demo_database_url), client("moph", "domain:1")) as c:
        body = await c.post("/graphql", json={"query": query})
    assert everything["totalCount"] > public["totalCount"] > 0  # drafts hidden from the public
    assert {e["node"]["id"] for e in everything["edges"]}.isdisjoint(
        e["node"]["id"] for e in second["edges"]
    )
    assert body.json()["data"]["touristSites"] is None  # domain 8 needs its scope
    assert body.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_villages_and_histories_load_in_batches(demo_database_url, places):
    query = """query($first: Int!) { laos(first: $first) { edges { node {
      subdistrict { villages { number nameTh } }
      transferredMissions { history { status } } } } } }"""
    dla = user("dla", RoleGrant(Role.DLA_ADMIN))
    async with serve(settings(demo_database_url), dla) as c:
        small, few = await fewest_statements(c, query, first=3)
        large, many = await fewest_statements(c, query, first=40)
    assert len(many) == len(few)
    villages = [
        v["number"] for e in large["laos"]["edges"] for v in e["node"]["subdistrict"]["villages"]
    ]
    assert villages and len(small["laos"]["edges"]) == 3
    first = large["laos"]["edges"][0]["node"]["subdistrict"]["villages"]
    assert [v["number"] for v in first] == sorted(v["number"] for v in first)
