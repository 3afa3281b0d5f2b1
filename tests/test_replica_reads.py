"""The rules of reads off the primary (hub/rules/replica_reads.py): whose reads may lag, log
positions, and a replica's staleness from samples of the primary's position."""

from __future__ import annotations

import pytest

from hub.rules.enums import Role
from hub.rules.identity import PUBLIC, RoleGrant, client, user
from hub.rules.replica_reads import parse_lsn, reads_may_lag, staleness
from hub.settings import Settings, SettingsError


def test_callers_who_cannot_write_may_read_a_replica() -> None:
    assert reads_may_lag(PUBLIC)
    assert reads_may_lag(client("ministry", "domain:1 domain:5 missions personal"))
    assert not reads_may_lag(client("allowance", "pulled:allowance"))
    assert not reads_may_lag(client("both", "domain:1 pulled:lhr"))
    assert not reads_may_lag(user("clerk", RoleGrant(Role.LAO_RECORDER, lao_id=1)))
    assert not reads_may_lag(user("nobody"))


def test_log_positions_order_as_the_log_does() -> None:
    assert parse_lsn("0/16B3748") == 0x16B3748
    assert parse_lsn("1/0") > parse_lsn("0/FFFFFFFF")
    with pytest.raises(ValueError):
        parse_lsn("16B3748")


def test_staleness_is_the_age_of_the_latest_position_the_replica_reached() -> None:
    samples = [(10.0, 100), (11.0, 200), (12.0, 200), (13.0, 300)]
    assert staleness(samples, 300, now=13.5) == 0.5  # caught up with the latest sample
    assert staleness(samples, 250, now=13.5) == 1.5  # reached 12.0's position, not 13.0's
    assert staleness(samples, 100, now=13.5) == 3.5
    assert staleness(samples, 99, now=13.5) is None  # behind everything sampled
    # An idle primary: the position does not move, a caught-up replica is not behind.
    assert staleness([(1.0, 500), (2.0, 500)], 500, now=2.0) == 0.0


def test_replica_urls_are_postgresql_urls_of_a_postgresql_primary() -> None:
    env = {"HUB_DATABASE_URL": "postgresql+asyncpg://hub@primary/hub"}
    settings = Settings.from_env(
        env | {"HUB_DATABASE_REPLICA_URLS": "postgresql+asyncpg://a/hub, postgresql://b/hub"}
    )
    assert settings.replica_urls == ("postgresql+asyncpg://a/hub", "postgresql://b/hub")
    with pytest.raises(SettingsError, match="URL 2 of 2 starts with 'mysql'") as refused:
        Settings.from_env(
            env | {"HUB_DATABASE_REPLICA_URLS": "postgresql://a/hub mysql://u:secret@b/hub"}
        )
    assert "secret" not in str(refused.value)
    with pytest.raises(SettingsError, match="needs a PostgreSQL HUB_DATABASE_URL"):
        Settings.from_env({"HUB_DATABASE_REPLICA_URLS": "postgresql://a/hub"})
    with pytest.raises(SettingsError, match="HUB_REPLICA_MAX_LAG must be positive"):
        Settings.from_env(env | {"HUB_REPLICA_MAX_LAG": "0"})
