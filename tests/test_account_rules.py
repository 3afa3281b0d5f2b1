"""The delegation table of `hub.rules.accounts`, the password rules and the one-time codes:
pure functions, every role against every role and place of a small world."""

from __future__ import annotations

import itertools

import pytest

from hub.rules import accounts
from hub.rules.accounts import (
    COMMAND_LINE,
    MANAGES,
    Grant,
    activation_url,
    check_place,
    code_digest,
    decide_account,
    decide_grant,
    decide_grant_to_account,
    decide_info_administrators,
    issuable_roles,
    manages,
    new_code,
    normal_code,
    reach_within,
)
from hub.rules.enums import LaoType, Role
from hub.rules.identity import Identity, RoleGrant, user
from hub.rules.passwords import password_problems
from hub.rules.permissions import LaoPlace

# Two provinces (1, 2), each with two districts (11, 12 / 21, 22), each with two LAOs.
LAOS = {
    lao: (district, district // 10)
    for district in (11, 12, 21, 22)
    for lao in (district * 10 + 1, district * 10 + 2)
}


def places(role: Role) -> list[Grant]:
    """Every place a grant of `role` may be bound to in the small world, with its chain."""
    scope = accounts.SCOPE[role]
    if scope == "nation":
        return [Grant(role)]
    if scope == "province":
        return [Grant(role, province_id=p) for p in (1, 2)]
    if scope == "district":
        return [Grant(role, district_id=d, province_id=d // 10) for d in (11, 12, 21, 22)]
    return [Grant(role, lao, d, p) for lao, (d, p) in LAOS.items()]


def as_held(grant: Grant) -> RoleGrant:
    """The grant as a token carries it: bound to its own place only."""
    scope = accounts.SCOPE[grant.role]
    return RoleGrant(
        grant.role,
        lao_id=grant.lao_id if scope == "lao" else None,
        district_id=grant.district_id if scope == "district" else None,
        province_id=grant.province_id if scope == "province" else None,
    )


ALL_GRANTS = [g for role in Role for g in places(role)]


def test_the_chain_of_delegation():
    assert MANAGES == {
        Role.DLA_ADMIN: (Role.PROVINCE_OFFICER, Role.LPA_ASSESSOR),
        Role.PROVINCE_OFFICER: (Role.LAO_ADMIN, Role.DISTRICT_OFFICER),
        Role.LAO_ADMIN: (Role.LAO_RECORDER, Role.LAO_VERIFIER),
    }
    assert issuable_roles([RoleGrant(Role.LAO_RECORDER, lao_id=111)]) == ()
    assert issuable_roles([RoleGrant(Role.DISTRICT_OFFICER, district_id=11)]) == ()
    assert issuable_roles([RoleGrant(Role.PROVINCE_OFFICER, province_id=1)]) == (
        Role.LAO_ADMIN,
        Role.DISTRICT_OFFICER,
    )


@pytest.mark.parametrize(("manager", "target"), list(itertools.product(ALL_GRANTS, ALL_GRANTS)))
def test_nobody_grants_a_role_wider_than_their_own_reach(manager, target):
    held = as_held(manager)
    if manages(held, target):
        assert reach_within(target, held)
        assert target.role is not Role.DLA_ADMIN
        assert accounts.SCOPE[target.role] != "nation"
        assert decide_grant(user("m", held), target) is None
        # Everything the target reaches, the manager reaches too.
        for place in ALL_GRANTS:
            if accounts.within(as_held(target), place):
                assert accounts.within(held, place)
    else:
        assert decide_grant(user("m", held), target) is not None


def test_the_decision_table_role_by_role():
    province_1 = RoleGrant(Role.PROVINCE_OFFICER, province_id=1)
    lao_111 = RoleGrant(Role.LAO_ADMIN, lao_id=111)
    dla = RoleGrant(Role.DLA_ADMIN)
    expected = {
        # DLA: provincial officers anywhere, nothing else.
        (dla, Grant(Role.PROVINCE_OFFICER, province_id=2)): True,
        (dla, Grant(Role.LAO_ADMIN, 111, 11, 1)): False,
        (dla, Grant(Role.DLA_ADMIN)): False,
        # A provincial office: its LAOs' administrators and its district officers.
        (province_1, Grant(Role.LAO_ADMIN, 121, 12, 1)): True,
        (province_1, Grant(Role.DISTRICT_OFFICER, district_id=12, province_id=1)): True,
        (province_1, Grant(Role.LAO_ADMIN, 211, 21, 2)): False,  # another province
        (province_1, Grant(Role.DISTRICT_OFFICER, district_id=21, province_id=2)): False,
        (province_1, Grant(Role.LAO_RECORDER, 111, 11, 1)): False,  # the LAO admin's to issue
        (province_1, Grant(Role.PROVINCE_OFFICER, province_id=1)): False,
        # An LAO administrator: its own LAO's recorders and verifiers.
        (lao_111, Grant(Role.LAO_RECORDER, 111, 11, 1)): True,
        (lao_111, Grant(Role.LAO_VERIFIER, 111, 11, 1)): True,
        (lao_111, Grant(Role.LAO_RECORDER, 112, 11, 1)): False,  # another LAO
        (lao_111, Grant(Role.LAO_ADMIN, 111, 11, 1)): False,
    }
    for (manager, target), allowed in expected.items():
        assert manages(manager, target) is allowed, (manager, target)
    for role in (Role.LAO_RECORDER, Role.LAO_VERIFIER, Role.DISTRICT_OFFICER):
        for target in ALL_GRANTS:
            assert not manages(RoleGrant(role, 111, 11, 1), target)


def test_refusals_say_why_in_english_and_thai():
    province_1 = user("p", RoleGrant(Role.PROVINCE_OFFICER, province_id=1))
    other_province = decide_grant(province_1, Grant(Role.LAO_ADMIN, 211, 21, 2))
    assert other_province is not None and "another province" in other_province.message_en
    assert "จังหวัดอื่น" in other_province.message_th
    too_wide = decide_grant(province_1, Grant(Role.PROVINCE_OFFICER, province_id=1))
    assert too_wide is not None and "wider than their own reach" in too_wide.message_en
    assert "LAO INFO administrator" in too_wide.message_en  # what it may issue instead
    lao_admin = user("a", RoleGrant(Role.LAO_ADMIN, lao_id=111))
    other_lao = decide_grant(lao_admin, Grant(Role.LAO_VERIFIER, 112, 11, 1))
    assert other_lao is not None and "another LAO" in other_lao.message_en
    nobody = decide_grant(
        user("r", RoleGrant(Role.LAO_RECORDER, lao_id=111)), Grant(Role.LAO_RECORDER, 111, 11, 1)
    )
    assert nobody is not None and "no accounts" in nobody.message_en
    public = decide_grant(Identity(), Grant(Role.LAO_RECORDER, 111, 11, 1))
    assert public is not None


def test_the_command_line_manages_everything_dla_too():
    for target in ALL_GRANTS:
        assert decide_grant(COMMAND_LINE, target) is None
    assert decide_account(COMMAND_LINE, [Grant(Role.DLA_ADMIN)], []) is None


def test_an_account_is_managed_only_by_whoever_manages_all_its_roles():
    admin = user("a", RoleGrant(Role.LAO_ADMIN, lao_id=111))
    recorder = Grant(Role.LAO_RECORDER, 111, 11, 1)
    verifier = Grant(Role.LAO_VERIFIER, 111, 11, 1)
    officer = Grant(Role.PROVINCE_OFFICER, province_id=1)
    assert decide_account(admin, [recorder, verifier], []) is None
    refused = decide_account(admin, [recorder, officer], [])
    assert refused is not None and "provincial" in refused.message_en.lower()
    # Holding no live role: whoever managed a former one.
    assert decide_account(admin, [], [recorder]) is None
    assert decide_account(admin, [], [Grant(Role.LAO_RECORDER, 112, 11, 1)]) is not None
    assert decide_account(admin, [], []) is not None


def test_granting_to_an_existing_account_needs_it_within_reach():
    province_1 = user("p", RoleGrant(Role.PROVINCE_OFFICER, province_id=1))
    admin_111 = Grant(Role.LAO_ADMIN, 111, 11, 1)
    # Its LAO's recorder becomes that LAO's administrator.
    assert (
        decide_grant_to_account(province_1, admin_111, [Grant(Role.LAO_RECORDER, 111, 11, 1)])
        is None
    )
    # An LAO administrator makes its recorder a verifier too.
    admin = user("a", RoleGrant(Role.LAO_ADMIN, lao_id=111))
    recorder = Grant(Role.LAO_RECORDER, 111, 11, 1)
    assert decide_grant_to_account(admin, Grant(Role.LAO_VERIFIER, 111, 11, 1), [recorder]) is None
    # Not to an account of another province, nor to a colleague's, nor to DLA's.
    assert decide_grant_to_account(province_1, admin_111, [Grant(Role.LAO_RECORDER, 211, 21, 2)])
    assert decide_grant_to_account(
        province_1, admin_111, [Grant(Role.PROVINCE_OFFICER, province_id=1)]
    )
    assert decide_grant_to_account(province_1, admin_111, [Grant(Role.DLA_ADMIN)])


def test_info_administrators_are_kept_by_the_lao_admin_and_its_province():
    lao = LaoPlace(111, LaoType.SAO, 11, 1)
    assert decide_info_administrators(user("a", RoleGrant(Role.LAO_ADMIN, lao_id=111)), lao) is None
    assert (
        decide_info_administrators(user("p", RoleGrant(Role.PROVINCE_OFFICER, province_id=1)), lao)
        is None
    )
    for refused in (
        RoleGrant(Role.LAO_ADMIN, lao_id=112),
        RoleGrant(Role.LAO_RECORDER, lao_id=111),
        RoleGrant(Role.LAO_VERIFIER, lao_id=111),
        RoleGrant(Role.PROVINCE_OFFICER, province_id=2),
        RoleGrant(Role.DISTRICT_OFFICER, district_id=11),
    ):
        assert decide_info_administrators(user("x", refused), lao) is not None, refused


def test_a_grant_names_exactly_the_place_its_role_is_bound_to():
    assert check_place(Role.LAO_RECORDER, {"lao": "6110102"}) is None
    missing = check_place(Role.LAO_RECORDER, {})
    assert (
        missing is not None and missing.field == "laoCode" and missing.errors[0].code == "REQUIRED"
    )
    extra = check_place(Role.DLA_ADMIN, {"province": "10"})
    assert (
        extra is not None
        and extra.field == "provinceCode"
        and extra.errors[0].code == "NOT_ALLOWED"
    )
    both = check_place(Role.DISTRICT_OFFICER, {"district": "1001", "lao": "6110102"})
    assert both is not None and both.field == "laoCode"


def test_codes_are_long_random_and_read_back_however_typed():
    code = new_code()
    assert len(code) == 19 and code.count("-") == 3
    assert len({new_code() for _ in range(200)}) == 200
    raw = normal_code(code)
    assert raw is not None and len(raw) == 16
    assert normal_code(code.lower().replace("-", " ")) == raw
    assert normal_code("O1IL-0000-0000-0000") == "0111000000000000"  # look-alikes
    assert normal_code("short") is None and normal_code("U" * 16) is None
    assert normal_code("x" * 10_000) is None
    assert code_digest(raw) != raw and len(code_digest(raw)) == 64
    assert (
        activation_url("https://hub.example/", code)
        == f"https://hub.example/oauth/activate?code={code}"
    )


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("short", {"TOO_SHORT"}),
        ("x" * 201, {"TOO_LONG", "REPEATED"}),
        ("somsri.k-2569!", {"CONTAINS_USERNAME"}),
        ("aaaaaaaaaaaa", {"REPEATED"}),
        ("1234567890", {"TOO_COMMON"}),
        ("ๅ/-ภถุึคตจ", {"TOO_COMMON"}),  # 1234567890 on a Thai keyboard
        ("Password123", {"TOO_COMMON"}),
        ("correct horse battery", set()),
        ("รหัสผ่านภาษาไทยยาวพอ", set()),
    ],
)
def test_password_rules(password, codes):
    problems = password_problems(password, username="somsri.k")
    assert {p.code for p in problems} == codes
    assert all(p.path == "newPassword" and p.message_th for p in problems)
