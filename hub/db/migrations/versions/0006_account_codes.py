"""One-time activation and reset codes of people's accounts; an index for one entity's history

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Accounts are issued down the chain with a one-time code (stored as its SHA-256) with which
the person sets their own password. The change log gains an index on (entity, entity_id),
so one account's history is read without scanning the log.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "ACTIVATION",
                "RESET",
                name="account_code_purpose",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_by_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "issued_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by_user_id"],
            ["users.id"],
            name=op.f("fk_account_codes_issued_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_account_codes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_account_codes_code_hash")),
    )
    with op.batch_alter_table("account_codes") as batch:
        batch.create_index(batch.f("ix_account_codes_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("change_log") as batch:
        batch.create_index("ix_change_log_entity_entity_id", ["entity", "entity_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("change_log") as batch:
        batch.drop_index("ix_change_log_entity_entity_id")
    with op.batch_alter_table("account_codes") as batch:
        batch.drop_index(batch.f("ix_account_codes_user_id"))
    op.drop_table("account_codes")
