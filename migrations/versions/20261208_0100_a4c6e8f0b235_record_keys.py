"""Record keys: beside each count of a rollup, the sum of the record keys of what it counts (``analytics.record_keys``),
from which ``analytics.disclosure`` perturbs every number an official sees.

The rollups are emptied and their refresh records removed, so the next refresh (the queue runs one every few
minutes) or ``flask analytics rebuild`` counts them again from the events, keys included.

Revision ID: a4c6e8f0b235
Revises: f3b9d5e0a124
Create Date: 2026-12-08 01:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a4c6e8f0b235"
down_revision = "f3b9d5e0a124"
branch_labels = None
depends_on = None

#: Each rollup's counts that get a record-key sum.
KEYED = {
    "analytics_course_weeks": (
        "enrolments",
        "learners_active",
        "lessons_completed",
        "attempts",
        "passes",
        "completions",
    ),
    "analytics_school_weeks": ("learners_active",),
    "analytics_district_weeks": ("enrolments", "lessons_completed", "attempts", "passes", "completions"),
    "analytics_district_months": (
        "enrolments",
        "lessons_completed",
        "attempts",
        "passes",
        "completions",
        "certificates_issued",
        "certificates_revoked",
    ),
    "analytics_assignments": ("attempts", "passes"),
    "analytics_module_reach": ("learners",),
    "analytics_grades": ("certificates",),
    "analytics_at_risk": ("learners",),
    "analytics_school_people": ("students", "students_enrolled", "teachers", "teachers_trained"),
}


def _forget_every_rollup() -> None:
    for table in KEYED:
        op.execute(sa.table(table).delete())
    op.execute(sa.table("analytics_refreshes").delete())


def upgrade() -> None:
    _forget_every_rollup()
    for table, counts in KEYED.items():
        with op.batch_alter_table(table) as batch:
            for count in counts:
                batch.add_column(sa.Column(f"{count}_key", sa.BigInteger(), nullable=False))


def downgrade() -> None:
    _forget_every_rollup()
    for table, counts in KEYED.items():
        with op.batch_alter_table(table) as batch:
            for count in counts:
                batch.drop_column(f"{count}_key")
