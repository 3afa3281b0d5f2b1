"""Values pulled from other DLA systems: their batches and each value's source (hub/db/models/pulled.py)

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pulled_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=32), nullable=False),
        sa.Column("batch", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("values_count", sa.Integer(), nullable=False),
        sa.Column("changed_count", sa.Integer(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_client_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=255), nullable=True),
        sa.Column("log_entry_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_client_id"],
            ["api_clients.id"],
            name=op.f("fk_pulled_batches_actor_client_id_api_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_pulled_batches_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["log_entry_id"],
            ["change_log.id"],
            name=op.f("fk_pulled_batches_log_entry_id_change_log"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulled_batches")),
        sa.UniqueConstraint("source_system", "batch", name=op.f("uq_pulled_batches_source_system")),
    )
    op.create_table(
        "pulled_values",
        sa.Column("lao_year_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("source_system", sa.String(length=32), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["pulled_batches.id"],
            name=op.f("fk_pulled_values_batch_id_pulled_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["lao_year_id"], ["lao_years.id"], name=op.f("fk_pulled_values_lao_year_id_lao_years")
        ),
        sa.PrimaryKeyConstraint("lao_year_id", "field", name=op.f("pk_pulled_values")),
    )
    with op.batch_alter_table("pulled_values", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pulled_values_batch_id"), ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pulled_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pulled_values_batch_id"))

    op.drop_table("pulled_values")
    op.drop_table("pulled_batches")
