"""The read audit of personal data (hub/db/models/read_audit.py)

Revision ID: 0020
Revises: 0012
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# As hub/services/read_audit.py and hub/services/audit.py name them (a migration keeps its own
# copy: it must not change when the code does).
HEAD_KEY = "personal_read_log_head"
GENESIS = "0" * 64
ROLES = (
    "LAO_RECORDER",
    "LAO_VERIFIER",
    "LAO_ADMIN",
    "DISTRICT_OFFICER",
    "PROVINCE_OFFICER",
    "DLA_ADMIN",
    "LPA_ASSESSOR",
)


def upgrade() -> None:
    op.create_table(
        "personal_data_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_client_id", sa.Integer(), nullable=True),
        sa.Column(
            "actor_role",
            sa.Enum(*ROLES, name="role", native_enum=False, create_constraint=True, length=16),
            nullable=True,
        ),
        sa.Column("actor_subject", sa.String(length=255), nullable=True),
        sa.Column("actor_issuer", sa.String(length=255), nullable=True),
        sa.Column("reader", sa.String(length=255), nullable=True),
        sa.Column("reader_kind", sa.String(length=10), nullable=False),
        sa.Column("lao_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=True),
        sa.Column("calling_officer", sa.String(length=255), nullable=True),
        sa.Column("operation", sa.String(length=255), nullable=True),
        sa.Column("request_id", sa.String(length=100), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_client_id"],
            ["api_clients.id"],
            name=op.f("fk_personal_data_reads_actor_client_id_api_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_personal_data_reads_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["lao_id"], ["laos.id"], name=op.f("fk_personal_data_reads_lao_id_laos")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_reads")),
        sa.UniqueConstraint("hash", name=op.f("uq_personal_data_reads_hash")),
    )
    with op.batch_alter_table("personal_data_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_personal_data_reads_lao_id"), ["lao_id"], unique=False)
    # The chain's head, at its start: every append then reads and moves it, the same
    # statements every time (`hub.services.read_audit`).
    op.execute(f"INSERT INTO hub_meta (key, value) VALUES ('{HEAD_KEY}', '0 {GENESIS}')")


def downgrade() -> None:
    with op.batch_alter_table("personal_data_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_personal_data_reads_lao_id"))
    op.drop_table("personal_data_reads")
    op.execute(f"DELETE FROM hub_meta WHERE key = '{HEAD_KEY}'")
