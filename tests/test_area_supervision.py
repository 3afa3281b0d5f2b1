"""Whose area is it: `hub.rules.permissions.supervises_area` and `supervised_areas`, and their
faces in the API (`Viewer.areas`, `Province.viewerSupervises`, `District.viewerSupervises`),
which the console's dashboards read to open on the person's own area and refuse another's."""

from __future__ import annotations

import pytest

from hub.rules import permissions
from hub.rules.enums import Role
from hub.rules.identity import PUBLIC, RoleGrant, client, user
from hub.rules.permissions import NATION, Area
from hub.settings import Settings
from tests.conftest import graphql, identities, serve

PROVINCE_100 = Area("province", 100, 100)
PROVINCE_200 = Area("province", 200, 200)
DISTRICT_10 = Area("district", 10, 100)  # in province 100
DISTRICT_11 = Area("district", 11, 100)
DISTRICT_20 = Area("district", 20, 200)

RECORDER = user("rec", RoleGrant(Role.LAO_RECORDER, lao_id=1))
VERIFIER = user("ver", RoleGrant(Role.LAO_VERIFIER, lao_id=1))
LAO_ADMIN = user("adm", RoleGrant(Role.LAO_ADMIN, lao_id=1))
DISTRICT = user("dis", RoleGrant(Role.DISTRICT_OFFICER, district_id=10))
PROVINCE = user("pro", RoleGrant(Role.PROVINCE_OFFICER, province_id=100))
DLA = user("dla", RoleGrant(Role.DLA_ADMIN))
ASSESSOR = user("lpa", RoleGrant(Role.LPA_ASSESSOR, province_id=100))
AGENCY = client("moph", "domain:1 personal missions")


@pytest.mark.parametrize(
    ("who", "area", "supervises"),
    [
        (DLA, NATION, True),
        (DLA, PROVINCE_200, True),
        (DLA, DISTRICT_20, True),
        (PROVINCE, NATION, False),
        (PROVINCE, PROVINCE_100, True),
        (PROVINCE, PROVINCE_200, False),
        (PROVINCE, DISTRICT_10, True),  # the province's districts
        (PROVINCE, DISTRICT_11, True),
        (PROVINCE, DISTRICT_20, False),
        (PROVINCE, Area("district", 10), False),  # a district whose province is unknown
        (ASSESSOR, NATION, False),
        (ASSESSOR, PROVINCE_100, True),  # follows the LPA scores of the province it assesses
        (ASSESSOR, PROVINCE_200, False),
        (ASSESSOR, DISTRICT_10, True),
        (ASSESSOR, DISTRICT_20, False),
        (DISTRICT, NATION, False),
        (DISTRICT, PROVINCE_100, False),  # not the whole province
        (DISTRICT, DISTRICT_10, True),
        (DISTRICT, DISTRICT_11, False),
        (RECORDER, PROVINCE_100, False),
        (RECORDER, DISTRICT_10, False),
        (VERIFIER, PROVINCE_100, False),
        (LAO_ADMIN, PROVINCE_100, False),
        (AGENCY, NATION, False),
        (AGENCY, PROVINCE_100, False),
        (PUBLIC, NATION, False),
        (PUBLIC, DISTRICT_10, False),
    ],
)
def test_who_supervises_which_area(who, area, supervises):
    assert permissions.supervises_area(who, area) is supervises


def test_each_role_supervises_its_own_areas_widest_first():
    assert permissions.supervised_areas(DLA) == (NATION,)
    assert permissions.supervised_areas(PROVINCE) == (PROVINCE_100,)
    assert permissions.supervised_areas(ASSESSOR) == (PROVINCE_100,)
    assert permissions.supervised_areas(DISTRICT) == (Area("district", 10),)
    both = user(
        "both",
        RoleGrant(Role.DISTRICT_OFFICER, district_id=20),
        RoleGrant(Role.PROVINCE_OFFICER, province_id=100),
    )
    assert permissions.supervised_areas(both) == (PROVINCE_100, Area("district", 20))
    for nobody in (RECORDER, VERIFIER, LAO_ADMIN, AGENCY, PUBLIC):
        assert permissions.supervised_areas(nobody) == ()
    # Every area listed is supervised.
    for who in (DLA, PROVINCE, ASSESSOR, DISTRICT, both):
        for area in permissions.supervised_areas(who):
            assert permissions.supervises_area(who, area)


AREAS = """query($p: String!, $d: String!) {
  viewer { areas { level province { code } district { code province { code } } } }
  province(code: $p) { viewerSupervises districts { code viewerSupervises } }
  district(code: $d) { viewerSupervises }
}"""


@pytest.mark.parametrize(
    ("who", "areas", "own_province", "own_district"),
    [
        ("dla", [("NATION", None, None)], True, True),
        ("province", [("PROVINCE", "P", None)], True, True),
        ("assessor", [("PROVINCE", "P", None)], True, True),
        ("district", [("DISTRICT", "P", "D")], False, True),
        ("recorder", [], False, False),
        ("agency_personal", [], False, False),
        ("public", [], False, False),
    ],
)
async def test_the_api_tells_each_caller_its_areas(
    demo_database_url, places, who, areas, own_province, own_district
):
    identity = identities(places)[who]
    settings = Settings(database_url=demo_database_url, environment="test")
    async with serve(settings, identity) as client:
        data = await graphql(client, AREAS, p=places.province_code, d=places.district_code)
    got = [
        (
            a["level"],
            "P" if a["province"] and a["province"]["code"] == places.province_code else None,
            "D" if a["district"] and a["district"]["code"] == places.district_code else None,
        )
        for a in data["viewer"]["areas"]
    ]
    assert got == areas
    if who == "district":
        # A district's area names its province too.
        assert data["viewer"]["areas"][0]["district"]["province"]["code"] == places.province_code
    assert data["province"]["viewerSupervises"] is own_province
    assert data["district"]["viewerSupervises"] is own_district
    districts = {d["code"]: d["viewerSupervises"] for d in data["province"]["districts"]}
    if who in ("dla", "province", "assessor"):
        assert all(districts.values())  # the province's every district
    elif who == "district":
        assert {c for c, mine in districts.items() if mine} == {places.district_code}
    else:
        assert not any(districts.values())
