"""The change log names external actors; authorization codes know the sign-in they start

`change_log.actor_subject` / `actor_issuer` name a person or system of an external identity
provider (who has no users / api_clients row); `oauth_authorization_codes.family_id` is the
refresh-token family an exchange of the code starts, revoked when the code is used again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("change_log") as batch:
        batch.add_column(sa.Column("actor_subject", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("actor_issuer", sa.String(length=255), nullable=True))
    with op.batch_alter_table("oauth_authorization_codes") as batch:
        batch.add_column(sa.Column("family_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oauth_authorization_codes") as batch:
        batch.drop_column("family_id")
    with op.batch_alter_table("change_log") as batch:
        batch.drop_column("actor_issuer")
        batch.drop_column("actor_subject")
