"""The permission table in hub/rules/permissions.py, rule by rule, without GraphQL."""

import pytest

from hub.rules import permissions
from hub.rules.enums import CertificationState, LaoType, Role
from hub.rules.identity import PUBLIC, RoleGrant, client, user
from hub.rules.permissions import LaoPlace

SAO = LaoPlace(lao_id=1, type=LaoType.SAO, district_id=10, province_id=100)
TOWN = LaoPlace(lao_id=2, type=LaoType.TOWN_MUNICIPALITY, district_id=10, province_id=100)
ELSEWHERE = LaoPlace(lao_id=3, type=LaoType.SAO, district_id=20, province_id=200)

RECORDER = user("rec", RoleGrant(Role.LAO_RECORDER, lao_id=1))
VERIFIER = user("ver", RoleGrant(Role.LAO_VERIFIER, lao_id=1))
LAO_ADMIN = user("adm", RoleGrant(Role.LAO_ADMIN, lao_id=1))
DISTRICT = user("dis", RoleGrant(Role.DISTRICT_OFFICER, district_id=10))
PROVINCE = user("pro", RoleGrant(Role.PROVINCE_OFFICER, province_id=100))
DLA = user("dla", RoleGrant(Role.DLA_ADMIN))
ASSESSOR = user("lpa", RoleGrant(Role.LPA_ASSESSOR, province_id=100))
AGENCY = client("moph", "domain:1 domain:7")
AGENCY_PERSONAL = client("moph-p", "domain:1 personal")

DRAFT = CertificationState.DRAFT
CERTIFIED = (CertificationState.LAO_CERTIFIED, CertificationState.PROVINCE_CERTIFIED)


@pytest.mark.parametrize("state", CERTIFIED)
@pytest.mark.parametrize("who", [PUBLIC, AGENCY, RECORDER, DISTRICT, PROVINCE, DLA])
def test_everyone_reads_certified_lao_years(who, state):
    assert permissions.can_read_lao_year(who, ELSEWHERE, state)


@pytest.mark.parametrize(
    ("who", "place", "allowed"),
    [
        (PUBLIC, SAO, False),
        (AGENCY, SAO, False),
        (AGENCY_PERSONAL, SAO, False),  # scopes never reveal drafts
        (RECORDER, SAO, True),
        (VERIFIER, SAO, True),
        (LAO_ADMIN, SAO, True),
        (RECORDER, ELSEWHERE, False),
        (DISTRICT, SAO, True),
        (
            DISTRICT,
            TOWN,
            False,
        ),  # a district office supervises SAOs and subdistrict municipalities only
        (DISTRICT, ELSEWHERE, False),
        (PROVINCE, SAO, True),
        (PROVINCE, TOWN, True),
        (PROVINCE, ELSEWHERE, False),
        (ASSESSOR, SAO, True),  # it judges drafts ("recorded incompletely")
        (ASSESSOR, TOWN, True),
        (ASSESSOR, ELSEWHERE, False),
        (DLA, ELSEWHERE, True),
    ],
)
def test_drafts_are_read_only_by_the_lao_and_officers_covering_it(who, place, allowed):
    assert permissions.can_read_lao_year(who, place, DRAFT) is allowed


@pytest.mark.parametrize(
    ("who", "place", "allowed"),
    [
        (PUBLIC, SAO, False),
        (AGENCY, SAO, False),
        (AGENCY_PERSONAL, SAO, True),
        (RECORDER, SAO, True),
        (RECORDER, ELSEWHERE, False),
        (DISTRICT, SAO, True),
        (DISTRICT, TOWN, False),
        (PROVINCE, TOWN, True),
        (PROVINCE, ELSEWHERE, False),
        (ASSESSOR, SAO, False),  # an assessor covers no LAO: no people's names, no change log
        (DLA, ELSEWHERE, True),
    ],
)
def test_personal_data_rule(who, place, allowed):
    assert permissions.can_read_personal(who, place) is allowed
    assert permissions.can_read_history(who, place) is (allowed and not who.is_client)


@pytest.mark.parametrize(
    ("who", "place", "allowed"),
    [
        (PUBLIC, SAO, False),
        (AGENCY, SAO, False),
        (AGENCY_PERSONAL, SAO, True),
        (RECORDER, SAO, True),
        (PROVINCE, SAO, True),
        (ASSESSOR, SAO, True),
        (ASSESSOR, ELSEWHERE, False),
        (DLA, ELSEWHERE, True),
    ],
)
def test_the_assessor_named_on_a_final_score_is_read_by_those_reading_names_and_assessors(
    who, place, allowed
):
    assert permissions.can_read_assessor(who, place) is allowed


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (PUBLIC, False),
        (AGENCY_PERSONAL, False),
        (RECORDER, False),
        (DISTRICT, False),
        (PROVINCE, True),
        (ASSESSOR, True),
        (DLA, True),
    ],
)
def test_who_assesses_a_province_is_read_by_dla_its_officers_and_its_assessors(who, allowed):
    assert permissions.can_read_assessors_of(who, 100) is allowed
    assert permissions.can_read_assessors_of(who, 200) is (who is DLA)


def test_agency_clients_read_only_the_domains_they_were_granted():
    assert [n for n in range(1, 9) if permissions.can_read_domain(AGENCY, n)] == [1, 7]
    assert all(permissions.can_read_domain(PUBLIC, n) for n in range(1, 9))
    assert all(permissions.can_read_domain(RECORDER, n) for n in range(1, 9))


def test_missions_need_the_missions_scope_for_clients_only():
    assert permissions.can_read_missions(PUBLIC)
    assert not permissions.can_read_missions(AGENCY)
    assert permissions.can_read_missions(client("budget", "missions"))
