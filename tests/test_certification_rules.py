"""The whole state table of hub/rules/certification.py: every action × state × caller × year."""

import itertools

import pytest

from hub.rules.certification import TRANSITIONS, Action, YearStatus, decide, refused_outright
from hub.rules.completeness import ALL_DOMAINS_MASK
from hub.rules.enums import CertificationState as S
from hub.rules.enums import LaoType, Role
from hub.rules.identity import PUBLIC, RoleGrant, client, user
from hub.rules.permissions import LaoPlace

LAO = LaoPlace(lao_id=7, type=LaoType.SAO, district_id=70, province_id=700)
CALLERS = {
    "recorder": user("r", RoleGrant(Role.LAO_RECORDER, lao_id=7)),
    "verifier": user("v", RoleGrant(Role.LAO_VERIFIER, lao_id=7)),
    "lao_admin": user("a", RoleGrant(Role.LAO_ADMIN, lao_id=7)),
    "other_verifier": user("o", RoleGrant(Role.LAO_VERIFIER, lao_id=8)),
    "district": user("d", RoleGrant(Role.DISTRICT_OFFICER, district_id=70)),
    "province": user("p", RoleGrant(Role.PROVINCE_OFFICER, province_id=700)),
    "other_province": user("q", RoleGrant(Role.PROVINCE_OFFICER, province_id=701)),
    "dla": user("x", RoleGrant(Role.DLA_ADMIN)),
    "agency": client("c", "domain:1 personal"),
    "public": PUBLIC,
}
OPEN = YearStatus(2570, closed=False)
EARLIER_OPEN = YearStatus(2569, closed=False)  # year 2570 is open too: the 2569 round still runs
CLOSED = YearStatus(2568, closed=True)

# Who may act at all, per action (the "who" column of DOMAIN.md's table).
WHO = {
    Action.EDIT: {"recorder", "verifier"},
    Action.CERTIFY_LAO: {"verifier"},
    Action.CANCEL_LAO: {"verifier"},
    Action.CERTIFY_PROVINCE: {"province"},
    Action.CANCEL_PROVINCE: {"province"},
}
FROM = {Action.EDIT: S.DRAFT, **{a: t.from_state for a, t in TRANSITIONS.items()}}


def expected(action, caller, state, year):
    if caller not in WHO[action]:
        return "FORBIDDEN"
    if year.closed:  # an open year, earlier or not, is the LAO's to change
        return "YEAR_CLOSED"
    if state is not FROM[action]:
        return "INVALID_STATE"
    return None


@pytest.mark.parametrize(
    ("action", "caller", "state", "year"),
    list(itertools.product(Action, CALLERS, S, (OPEN, EARLIER_OPEN, CLOSED))),
)
def test_state_table(action, caller, state, year):
    refusal = decide(
        action, CALLERS[caller], LAO, state, year, ALL_DOMAINS_MASK, reason="checked the figures"
    )
    assert (refusal.kind if refusal else None) == expected(action, caller, state, year)
    if refusal and refusal.kind != "FORBIDDEN":
        assert refusal.current_state is state
    if refusal:
        assert refusal.message_en and refusal.message_th


def test_transitions_lead_where_the_table_says():
    assert {a: (t.from_state, t.to_state) for a, t in TRANSITIONS.items()} == {
        Action.CERTIFY_LAO: (S.DRAFT, S.LAO_CERTIFIED),
        Action.CANCEL_LAO: (S.LAO_CERTIFIED, S.DRAFT),
        Action.CERTIFY_PROVINCE: (S.LAO_CERTIFIED, S.PROVINCE_CERTIFIED),
        Action.CANCEL_PROVINCE: (S.PROVINCE_CERTIFIED, S.LAO_CERTIFIED),
    }


def test_lao_certification_needs_all_eight_domains_and_lists_the_missing_ones():
    mask = ALL_DOMAINS_MASK & ~(1 << 4) & ~(1 << 7)  # domains 5 and 8 incomplete
    refusal = decide(Action.CERTIFY_LAO, CALLERS["verifier"], LAO, S.DRAFT, OPEN, mask)
    assert refusal.kind == "INCOMPLETE"
    assert refusal.incomplete_domains == (5, 8)
    assert "5, 8" in refusal.message_en and "5, 8" in refusal.message_th


def test_the_lao_cannot_cancel_while_the_province_has_certified():
    refusal = decide(
        Action.CANCEL_LAO, CALLERS["verifier"], LAO, S.PROVINCE_CERTIFIED, OPEN, reason="typo"
    )
    assert refusal.kind == "INVALID_STATE"
    assert "cancel its certification first" in refusal.message_en


@pytest.mark.parametrize("action", [Action.CANCEL_LAO, Action.CANCEL_PROVINCE])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_cancellations_need_a_reason(action, reason):
    caller = CALLERS["verifier" if action is Action.CANCEL_LAO else "province"]
    refusal = decide(action, caller, LAO, FROM[action], OPEN, reason=reason)
    assert refusal.kind == "REASON_REQUIRED"


def test_an_earlier_year_still_open_stays_the_lao_s_until_dla_closes_it():
    verifier = CALLERS["verifier"]
    assert decide(Action.EDIT, verifier, LAO, S.DRAFT, EARLIER_OPEN) is None
    assert decide(Action.CERTIFY_LAO, verifier, LAO, S.DRAFT, EARLIER_OPEN) is None
    refusal = decide(Action.EDIT, verifier, LAO, S.DRAFT, CLOSED)
    assert refusal.kind == "YEAR_CLOSED"
    assert "closed" in refusal.message_en and "ปิดแล้ว" in refusal.message_th


OTHER_LAO = LaoPlace(lao_id=8, type=LaoType.SAO, district_id=71, province_id=701)


@pytest.mark.parametrize(("action", "caller"), list(itertools.product(Action, CALLERS)))
def test_an_outright_refusal_is_what_decide_says_for_every_lao_year(action, caller):
    identity = CALLERS[caller]
    outright = refused_outright(action, identity)
    cases = list(itertools.product((LAO, OTHER_LAO), S, (OPEN, EARLIER_OPEN, CLOSED)))
    verdicts = [decide(action, identity, p, s, y, reason="why") for p, s, y in cases]
    if outright is not None:
        assert outright.kind == "FORBIDDEN"
        same = (type(outright), outright.message_en, outright.message_th)
        assert all((type(v), v.message_en, v.message_th) == same for v in verdicts)
    else:  # some LAO-year lets the caller past the role check
        assert any(v is None or v.kind != "FORBIDDEN" for v in verdicts)
