"""Monthly activity and certificates per school and course: what a district's schools and the filters by school
kind, settlement and language of instruction are counted from (``analytics_district_months`` holds the same per
district, for the nation's and regions' pages).

The table is a rollup: it is created empty and the rollups' refresh records removed, so the next refresh (the
queue runs one every few minutes) or ``flask analytics rebuild`` counts every rollup again from the events.

Revision ID: b5d7f9a1c346
Revises: a4c6e8f0b235
Create Date: 2026-12-08 01:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b5d7f9a1c346"
down_revision = "a4c6e8f0b235"
branch_labels = None
depends_on = None

COUNTS = (
    "enrolments",
    "lessons_completed",
    "attempts",
    "passes",
    "completions",
    "completion_seconds",
    "certificates_issued",
    "certificates_revoked",
)
KEYED = ("enrolments", "lessons_completed", "attempts", "passes", "completions", "certificates_issued",
         "certificates_revoked")  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "analytics_school_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("school_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("course_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        *(sa.Column(count, sa.BigInteger(), nullable=False) for count in COUNTS),
        *(sa.Column(f"{count}_key", sa.BigInteger(), nullable=False) for count in KEYED),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", "school_id", "course_id", name=op.f("pk_analytics_school_months")),
    )
    op.create_index(
        "ix_analytics_school_months_district", "analytics_school_months", ["region_id", "district_id", "month"]
    )
    op.execute(sa.table("analytics_refreshes").delete())


def downgrade() -> None:
    op.drop_index("ix_analytics_school_months_district", table_name="analytics_school_months")
    op.drop_table("analytics_school_months")
    op.execute(sa.table("analytics_refreshes").delete())
