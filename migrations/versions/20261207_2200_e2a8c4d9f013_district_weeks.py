"""Weekly activity per district, course and week (was per region): the dashboard shows weeks and months from
cells of the same places, so that no sum of weeks can be set against a sum of months to tell a small group.

The table is a rollup: it is created empty and its refresh record removed, so the next refresh (the queue runs
one every few minutes) or ``flask analytics rebuild`` counts it again from the events.

Revision ID: e2a8c4d9f013
Revises: d127b7a84ee4
Create Date: 2026-12-07 22:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e2a8c4d9f013"
down_revision = "d127b7a84ee4"
branch_labels = None
depends_on = None

MEASURES = ("enrolments", "lessons_completed", "attempts", "passes", "completions", "completion_seconds")


def _weeks(name: str, keys: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column("week", sa.Date(), nullable=False),
        *(sa.Column(key, sa.Integer(), autoincrement=False, nullable=False) for key in keys),
        *(sa.Column(measure, sa.BigInteger(), nullable=False) for measure in MEASURES),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("week", *keys, name=op.f(f"pk_{name}")),
    )


def _forget(rollup: str) -> None:
    refreshes = sa.table("analytics_refreshes", sa.column("rollup", sa.String))
    op.execute(refreshes.delete().where(refreshes.c.rollup == rollup))


def upgrade() -> None:
    op.drop_table("analytics_region_weeks")
    _forget("region_weeks")
    _weeks("analytics_district_weeks", ("region_id", "district_id", "course_id"))


def downgrade() -> None:
    op.drop_table("analytics_district_weeks")
    _forget("district_weeks")
    _weeks("analytics_region_weeks", ("region_id", "course_id"))
