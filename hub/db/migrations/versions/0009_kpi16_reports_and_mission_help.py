"""KPI-16 reports up the chain, mission help requests, catalogue edits and mission figures

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

New tables: `kpi16_reports` (a district's or province's report for a round, a snapshot of
its figures), `mission_help_requests` and `mission_help_messages` (an LAO's help thread).
New columns: `missions.version` and `retired_reason` (DLA edits and retires catalogue
missions), `lao_missions.asset_value_baht` (what came with a mission, summed by the budget
roll-ups), `lao_mission_events.changes_json` (what an update changed). An index on
`water_supply_systems.dla_reference_code`: KPI-16 lists find a reference's records by it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi16_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "DISTRICT",
                "PROVINCE",
                name="kpi16_report_level",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_user_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_subject", sa.String(length=300), nullable=True),
        sa.Column(
            "actor_role",
            sa.Enum(
                "LAO_RECORDER",
                "LAO_VERIFIER",
                "LAO_ADMIN",
                "DISTRICT_OFFICER",
                "PROVINCE_OFFICER",
                "DLA_ADMIN",
                name="role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("reference_systems", sa.Integer(), nullable=False),
        sa.Column("recorded", sa.Integer(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column(
            "target_percent", sa.Numeric(precision=5, scale=2, asdecimal=False), nullable=False
        ),
        sa.Column("districts_expected", sa.Integer(), nullable=True),
        sa.Column("districts_reported", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_kpi16_reports_district_id_districts")
        ),
        sa.ForeignKeyConstraint(
            ["province_id"], ["provinces.id"], name=op.f("fk_kpi16_reports_province_id_provinces")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["kpi16_rounds.id"], name=op.f("fk_kpi16_reports_round_id_kpi16_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_user_id"],
            ["users.id"],
            name=op.f("fk_kpi16_reports_submitted_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi16_reports")),
        sa.UniqueConstraint("round_id", "level", "area_id", name=op.f("uq_kpi16_reports_round_id")),
    )
    with op.batch_alter_table("kpi16_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kpi16_reports_province_id"), ["province_id"], unique=False
        )

    op.create_table(
        "mission_help_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lao_id", sa.Integer(), nullable=False),
        sa.Column("lao_mission_id", sa.Integer(), nullable=True),
        sa.Column("mission_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "OPEN",
                "ANSWERED",
                "ESCALATED",
                "CLOSED",
                name="mission_help_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lao_id"], ["laos.id"], name=op.f("fk_mission_help_requests_lao_id_laos")
        ),
        sa.ForeignKeyConstraint(
            ["lao_mission_id"],
            ["lao_missions.id"],
            name=op.f("fk_mission_help_requests_lao_mission_id_lao_missions"),
        ),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["missions.id"],
            name=op.f("fk_mission_help_requests_mission_id_missions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mission_help_requests")),
    )
    with op.batch_alter_table("mission_help_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mission_help_requests_lao_id"), ["lao_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mission_help_requests_lao_mission_id"), ["lao_mission_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mission_help_requests_status"), ["status"], unique=False
        )

    op.create_table(
        "mission_help_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "ASK",
                "ANSWER",
                "ESCALATE",
                "REPLY",
                "CLOSE",
                name="mission_help_action",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "party",
            sa.Enum(
                "LAO",
                "PROVINCE",
                "DLA",
                name="mission_help_party",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("author_subject", sa.String(length=300), nullable=True),
        sa.Column(
            "author_role",
            sa.Enum(
                "LAO_RECORDER",
                "LAO_VERIFIER",
                "LAO_ADMIN",
                "DISTRICT_OFFICER",
                "PROVINCE_OFFICER",
                "DLA_ADMIN",
                name="role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["users.id"],
            name=op.f("fk_mission_help_messages_author_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["mission_help_requests.id"],
            name=op.f("fk_mission_help_messages_request_id_mission_help_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mission_help_messages")),
    )
    with op.batch_alter_table("mission_help_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mission_help_messages_request_id"), ["request_id"], unique=False
        )

    with op.batch_alter_table("lao_mission_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("changes_json", sa.Text(), nullable=True))

    with op.batch_alter_table("lao_missions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "asset_value_baht",
                sa.Numeric(precision=16, scale=2, asdecimal=False),
                nullable=True,
            )
        )

    with op.batch_alter_table("missions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("water_supply_systems", schema=None) as batch_op:
        batch_op.create_index(
            "ix_water_supply_systems_dla_reference_code", ["dla_reference_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("water_supply_systems", schema=None) as batch_op:
        batch_op.drop_index("ix_water_supply_systems_dla_reference_code")

    with op.batch_alter_table("missions", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("retired_reason")

    with op.batch_alter_table("lao_missions", schema=None) as batch_op:
        batch_op.drop_column("asset_value_baht")

    with op.batch_alter_table("lao_mission_events", schema=None) as batch_op:
        batch_op.drop_column("changes_json")

    with op.batch_alter_table("mission_help_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mission_help_messages_request_id"))

    op.drop_table("mission_help_messages")
    with op.batch_alter_table("mission_help_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mission_help_requests_status"))
        batch_op.drop_index(batch_op.f("ix_mission_help_requests_lao_mission_id"))
        batch_op.drop_index(batch_op.f("ix_mission_help_requests_lao_id"))

    op.drop_table("mission_help_requests")
    with op.batch_alter_table("kpi16_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi16_reports_province_id"))

    op.drop_table("kpi16_reports")
