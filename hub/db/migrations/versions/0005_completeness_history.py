"""Completeness history of each LAO-year, so an LPA score as of a date uses that date's data

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

Existing LAO-years get one entry with their completeness as it stands, dated when the
LAO-year was created: the best the database knows of their past. "Anything recorded" is
taken as "has a domain section row or a live record" (the exact rule needs the catalogue,
which a migration must not depend on).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SECTIONS = (
    "domain1_health_environment",
    "domain2_innovation_education",
    "domain3_public_disasters",
    "domain4_infrastructure",
    "domain5_water_management",
    "domain6_governance",
    "domain7_social_culture",
    "domain8_economy_tourism",
)
RECORDS = ("water_supply_systems", "tourist_sites")


def upgrade() -> None:
    op.create_table(
        "completeness_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lao_year_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("complete_domains", sa.Integer(), nullable=False),
        sa.Column("anything_recorded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lao_year_id"],
            ["lao_years.id"],
            name=op.f("fk_completeness_history_lao_year_id_lao_years"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_completeness_history")),
    )
    op.create_index(
        "ix_completeness_history_lao_year_at", "completeness_history", ["lao_year_id", "at"]
    )
    recorded = " OR ".join(
        [f"EXISTS (SELECT 1 FROM {t} WHERE {t}.lao_year_id = ly.id)" for t in SECTIONS]
        + [
            f"EXISTS (SELECT 1 FROM {t} WHERE {t}.lao_year_id = ly.id AND {t}.retired_on IS NULL)"
            for t in RECORDS
        ]
    )
    op.execute(
        "INSERT INTO completeness_history (lao_year_id, at, complete_domains, anything_recorded) "
        f"SELECT ly.id, ly.created_at, ly.complete_domains, ({recorded}) FROM lao_years ly "
        f"WHERE ly.complete_domains <> 0 OR {recorded}"
    )


def downgrade() -> None:
    op.drop_index("ix_completeness_history_lao_year_at", table_name="completeness_history")
    op.drop_table("completeness_history")
