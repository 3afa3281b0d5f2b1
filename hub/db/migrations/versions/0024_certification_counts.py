"""LAO-years per certification state per area, kept current (hub/db/certification_counts.py)

Filled here from `lao_years` as they stand; from now on the certification service and the
bulk writers keep them.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certification_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(18), nullable=False),
        sa.Column("laos", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fiscal_year"],
            ["fiscal_years.year_be"],
            name=op.f("fk_certification_counts_fiscal_year_fiscal_years"),
        ),
        sa.ForeignKeyConstraint(
            ["province_id"],
            ["provinces.id"],
            name=op.f("fk_certification_counts_province_id_provinces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_counts")),
        sa.UniqueConstraint(
            "fiscal_year",
            "level",
            "area_id",
            "state",
            name=op.f("uq_certification_counts_fiscal_year"),
        ),
    )
    for level, area in (("province", "l.province_id"), ("district", "l.district_id")):
        op.execute(
            "INSERT INTO certification_counts "
            "(fiscal_year, level, area_id, province_id, state, laos) "
            f"SELECT ly.fiscal_year, '{level}', {area}, l.province_id, ly.state, COUNT(*) "
            "FROM lao_years ly JOIN laos l ON l.id = ly.lao_id WHERE ly.state <> 'DRAFT' "
            f"GROUP BY ly.fiscal_year, {area}, l.province_id, ly.state"
        )


def downgrade() -> None:
    op.drop_table("certification_counts")
