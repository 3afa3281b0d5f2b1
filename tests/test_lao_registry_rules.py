"""The LAO registry's rules (`hub.rules.lao_registry`), without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.rules import lao_registry as rules
from hub.rules.enums import LaoType, Role
from hub.rules.identity import PUBLIC, RoleGrant, user
from hub.rules.lao_registry import Period
from hub.rules.problems import Forbidden, InvalidInput, RegistryConflict

D = dt.date
UPGRADED = [
    Period(LaoType.SAO, D(2010, 1, 1), D(2026, 4, 1)),
    Period(LaoType.SUBDISTRICT_MUNICIPALITY, D(2026, 4, 1), None),
]


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (D(2009, 12, 31), None),
        (D(2010, 1, 1), LaoType.SAO),
        (D(2026, 3, 31), LaoType.SAO),
        (D(2026, 4, 1), LaoType.SUBDISTRICT_MUNICIPALITY),
        (D(2030, 1, 1), LaoType.SUBDISTRICT_MUNICIPALITY),
    ],
)
def test_the_value_as_of_a_day_is_the_latest_begun_by_then(
    on: dt.date, expected: LaoType | None
) -> None:
    assert rules.value_as_of(UPGRADED, on) is expected
    assert rules.value_as_of(list(reversed(UPGRADED)), on) is expected


def test_an_ended_period_keeps_answering_after_a_merger() -> None:
    ended = [Period("6110101", D(2010, 1, 1), D(2026, 6, 1))]
    assert rules.value_as_of(ended, D(2027, 1, 1)) == "6110101"


def test_names_never_dated_read_as_the_current_name_over_the_whole_history() -> None:
    names = rules.names_or_current([], "อบต.ก", D(2010, 1, 1))
    assert rules.value_as_of(names, D(2009, 12, 31)) is None
    assert rules.value_as_of(names, D(2020, 1, 1)) == "อบต.ก"
    stored = [Period("ก", D(2010, 1, 1), None)]
    assert rules.names_or_current(stored, "ข", None) == stored
    assert rules.value_as_of(rules.names_or_current([], "ก", None), rules.SINCE_ALWAYS) == "ก"


def test_only_dla_administrators_keep_the_registry() -> None:
    assert rules.keeper_refusal(user("dla", RoleGrant(Role.DLA_ADMIN))) is None
    for who in (PUBLIC, user("p", RoleGrant(Role.PROVINCE_OFFICER, province_id=1))):
        refusal = rules.keeper_refusal(who)
        assert isinstance(refusal, Forbidden) and refusal.message_th


def test_a_change_takes_effect_after_the_last_one_and_not_after_today() -> None:
    today = D(2026, 12, 2)
    assert rules.effective_date_problem(D(2026, 4, 2), D(2026, 4, 1), today) is None
    assert rules.effective_date_problem(today, None, today) is None
    same_day = rules.effective_date_problem(D(2026, 4, 1), D(2026, 4, 1), today)
    assert isinstance(same_day, RegistryConflict)
    assert (same_day.field, same_day.errors[0].code) == ("effectiveOn", "DATE_CONFLICT")
    ahead = rules.effective_date_problem(D(2026, 12, 3), None, today)
    assert isinstance(ahead, InvalidInput) and ahead.errors[0].code == "IN_THE_FUTURE"


@pytest.mark.parametrize(
    ("current", "new", "code"),
    [
        (LaoType.SAO, LaoType.SUBDISTRICT_MUNICIPALITY, None),
        (LaoType.SAO, LaoType.TOWN_MUNICIPALITY, None),
        (LaoType.TOWN_MUNICIPALITY, LaoType.CITY_MUNICIPALITY, None),
        (LaoType.SAO, LaoType.SAO, "UNCHANGED"),
        (LaoType.SUBDISTRICT_MUNICIPALITY, LaoType.SAO, "NOT_AN_UPGRADE"),
        (LaoType.SAO, LaoType.PAO, "NOT_AN_UPGRADE"),
        (LaoType.PAO, LaoType.CITY_MUNICIPALITY, "NOT_AN_UPGRADE"),
        (LaoType.BANGKOK, LaoType.CITY_MUNICIPALITY, "NOT_AN_UPGRADE"),
    ],
)
def test_types_only_climb_the_municipal_ladder(
    current: LaoType, new: LaoType, code: str | None
) -> None:
    problem = rules.type_change_problem(current, new)
    assert (problem.errors[0].code if problem else None) == code
    if problem is not None:
        assert problem.field == "newType"


@pytest.mark.parametrize(
    ("code", "lao_type", "expected"),
    [
        ("5110199", LaoType.SUBDISTRICT_MUNICIPALITY, None),
        ("511019", LaoType.SUBDISTRICT_MUNICIPALITY, "INVALID"),
        ("51101a9", LaoType.SUBDISTRICT_MUNICIPALITY, "INVALID"),
        ("6110199", LaoType.SUBDISTRICT_MUNICIPALITY, "WRONG_TYPE_DIGIT"),
        ("5120199", LaoType.SUBDISTRICT_MUNICIPALITY, "WRONG_PROVINCE"),
    ],
)
def test_a_code_is_seven_digits_of_the_type_and_province(
    code: str, lao_type: LaoType, expected: str | None
) -> None:
    problem = rules.code_problem(code, lao_type, "11", "newCode")
    assert (problem.errors[0].code if problem else None) == expected


def test_names_are_stored_in_the_usual_spelling_and_bounded() -> None:
    decomposed = "เทศบาลตำบลปากน\u0e4d\u0e49\u0e32"
    assert rules.clean_name(f"  {decomposed}  ", "newNameTh") == ("เทศบาลตำบลปากน้ำ", None)
    assert rules.clean_name(None, "newNameEn") == (None, None)
    _, empty = rules.clean_name("   ", "newNameTh")
    assert empty is not None and empty.errors[0].code == "REQUIRED"
    _, long = rules.clean_name("ก" * 201, "newNameTh")
    assert long is not None and long.errors[0].code == "TOO_LONG"
