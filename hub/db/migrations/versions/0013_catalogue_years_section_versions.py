"""The catalogue per fiscal year and per-section versions (issue 14 §1 and §5)

- every domain section table gets its own `version` (a save conflicts only with a change of
  the same section; existing rows start at 1);
- `domain1_health_environment.households_sorting_waste`: a field the FY 2571 form adds;
- `fiscal_years.catalogue_shape`: CURRENT, or PRE_2020 for a historical year;
- `historical_sections`: a historical LAO-year's domains in the pre-2020 shape, as imported.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SECTION_TABLES = (
    "domain1_health_environment",
    "domain2_innovation_education",
    "domain3_public_disasters",
    "domain4_infrastructure",
    "domain5_water_management",
    "domain6_governance",
    "domain7_social_culture",
    "domain8_economy_tourism",
)


def upgrade() -> None:
    op.create_table(
        "historical_sections",
        sa.Column("lao_year_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("domain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("values_json", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lao_year_id"],
            ["lao_years.id"],
            name=op.f("fk_historical_sections_lao_year_id_lao_years"),
        ),
        sa.PrimaryKeyConstraint("lao_year_id", "domain", name=op.f("pk_historical_sections")),
    )
    for table in SECTION_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "domain1_health_environment":
                batch_op.add_column(
                    sa.Column(
                        "households_sorting_waste",
                        sa.Integer(),
                        nullable=True,
                        comment="ครัวเรือนที่คัดแยกขยะต้นทาง",
                    )
                )
            batch_op.add_column(
                sa.Column("version", sa.Integer(), server_default="1", nullable=False)
            )
    with op.batch_alter_table("fiscal_years", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "catalogue_shape", sa.String(length=16), server_default="CURRENT", nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("fiscal_years", schema=None) as batch_op:
        batch_op.drop_column("catalogue_shape")
    for table in reversed(SECTION_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
            if table == "domain1_health_environment":
                batch_op.drop_column("households_sorting_waste")
    op.drop_table("historical_sections")
