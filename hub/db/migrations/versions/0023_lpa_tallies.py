"""The LPA rules counted per area over time (hub/db/lpa_tallies.py)

`lpa_tallies` (appended) and `lpa_tallies_now` (the latest of each) are filled here by
replaying every LAO-year's certification and completeness history, as `hub db` does for a
bulk load (`hub.db.lpa_tallies.replay` over `hub.rules.lpa.rule_timeline`); from now on the
writers of that history keep them.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("laos", sa.Integer(), nullable=False),
    ]


def _keys(table: str) -> list[sa.Constraint]:
    return [
        sa.ForeignKeyConstraint(
            ["fiscal_year"],
            ["fiscal_years.year_be"],
            name=op.f(f"fk_{table}_fiscal_year_fiscal_years"),
        ),
        sa.ForeignKeyConstraint(
            ["province_id"], ["provinces.id"], name=op.f(f"fk_{table}_province_id_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    tallies = op.create_table("lpa_tallies", *_columns(), *_keys("lpa_tallies"))
    now = op.create_table(
        "lpa_tallies_now",
        *_columns(),
        *_keys("lpa_tallies_now"),
        sa.UniqueConstraint(
            "fiscal_year", "level", "area_id", "rule", name=op.f("uq_lpa_tallies_now_fiscal_year")
        ),
    )
    with op.batch_alter_table("lpa_tallies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lpa_tallies_as_of",
            ["fiscal_year", "level", "area_id", "rule", "at", "id"],
            unique=False,
        )
    _fill(tallies, now)


def _fill(tallies: sa.Table, now: sa.Table) -> None:
    from hub.db.lpa_tallies import Place, now_rows, replay
    from hub.rules import lpa
    from hub.rules.enums import CertificationState

    bind = op.get_bind()
    years = [
        r[0] for r in bind.execute(sa.text("SELECT DISTINCT fiscal_year FROM lao_years")).all()
    ]
    for year in sorted(years):
        places = {
            r[0]: Place(year, r[1], r[2])
            for r in bind.execute(
                sa.text(
                    "SELECT ly.id, l.province_id, l.district_id FROM lao_years ly "
                    "JOIN laos l ON l.id = ly.lao_id WHERE ly.fiscal_year = :y"
                ),
                {"y": year},
            )
        }
        events: dict[int, list[Any]] = defaultdict(list)
        for r in bind.execute(
            sa.text(
                "SELECT e.lao_year_id, e.at, e.to_state FROM certification_events e "
                "JOIN lao_years ly ON ly.id = e.lao_year_id WHERE ly.fiscal_year = :y "
                "ORDER BY e.lao_year_id, e.at, e.id"
            ).columns(at=sa.DateTime(timezone=True)),
            {"y": year},
        ):
            events[r[0]].append((lpa.utc(_moment(r[1])), CertificationState[r[2]]))
        completeness: dict[int, list[Any]] = defaultdict(list)
        for r in bind.execute(
            sa.text(
                "SELECT h.lao_year_id, h.at, h.complete_domains, h.anything_recorded "
                "FROM completeness_history h JOIN lao_years ly ON ly.id = h.lao_year_id "
                "WHERE ly.fiscal_year = :y ORDER BY h.lao_year_id, h.at, h.id"
            ).columns(at=sa.DateTime(timezone=True)),
            {"y": year},
        ):
            completeness[r[0]].append((lpa.utc(_moment(r[1])), int(r[2]), bool(r[3])))
        rows, latest = replay(
            (place, lpa.rule_timeline(events.get(i, []), completeness.get(i, [])))
            for i, place in places.items()
            if i in events or i in completeness
        )
        for start in range(0, len(rows), 5000):
            bind.execute(tallies.insert(), rows[start : start + 5000])
        if latest:
            bind.execute(now.insert(), now_rows(latest))


def _moment(value: Any) -> Any:
    """SQLite hands a stored moment back as text."""
    import datetime as dt

    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def downgrade() -> None:
    with op.batch_alter_table("lpa_tallies", schema=None) as batch_op:
        batch_op.drop_index("ix_lpa_tallies_as_of")
    op.drop_table("lpa_tallies_now")
    op.drop_table("lpa_tallies")
