"""What the API tells a caller about their own work: `viewer { laos districts provinces }`
(the places the caller's roles are bound to) and `LaoYear.allowedActions` (what the caller
may do to an LAO-year now, the same decision the mutations take)."""

from __future__ import annotations

import pytest

from hub.rules.enums import Role
from hub.rules.identity import RoleGrant, user
from hub.settings import Settings
from tests.conftest import Places, graphql, identities, serve

VIEWER = """{ viewer { roles laos { code nameTh } districts { code nameTh }
  provinces { code nameTh } } }"""
ACTIONS = """query($code: String!, $year: Int!) {
  lao(code: $code) { year(fiscalYear: $year) { state allDomainsComplete allowedActions } } }"""
FIRST_IN_STATE = """query($p: String!, $s: CertificationState!, $y: Int!) {
  laos(filter: {provinceCode: $p, state: $s, fiscalYear: $y, type: SAO}, first: 1) {
    edges { node { code } } } }"""


def _settings(url: str) -> Settings:
    return Settings(database_url=url, environment="test")


@pytest.mark.parametrize(
    ("who", "laos", "districts", "provinces"),
    [
        ("recorder", "draft_sao_code", None, None),
        ("district", None, "district_code", None),
        ("province", None, None, "province_code"),
        ("dla", None, None, None),
        ("public", None, None, None),
        ("agency", None, None, None),
    ],
)
async def test_the_viewer_names_the_places_of_its_roles(
    demo_database_url: str, places: Places, who: str, laos: str, districts: str, provinces: str
) -> None:
    async with serve(_settings(demo_database_url), identities(places)[who]) as client:
        viewer = (await graphql(client, VIEWER))["viewer"]
    expect = [getattr(places, a)] if (a := laos) else []
    assert [lao["code"] for lao in viewer["laos"]] == expect
    expect = [getattr(places, a)] if (a := districts) else []
    assert [d["code"] for d in viewer["districts"]] == expect
    expect = [getattr(places, a)] if (a := provinces) else []
    assert [p["code"] for p in viewer["provinces"]] == expect
    assert all(place["nameTh"] for place in viewer["laos"] + viewer["districts"])


async def _code_in(demo_database_url: str, places: Places, state: str, year: int) -> str:
    async with serve(_settings(demo_database_url), identities(places)["dla"]) as client:
        data = await graphql(client, FIRST_IN_STATE, p=places.province_code, s=state, y=year)
    return str(data["laos"]["edges"][0]["node"]["code"])


async def _actions(url: str, identity: object, code: str, year: int) -> dict:
    async with serve(_settings(url), identity) as client:  # type: ignore[arg-type]
        return dict((await graphql(client, ACTIONS, code=code, year=year))["lao"]["year"] or {})


async def test_the_lao_staff_may_edit_a_draft_of_an_open_year(
    demo_database_url: str, places: Places
) -> None:
    who = identities(places)
    year = await _actions(demo_database_url, who["recorder"], places.draft_sao_code, places.year)
    assert year["state"] == "DRAFT" and year["allowedActions"] == ["EDIT"]
    verifier = user("ver", RoleGrant(Role.LAO_VERIFIER, lao_id=places.draft_sao_id))
    year = await _actions(demo_database_url, verifier, places.draft_sao_code, places.year)
    certify = ["CERTIFY_LAO"] if year["allDomainsComplete"] else []
    assert year["allowedActions"] == ["EDIT", *certify]
    admin = user("adm", RoleGrant(Role.LAO_ADMIN, lao_id=places.draft_sao_id))
    year = await _actions(demo_database_url, admin, places.draft_sao_code, places.year)
    assert year["allowedActions"] == []  # the INFO administrator reads, never edits


@pytest.mark.parametrize("who", ["other_recorder", "district", "province", "dla"])
async def test_nobody_else_may_edit_the_draft(
    demo_database_url: str, places: Places, who: str
) -> None:
    identity = identities(places)[who]
    year = await _actions(demo_database_url, identity, places.draft_sao_code, places.year)
    assert year.get("allowedActions", []) == []


async def test_the_province_certifies_and_cancels_in_its_own_province_only(
    demo_database_url: str, places: Places
) -> None:
    who = identities(places)
    certified_by_lao = await _code_in(demo_database_url, places, "LAO_CERTIFIED", places.year)
    year = await _actions(demo_database_url, who["province"], certified_by_lao, places.year)
    assert year["allowedActions"] == ["CERTIFY_PROVINCE"]
    year = await _actions(demo_database_url, who["dla"], certified_by_lao, places.year)
    assert year["allowedActions"] == []
    done = await _code_in(demo_database_url, places, "PROVINCE_CERTIFIED", places.year)
    year = await _actions(demo_database_url, who["province"], done, places.year)
    assert year["allowedActions"] == ["CANCEL_PROVINCE"]  # the reason comes with the cancel
    elsewhere = user("pro2", RoleGrant(Role.PROVINCE_OFFICER, province_id=places.province_id + 1))
    year = await _actions(demo_database_url, elsewhere, done, places.year)
    assert year["allowedActions"] == []


async def test_nothing_is_allowed_in_a_closed_year(demo_database_url: str, places: Places) -> None:
    who = identities(places)
    year = await _actions(
        demo_database_url, who["recorder"], places.draft_sao_code, places.year - 2
    )
    assert year and year["allowedActions"] == []
