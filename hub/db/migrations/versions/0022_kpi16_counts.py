"""KPI-16 coverage kept current (hub/db/kpi16_counts.py)

Each reference stores its match (`recorded`, `checked`), and `kpi16_counts` counts a round's
references per (province, district; 0 for a reference without an LAO). Both are filled here
from the records as they stand, by the matching rule of `hub.db.kpi16.live_record` as it
reads at this revision; from now on the writers keep them current.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_LIVE = """EXISTS (
    SELECT 1 FROM water_supply_systems w
    JOIN lao_years ly ON ly.id = w.lao_year_id
    JOIN kpi16_rounds r ON r.fiscal_year = ly.fiscal_year
    WHERE r.id = kpi16_references.round_id
      AND w.dla_reference_code = kpi16_references.reference_code
      AND w.retired_on IS NULL{extra}
)"""


def upgrade() -> None:
    with op.batch_alter_table("kpi16_references", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("recorded", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("checked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "kpi16_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("reference_systems", sa.Integer(), nullable=False),
        sa.Column("recorded", sa.Integer(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_id"], ["provinces.id"], name=op.f("fk_kpi16_counts_province_id_provinces")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["kpi16_rounds.id"], name=op.f("fk_kpi16_counts_round_id_kpi16_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi16_counts")),
        sa.UniqueConstraint(
            "round_id",
            "province_id",
            "district_id",
            name=op.f("uq_kpi16_counts_round_id"),
        ),
    )
    op.execute(
        "UPDATE kpi16_references SET recorded = "
        + _LIVE.format(extra="")
        + ", checked = "
        + _LIVE.format(extra="\n      AND w.last_checked_on >= r.opened_on")
    )
    op.execute(
        """INSERT INTO kpi16_counts
               (round_id, province_id, district_id, reference_systems, recorded, checked)
           SELECT k.round_id, k.province_id, COALESCE(l.district_id, 0), COUNT(*),
                  COUNT(CASE WHEN k.recorded THEN 1 END), COUNT(CASE WHEN k.checked THEN 1 END)
           FROM kpi16_references k LEFT JOIN laos l ON l.id = k.lao_id
           GROUP BY k.round_id, k.province_id, COALESCE(l.district_id, 0)"""
    )


def downgrade() -> None:
    op.drop_table("kpi16_counts")
    with op.batch_alter_table("kpi16_references", schema=None) as batch_op:
        batch_op.drop_column("checked")
        batch_op.drop_column("recorded")
