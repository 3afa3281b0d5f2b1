"""The console's uploaded record-table files awaiting confirmation (hub/db/models/console.py)

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_uploads",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("lao_code", sa.String(length=16), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["console_sessions.id"],
            name=op.f("fk_console_uploads_session_id_console_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_uploads")),
    )
    with op.batch_alter_table("console_uploads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_console_uploads_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_console_uploads_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("console_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_uploads_session_id"))
        batch_op.drop_index(batch_op.f("ix_console_uploads_expires_at"))
    op.drop_table("console_uploads")
