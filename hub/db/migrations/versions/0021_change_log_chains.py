"""The change log in chains: one per LAO, and the global chain (hub/services/audit.py)

Every existing entry stays where it is: in the global chain (`chain` ''), at `seq` = its id,
hashed in the first format (`hash_format` 1), so it verifies exactly as before. `xid` is the
writing transaction's id on PostgreSQL (0 for the entries before, and always on SQLite, whose
single writer commits entries in id order): the changes feeds page by (xid, id) below the
oldest running transaction, so an entry committed late under a lower id is never skipped.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.String(24), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("hash_format", sa.SmallInteger(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("xid", sa.BigInteger(), nullable=False, server_default="0"))
    op.execute("UPDATE change_log SET seq = id")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index("ix_change_log_chain_seq", ["chain", "seq"], unique=True)
        batch_op.create_index("ix_change_log_entity_xid_id", ["entity", "xid", "id"], unique=False)
        batch_op.create_index("ix_change_log_xid_id", ["xid", "id"], unique=False)
        batch_op.drop_index("ix_change_log_entity_id")
    if op.get_bind().dialect.name == "postgresql":
        # The writing transaction's id, 64-bit (it never wraps), set by the database itself.
        op.execute(
            "ALTER TABLE change_log ALTER COLUMN xid SET DEFAULT (pg_current_xact_id()::text::bigint)"
        )
        # Entry ids now come from the sequence (they were written explicitly before).
        op.execute(
            "SELECT setval(pg_get_serial_sequence('change_log', 'id'), "
            "COALESCE((SELECT MAX(id) FROM change_log), 0) + 1, false)"
        )


def downgrade() -> None:
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index("ix_change_log_entity_id", ["entity", "id"], unique=False)
        batch_op.drop_index("ix_change_log_xid_id")
        batch_op.drop_index("ix_change_log_entity_xid_id")
        batch_op.drop_index("ix_change_log_chain_seq")
        batch_op.drop_column("xid")
        batch_op.drop_column("hash_format")
        batch_op.drop_column("seq")
        batch_op.drop_column("chain")
