"""`viewer { grants }`: each role the caller holds with the code of its place, so a page (the
console's province batch certification, a recorder's home) starts from the caller's own area
without knowing the hub's internal ids; a constant number of statements however many grants."""

from __future__ import annotations

from hub.rules.enums import Role
from hub.rules.identity import PUBLIC, RoleGrant, client, user
from hub.settings import Settings
from tests.conftest import graphql, identities, serve
from tests.small_world import counting_statements

QUERY = "{ viewer { kind roles grants { role laoCode districtCode provinceCode } } }"


async def _grants(url: str, identity) -> list[dict]:  # type: ignore[no-untyped-def]
    async with serve(Settings(database_url=url, environment="test"), identity) as c:
        return (await graphql(c, QUERY))["viewer"]["grants"]


async def test_each_role_comes_with_the_code_of_its_place(demo_database_url, places):
    who = identities(places)
    assert await _grants(demo_database_url, who["recorder"]) == [
        {
            "role": "LAO_RECORDER",
            "laoCode": places.draft_sao_code,
            "districtCode": None,
            "provinceCode": None,
        }
    ]
    assert await _grants(demo_database_url, who["district"]) == [
        {
            "role": "DISTRICT_OFFICER",
            "laoCode": None,
            "districtCode": places.district_code,
            "provinceCode": None,
        }
    ]
    assert await _grants(demo_database_url, who["province"]) == [
        {
            "role": "PROVINCE_OFFICER",
            "laoCode": None,
            "districtCode": None,
            "provinceCode": places.province_code,
        }
    ]
    assert await _grants(demo_database_url, who["dla"]) == [
        {"role": "DLA_ADMIN", "laoCode": None, "districtCode": None, "provinceCode": None}
    ]


async def test_the_public_and_clients_hold_no_grants(demo_database_url):
    assert await _grants(demo_database_url, PUBLIC) == []
    assert await _grants(demo_database_url, client("demo-moph", "domain:1")) == []


async def test_many_grants_cost_one_statement_per_kind_of_place(demo_database_url, places):
    many = user(
        "many",
        RoleGrant(Role.LAO_VERIFIER, lao_id=places.draft_sao_id),
        RoleGrant(Role.LAO_ADMIN, lao_id=places.other_lao_id),
        RoleGrant(Role.DISTRICT_OFFICER, district_id=places.district_id),
        RoleGrant(Role.PROVINCE_OFFICER, province_id=places.province_id),
    )
    async with serve(Settings(database_url=demo_database_url, environment="test"), many) as c:
        with counting_statements(c.app.state.engine) as statements:  # type: ignore[attr-defined]
            grants = (await graphql(c, QUERY))["viewer"]["grants"]
    assert [g["role"] for g in grants] == [
        "LAO_VERIFIER",
        "LAO_ADMIN",
        "DISTRICT_OFFICER",
        "PROVINCE_OFFICER",
    ]
    assert grants[0]["laoCode"] == places.draft_sao_code
    assert grants[1]["laoCode"] is None  # the other LAO is Bangkok, which has no DLA code
    assert grants[2]["districtCode"] == places.district_code
    assert grants[3]["provinceCode"] == places.province_code
    assert len(statements) == 3  # LAOs, districts, provinces
