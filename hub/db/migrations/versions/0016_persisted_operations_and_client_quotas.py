"""Persisted operations, the automatic-persisted-queries cache, and each client's API policy
(allow-list mode, quota overrides) (hub/db/models/operations.py, hub/db/models/oauth.py)

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apq_documents",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_apq_documents")),
    )
    with op.batch_alter_table("apq_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_apq_documents_registered_at"), ["registered_at"], unique=False
        )
    op.create_table(
        "persisted_operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persisted_operations")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_persisted_operations_name")),
        sa.UniqueConstraint("sha256", name=op.f("uq_persisted_operations_sha256")),
    )
    with op.batch_alter_table("oauth_client_registrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("operations_only", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("rate_limit", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("daily_quota", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oauth_client_registrations", schema=None) as batch_op:
        batch_op.drop_column("daily_quota")
        batch_op.drop_column("rate_limit")
        batch_op.drop_column("operations_only")
    op.drop_table("persisted_operations")
    with op.batch_alter_table("apq_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apq_documents_registered_at"))
    op.drop_table("apq_documents")
