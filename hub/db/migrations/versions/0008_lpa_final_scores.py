"""LPA final scores: the assessor role, versioned final scores with their history

The role `LPA_ASSESSOR` joins every column holding a role (their CHECK constraints).
`lpa_assessments` (one final score per LAO-year and LPA year, unused until now) gains its
evidence reference, version, the rubric version it was given under and the assessor's name,
and no longer requires a rubric row of its own LPA year (a rubric stays in force until a
later one is published; the built-in 2564 form has no row). Each version is kept in
`lpa_assessment_revisions`. Rubric rows written by earlier demo loads, whose levels named
rules the hub does not know, are rewritten as the 2564 form.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD_ROLES = (
    "LAO_RECORDER",
    "LAO_VERIFIER",
    "LAO_ADMIN",
    "DISTRICT_OFFICER",
    "PROVINCE_OFFICER",
    "DLA_ADMIN",
)
NEW_ROLES = (*OLD_ROLES, "LPA_ASSESSOR")
# (table, column, nullable) of every column holding a role
ROLE_COLUMNS = (
    ("role_assignments", "role", False),
    ("change_log", "actor_role", True),
    ("certification_events", "actor_role", True),
    ("lao_mission_events", "actor_role", True),
)

# The 2564 form as `hub.rules.lpa.rubric_to_json(DEFAULT_RUBRIC_2564)` wrote it on this date
# (a migration never imports the code it migrates for).
RUBRIC_2564 = [
    {
        "rule": "COMPLETE_LAO_AND_PROVINCE_CERTIFIED",
        "score": 5,
        "th": "บันทึกข้อมูลครบทั้ง 8 ด้าน ถูกต้องและเป็นปัจจุบัน ณ วันตรวจประเมิน และ อปท. และจังหวัดรับรองข้อมูลแล้ว",
        "en": "All 8 domains recorded correctly and current as of the inspection date,"
        " certified by the LAO and the province",
    },
    {
        "rule": "COMPLETE_LAO_CERTIFIED",
        "score": 3,
        "th": "บันทึกข้อมูลครบทั้ง 8 ด้าน ถูกต้องและเป็นปัจจุบัน ณ วันตรวจประเมิน"
        " และ อปท. รับรองข้อมูลแล้ว แต่จังหวัดยังไม่รับรอง",
        "en": "All 8 domains recorded correctly and current as of the inspection date,"
        " certified by the LAO only",
    },
    {
        "rule": "COMPLETE_NOT_CERTIFIED",
        "score": 1,
        "th": "บันทึกข้อมูลครบทั้ง 8 ด้าน แต่ อปท. ยังไม่รับรองข้อมูล"
        " (เกณฑ์ไม่ได้กำหนดกรณีนี้ ให้คะแนนเท่ากับบันทึกข้อมูลแต่ยังไม่รับรอง)",
        "en": "All 8 domains recorded but not certified by the LAO"
        " (the rubric is silent; scored as recorded but not certified)",
    },
    {
        "rule": "RECORDED_NOT_CERTIFIED",
        "score": 1,
        "th": "บันทึกข้อมูลไม่ครบถ้วน และ อปท. ยังไม่รับรองข้อมูล",
        "en": "Data recorded incompletely and not certified by the LAO",
    },
    {
        "rule": "NOTHING_RECORDED",
        "score": 0,
        "th": "ไม่สามารถบันทึกข้อมูลทั้ง 8 ด้านได้ (ไม่มีข้อมูลที่ อปท. บันทึก)",
        "en": "Could not record the 8 domains (nothing recorded by the LAO)",
    },
]


def _role(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="role", native_enum=False, create_constraint=True, length=16)


def _roles(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    for table, column, nullable in ROLE_COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=_role(new), existing_type=_role(old), existing_nullable=nullable
            )


def upgrade() -> None:
    _roles(OLD_ROLES, NEW_ROLES)
    with op.batch_alter_table("lpa_assessments") as batch:
        batch.drop_constraint("fk_lpa_assessments_lpa_year_be_lpa_rubrics", type_="foreignkey")
        batch.add_column(sa.Column("evidence", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(
            sa.Column("rubric_year_be", sa.Integer(), server_default="2564", nullable=False)
        )
        batch.add_column(sa.Column("assessor_name", sa.String(length=255), nullable=True))
    op.create_table(
        "lpa_assessment_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("rubric_year_be", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("assessed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("assessor_name", sa.String(length=255), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessed_by_user_id"],
            ["users.id"],
            name=op.f("fk_lpa_assessment_revisions_assessed_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["lpa_assessments.id"],
            name=op.f("fk_lpa_assessment_revisions_assessment_id_lpa_assessments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lpa_assessment_revisions")),
        sa.UniqueConstraint(
            "assessment_id", "version", name=op.f("uq_lpa_assessment_revisions_assessment_id")
        ),
    )
    with op.batch_alter_table("lpa_assessment_revisions") as batch:
        batch.create_index(
            "ix_lpa_assessment_revisions_assessment_at", ["assessment_id", "assessed_at"]
        )
    rubrics = sa.table("lpa_rubrics", sa.column("levels_json", sa.Text()))
    op.execute(
        rubrics.update()
        .where(rubrics.c.levels_json.contains('"INCOMPLETE_NOT_CERTIFIED"'))
        .values(levels_json=json.dumps(RUBRIC_2564, ensure_ascii=False))
    )


def downgrade() -> None:
    bind = op.get_bind()
    logged = bind.execute(
        sa.text("SELECT count(*) FROM change_log WHERE actor_role = 'LPA_ASSESSOR'")
    ).scalar_one()
    if logged:
        raise RuntimeError(
            f"the change log holds {logged} entries by LPA assessors: the role cannot be "
            "removed without breaking its hash chain"
        )
    for table, column, _ in ROLE_COLUMNS:
        op.execute(sa.text(f"DELETE FROM {table} WHERE {column} = 'LPA_ASSESSOR'"))
    with op.batch_alter_table("lpa_assessment_revisions") as batch:
        batch.drop_index("ix_lpa_assessment_revisions_assessment_at")
    op.drop_table("lpa_assessment_revisions")
    # Final scores of an LPA year without its own rubric row cannot stay under the old key.
    op.execute(
        sa.text(
            "DELETE FROM lpa_assessments WHERE lpa_year_be NOT IN (SELECT lpa_year_be FROM lpa_rubrics)"
        )
    )
    with op.batch_alter_table("lpa_assessments") as batch:
        batch.drop_column("assessor_name")
        batch.drop_column("rubric_year_be")
        batch.drop_column("version")
        batch.drop_column("evidence")
        batch.create_foreign_key(
            "fk_lpa_assessments_lpa_year_be_lpa_rubrics",
            "lpa_rubrics",
            ["lpa_year_be"],
            ["lpa_year_be"],
        )
    _roles(NEW_ROLES, OLD_ROLES)
