"""Who appoints LPA assessors and records final scores, and which input is acceptable
(`hub.rules.lpa_assessment`), without a database."""

import datetime as dt

import pytest

from hub.rules.enums import LaoType, Role
from hub.rules.identity import PUBLIC, ROLE_PLACES, RoleGrant, client, user
from hub.rules.lpa import DEFAULT_RUBRIC_2564
from hub.rules.lpa_assessment import (
    appointing_refusal,
    final_score_problem,
    scoring_refusal,
    scoring_refused_outright,
    version_conflict,
)
from hub.rules.permissions import LaoPlace
from hub.rules.problems import Forbidden, InvalidInput, ReasonRequired, VersionConflict

TAK_SAO = LaoPlace(lao_id=1, type=LaoType.SAO, district_id=10, province_id=63)
LAMPANG_SAO = LaoPlace(lao_id=2, type=LaoType.SAO, district_id=20, province_id=52)

ASSESSOR = user("lpa", RoleGrant(Role.LPA_ASSESSOR, province_id=63))
TWO_PROVINCES = user(
    "lpa2",
    RoleGrant(Role.LPA_ASSESSOR, province_id=63),
    RoleGrant(Role.LPA_ASSESSOR, province_id=52),
)
STAFF_ASSESSOR = user(
    "lpa3", RoleGrant(Role.LPA_ASSESSOR, province_id=63), RoleGrant(Role.LAO_ADMIN, lao_id=1)
)
UNBOUND_ASSESSOR = user("lpa4", RoleGrant(Role.LPA_ASSESSOR))  # a grant without its province
OTHERS = {
    "public": PUBLIC,
    "agency": client("moph", "domain:1 personal"),
    "recorder": user("rec", RoleGrant(Role.LAO_RECORDER, lao_id=1)),
    "verifier": user("ver", RoleGrant(Role.LAO_VERIFIER, lao_id=1)),
    "lao admin": user("adm", RoleGrant(Role.LAO_ADMIN, lao_id=1)),
    "district": user("dis", RoleGrant(Role.DISTRICT_OFFICER, district_id=10)),
    "province": user("pro", RoleGrant(Role.PROVINCE_OFFICER, province_id=63)),
    "dla": user("dla", RoleGrant(Role.DLA_ADMIN)),
    "unbound assessor": UNBOUND_ASSESSOR,
}


def test_the_assessor_role_is_bound_to_a_province():
    assert ROLE_PLACES[Role.LPA_ASSESSOR] == "province"
    assert set(ROLE_PLACES) == set(Role)
    assert TWO_PROVINCES.assessed_province_ids() == {63, 52}
    assert not TWO_PROVINCES.province_ids()  # assessing a province is not being its office
    assert not UNBOUND_ASSESSOR.assessed_province_ids()


@pytest.mark.parametrize("who", sorted(OTHERS))
def test_only_an_assessor_records_a_final_score(who):
    refusal = scoring_refused_outright(OTHERS[who])
    assert isinstance(refusal, Forbidden) and "Only LPA assessors" in refusal.message_en
    assert isinstance(scoring_refusal(OTHERS[who], TAK_SAO), Forbidden)


def test_an_assessor_scores_the_laos_of_its_provinces_only():
    assert scoring_refused_outright(ASSESSOR) is None
    assert scoring_refusal(ASSESSOR, TAK_SAO) is None
    refusal = scoring_refusal(ASSESSOR, LAMPANG_SAO)
    assert isinstance(refusal, Forbidden) and "other provinces" in refusal.message_en
    assert "จังหวัดอื่น" in refusal.message_th
    assert scoring_refusal(TWO_PROVINCES, LAMPANG_SAO) is None


def test_an_assessor_does_not_score_its_own_lao():
    refusal = scoring_refusal(STAFF_ASSESSOR, TAK_SAO)
    assert isinstance(refusal, Forbidden) and "own staff" in refusal.message_en


@pytest.mark.parametrize("who", sorted(set(OTHERS) - {"dla"}))
def test_only_dla_appoints_assessors(who):
    assert isinstance(appointing_refusal(OTHERS[who]), Forbidden)
    assert isinstance(appointing_refusal(ASSESSOR), Forbidden)
    assert appointing_refusal(OTHERS["dla"]) is None


TODAY = dt.date(2026, 12, 2)
STARTS = dt.date(2026, 10, 1)


def _problem(**given):
    values = {
        "score": 5,
        "reason": "ตรวจหลักฐานครบ",
        "evidence": "หนังสือรับรอง ที่ มท 0808/123",
        "inspected_on": dt.date(2026, 11, 25),
        "today": TODAY,
        "year_starts_on": STARTS,
    }
    return final_score_problem(DEFAULT_RUBRIC_2564, **(values | given))


def test_a_complete_final_score_is_accepted():
    assert _problem() is None
    assert _problem(score=0, inspected_on=TODAY) is None
    assert _problem(inspected_on=STARTS) is None


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_final_score_needs_a_reason(reason):
    problem = _problem(reason=reason, score=4)  # the reason is asked for first
    assert isinstance(problem, ReasonRequired) and problem.field == "reason"
    assert problem.message_th


@pytest.mark.parametrize("score", [4, 2, 6, -1, 100])
def test_a_score_outside_the_rubric_s_levels_is_refused(score):
    problem = _problem(score=score)
    assert isinstance(problem, InvalidInput)
    assert [(e.path, e.code) for e in problem.errors] == [("score", "NOT_A_LEVEL")]
    assert "5, 3, 1, 0" in problem.errors[0].message_en


def test_every_invalid_field_is_named():
    problem = _problem(score=2, evidence=" ", inspected_on=TODAY + dt.timedelta(days=1))
    assert isinstance(problem, InvalidInput)
    assert [(e.path, e.code) for e in problem.errors] == [
        ("score", "NOT_A_LEVEL"),
        ("evidence", "REQUIRED"),
        ("inspectedOn", "IN_THE_FUTURE"),
    ]
    problem = _problem(inspected_on=STARTS - dt.timedelta(days=1))
    assert [(e.path, e.code) for e in problem.errors] == [("inspectedOn", "OUT_OF_RANGE")]


def test_versions_first_record_then_revise_the_current_one():
    assert version_conflict(None, None) is None
    assert version_conflict(None, 0) is None
    assert version_conflict(3, 3) is None
    for current, expected, told in [(None, 2, 0), (1, None, 1), (3, 2, 3), (3, 4, 3)]:
        conflict = version_conflict(current, expected)
        assert isinstance(conflict, VersionConflict)
        assert conflict.current_version == told
