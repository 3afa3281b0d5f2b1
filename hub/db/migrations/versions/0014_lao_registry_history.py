"""The LAO registry as dated history: name periods and mergers (hub/db/models/organisations.py)

Code and type periods exist since 0001 (`lao_codes`, `lao_type_periods`); DLA's registry
changes (`hub.services.lao_registry`) add an LAO's dated names and its merger into another.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lao_mergers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lao_id", sa.Integer(), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(["lao_id"], ["laos.id"], name=op.f("fk_lao_mergers_lao_id_laos")),
        sa.ForeignKeyConstraint(
            ["successor_id"], ["laos.id"], name=op.f("fk_lao_mergers_successor_id_laos")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lao_mergers")),
        sa.UniqueConstraint("lao_id", name=op.f("uq_lao_mergers_lao_id")),
    )
    with op.batch_alter_table("lao_mergers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lao_mergers_successor_id"), ["successor_id"], unique=False
        )

    op.create_table(
        "lao_name_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lao_id", sa.Integer(), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lao_id"], ["laos.id"], name=op.f("fk_lao_name_periods_lao_id_laos")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lao_name_periods")),
    )
    with op.batch_alter_table("lao_name_periods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lao_name_periods_lao_id"), ["lao_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lao_name_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lao_name_periods_lao_id"))
    op.drop_table("lao_name_periods")
    with op.batch_alter_table("lao_mergers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lao_mergers_successor_id"))
    op.drop_table("lao_mergers")
