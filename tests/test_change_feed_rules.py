"""The changes feeds' rules (hub/rules/change_feed.py): cursors, reach, tombstones, retention."""

from __future__ import annotations

import pytest

from hub.rules import change_feed as rules
from hub.rules.change_feed import Kind, Position, Reach
from hub.rules.enums import Role
from hub.rules.identity import PUBLIC, RoleGrant, client, user
from hub.rules.problems import CursorExpired, Forbidden, InvalidInput

PROVINCE = user("pro", RoleGrant(Role.PROVINCE_OFFICER, province_id=11))


def position(**changes: object) -> Position:
    fields: dict[str, object] = {
        "kind": Kind.LAO_YEAR,
        "baseline": False,
        "log_id": 120,
        "key": 7,
        "issued_at": 1_800_000_000,
        "viewer": rules.viewer_fingerprint(PROVINCE),
    }
    fields.update(changes)
    return Position(**fields)  # type: ignore[arg-type]


def test_a_cursor_round_trips_and_is_bound_to_its_feed_and_caller():
    cursor = rules.encode(position())
    assert rules.decode(cursor, Kind.LAO_YEAR, PROVINCE) == position()
    for kind, identity in ((Kind.CERTIFICATION, PROVINCE), (Kind.LAO_YEAR, PUBLIC)):
        with pytest.raises(InvalidInput) as refused:
            rules.decode(cursor, kind, identity)
        assert refused.value.field == "after"
    # The same person with other rights holds other cursors.
    wider = user("pro", RoleGrant(Role.PROVINCE_OFFICER, province_id=12))
    with pytest.raises(InvalidInput):
        rules.decode(cursor, Kind.LAO_YEAR, wider)


@pytest.mark.parametrize(
    "forged", ["", "x", "e30", "e30.0123456789abcdef", "!!!.abc", "W10.2b1b4a0b52c19a6b"]
)
def test_a_forged_or_edited_cursor_is_invalid_input_naming_after(forged):
    with pytest.raises(InvalidInput) as refused:
        rules.decode(forged, Kind.LAO_YEAR, PROVINCE)
    assert refused.value.field == "after" and refused.value.message_th


def test_an_edited_payload_fails_its_checksum():
    text, _, checksum = rules.encode(position()).partition(".")
    other, _, _ = rules.encode(position(log_id=1)).partition(".")
    with pytest.raises(InvalidInput):
        rules.decode(f"{other}.{checksum}", Kind.LAO_YEAR, PROVINCE)
    assert text != other


def test_a_cursor_older_than_the_retention_is_gone_with_a_fresh_baseline_hint():
    fresh = position()
    rules.check_fresh(fresh, fresh.issued_at + 30 * 86400, 30, "c")
    with pytest.raises(CursorExpired) as gone:
        rules.check_fresh(fresh, fresh.issued_at + 30 * 86400 + 1, 30, "c")
    assert gone.value.field == "after"
    assert gone.value.hint() == {"baseline": {"kind": "LAO_YEAR", "after": None}}


def test_what_each_entry_reaches():
    assert rules.reach(Kind.LAO_PROFILE, "laos", "update") is Reach.SELF
    assert rules.reach(Kind.LAO_YEAR, "water_supply_systems", "add") is Reach.LAO_YEAR_OF_RECORD
    assert rules.reach(Kind.WATER_SUPPLY_SYSTEM, "lao_years", "certify_lao") is (
        Reach.RECORDS_OF_LAO_YEAR
    )
    assert rules.reach(Kind.CERTIFICATION, "fiscal_years", "open") is Reach.LAO_YEARS_OF_YEAR
    assert rules.reach(Kind.CERTIFICATION, "fiscal_years", "close") is None
    assert rules.reach(Kind.CERTIFICATION, "water_supply_systems", "add") is None
    assert rules.reach(Kind.MISSION_RECORD, "lao_missions", "update") is Reach.SELF
    assert rules.reach(Kind.LAO_PROFILE, "users", "create") is None
    # Every section table of the catalogue reaches the LAO-year feed.
    assert all(rules.reach(Kind.LAO_YEAR, t, "save") is Reach.SELF for t in rules.SECTION_ENTITIES)


def test_only_a_certification_leaving_the_public_states_hides():
    assert rules.hides("lao_years", {"state": ["LAO_CERTIFIED", "DRAFT"]})
    assert not rules.hides("lao_years", {"state": ["PROVINCE_CERTIFIED", "LAO_CERTIFIED"]})
    assert not rules.hides("lao_years", {"state": ["DRAFT", "LAO_CERTIFIED"]})
    assert not rules.hides("domain1_health_environment", {"state": ["LAO_CERTIFIED", "DRAFT"]})
    assert not rules.hides("lao_years", {})


def test_a_feed_a_client_has_no_scope_for_is_forbidden():
    agency = client("moph", "domain:1")
    with pytest.raises(Forbidden):
        rules.check_readable(agency, Kind.WATER_SUPPLY_SYSTEM)
    with pytest.raises(Forbidden):
        rules.check_readable(agency, Kind.MISSION_RECORD)
    rules.check_readable(client("x", "domain:5 missions"), Kind.WATER_SUPPLY_SYSTEM)
    rules.check_readable(PUBLIC, Kind.TOURIST_SITE)
    rules.check_readable(agency, Kind.LAO_YEAR)
