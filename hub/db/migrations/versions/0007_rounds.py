"""Rounds with deadlines: one table for every round's dates, per-province deadlines, and an
LAO's missions checked in a round

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

The dates already held move into `rounds`: each fiscal year becomes its INFO round (opened
on the Thai day the year was opened, closed on the day it was closed), each KPI-16 round its
KPI16 round, and each mission round (`mission_rounds`, which nothing else read) a MISSIONS
round numbered within the fiscal year it opened in; `mission_rounds` is dropped. The
columns of `fiscal_years` and `kpi16_rounds` that hold dates stay, as copies the services
keep equal (`hub.db.models.rounds`). The downgrade puts the mission rounds back.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BANGKOK = dt.timezone(dt.timedelta(hours=7))
ROLES = (
    "LAO_RECORDER",
    "LAO_VERIFIER",
    "LAO_ADMIN",
    "DISTRICT_OFFICER",
    "PROVINCE_OFFICER",
    "DLA_ADMIN",
)


def _thai_day(moment: object) -> dt.date | None:
    """The Thai day of a stored moment (SQLite returns text or a naive UTC datetime)."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    assert isinstance(moment, dt.datetime)
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(BANGKOK).date()


def _day(value: object) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def _fiscal_year_of(day: dt.date) -> int:
    return day.year + 543 + (1 if day.month >= 10 else 0)


def upgrade() -> None:
    rounds = op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "INFO",
                "KPI16",
                "MISSIONS",
                name="round_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("district_deadline", sa.Date(), nullable=True),
        sa.Column("province_deadline", sa.Date(), nullable=True),
        sa.Column("closes_on", sa.Date(), nullable=True),
        sa.Column("letter_reference", sa.String(length=100), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
        sa.UniqueConstraint("kind", "fiscal_year", "number", name=op.f("uq_rounds_kind")),
    )
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rounds_fiscal_year"), ["fiscal_year"], unique=False)

    op.create_table(
        "round_province_deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("district_deadline", sa.Date(), nullable=True),
        sa.Column("province_deadline", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["province_id"],
            ["provinces.id"],
            name=op.f("fk_round_province_deadlines_province_id_provinces"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_round_province_deadlines_round_id_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_province_deadlines")),
        sa.UniqueConstraint(
            "round_id", "province_id", name=op.f("uq_round_province_deadlines_round_id")
        ),
    )
    with op.batch_alter_table("round_province_deadlines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_round_province_deadlines_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "round_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("lao_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "actor_role",
            sa.Enum(*ROLES, name="role", native_enum=False, create_constraint=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_round_checks_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(["lao_id"], ["laos.id"], name=op.f("fk_round_checks_lao_id_laos")),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_round_checks_round_id_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_checks")),
        sa.UniqueConstraint("round_id", "lao_id", name=op.f("uq_round_checks_round_id")),
    )
    with op.batch_alter_table("round_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_checks_lao_id"), ["lao_id"], unique=False)

    # The dates already held, as rounds (a handful of rows: read and written here).
    bind = op.get_bind()
    rows = []
    for year in bind.execute(
        sa.text(
            "SELECT year_be, record_deadline, province_deadline, opened_at, closed_at "
            "FROM fiscal_years ORDER BY year_be"
        )
    ).mappings():
        deadline = _day(year["record_deadline"])
        opened = _thai_day(year["opened_at"]) or deadline
        assert deadline is not None and opened is not None
        rows.append(
            {
                "kind": "INFO",
                "fiscal_year": year["year_be"],
                "number": 1,
                "opens_on": min(opened, deadline),
                "deadline": deadline,
                "district_deadline": None,
                "province_deadline": _day(year["province_deadline"]),
                "closes_on": _thai_day(year["closed_at"]),
                "letter_reference": None,
            }
        )
    for kpi in bind.execute(
        sa.text(
            "SELECT fiscal_year, round_no, opened_on, district_report_deadline, "
            "province_report_deadline FROM kpi16_rounds ORDER BY fiscal_year, round_no"
        )
    ).mappings():
        district = _day(kpi["district_report_deadline"])
        province = _day(kpi["province_report_deadline"])
        rows.append(
            {
                "kind": "KPI16",
                "fiscal_year": kpi["fiscal_year"],
                "number": kpi["round_no"],
                "opens_on": _day(kpi["opened_on"]),
                "deadline": district or province,
                "district_deadline": district,
                "province_deadline": province,
                "closes_on": None,
                "letter_reference": None,
            }
        )
    numbers: dict[int, int] = {}
    for mission in bind.execute(
        sa.text(
            "SELECT opened_on, deadline, letter_reference FROM mission_rounds ORDER BY opened_on"
        )
    ).mappings():
        opened = _day(mission["opened_on"])
        assert opened is not None
        year_be = _fiscal_year_of(opened)
        numbers[year_be] = numbers.get(year_be, 0) + 1
        rows.append(
            {
                "kind": "MISSIONS",
                "fiscal_year": year_be,
                "number": numbers[year_be],
                "opens_on": opened,
                "deadline": _day(mission["deadline"]),
                "district_deadline": None,
                "province_deadline": None,
                "closes_on": None,
                "letter_reference": mission["letter_reference"],
            }
        )
    if rows:
        op.bulk_insert(rounds, [{**row, "version": 1} for row in rows])
    op.drop_table("mission_rounds")


def downgrade() -> None:
    mission_rounds = op.create_table(
        "mission_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("letter_reference", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mission_rounds")),
        sa.UniqueConstraint("opened_on", name=op.f("uq_mission_rounds_opened_on")),
    )
    missions = [
        {
            "opened_on": _day(r["opens_on"]),
            "deadline": _day(r["deadline"]),
            "letter_reference": r["letter_reference"],
        }
        for r in op.get_bind()
        .execute(
            sa.text(
                "SELECT opens_on, deadline, letter_reference FROM rounds "
                "WHERE kind = 'MISSIONS' ORDER BY opens_on"
            )
        )
        .mappings()
    ]
    if missions:
        op.bulk_insert(mission_rounds, missions)
    with op.batch_alter_table("round_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_checks_lao_id"))
    op.drop_table("round_checks")
    with op.batch_alter_table("round_province_deadlines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_province_deadlines_round_id"))
    op.drop_table("round_province_deadlines")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rounds_fiscal_year"))
    op.drop_table("rounds")
