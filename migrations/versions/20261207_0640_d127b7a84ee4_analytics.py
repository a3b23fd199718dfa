"""Analytics: school headcounts, programme targets, the rollup tables and their refresh record; learning
events indexed by time and by learner and time (the refresh reads new events by window).

Revision ID: d127b7a84ee4
Revises: 9f4a5b6c7d8e
Create Date: 2026-12-07 06:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d127b7a84ee4"
down_revision = "9f4a5b6c7d8e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_assignments",
        sa.Column("assignment_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("region_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("district_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("passes", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", "region_id", "district_id", name=op.f("pk_analytics_assignments")),
    )
    with op.batch_alter_table("analytics_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analytics_assignments_course_id"), ["course_id"], unique=False)

    op.create_table(
        "analytics_at_risk",
        sa.Column("course_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("school_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("learners", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "school_id", name=op.f("pk_analytics_at_risk")),
    )
    with op.batch_alter_table("analytics_at_risk", schema=None) as batch_op:
        batch_op.create_index("ix_analytics_at_risk_district", ["region_id", "district_id"], unique=False)

    op.create_table(
        "analytics_course_weeks",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("school_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("course_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("enrolments", sa.BigInteger(), nullable=False),
        sa.Column("learners_active", sa.BigInteger(), nullable=False),
        sa.Column("lessons_completed", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("passes", sa.BigInteger(), nullable=False),
        sa.Column("completions", sa.BigInteger(), nullable=False),
        sa.Column("completion_seconds", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("week", "school_id", "course_id", name=op.f("pk_analytics_course_weeks")),
    )
    with op.batch_alter_table("analytics_course_weeks", schema=None) as batch_op:
        batch_op.create_index("ix_analytics_course_weeks_course", ["course_id", "week"], unique=False)
        batch_op.create_index("ix_analytics_course_weeks_district", ["district_id", "week"], unique=False)

    op.create_table(
        "analytics_district_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("district_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("course_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("enrolments", sa.BigInteger(), nullable=False),
        sa.Column("lessons_completed", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("passes", sa.BigInteger(), nullable=False),
        sa.Column("completions", sa.BigInteger(), nullable=False),
        sa.Column("completion_seconds", sa.BigInteger(), nullable=False),
        sa.Column("certificates_issued", sa.BigInteger(), nullable=False),
        sa.Column("certificates_revoked", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "region_id", "district_id", "course_id", name=op.f("pk_analytics_district_months")
        ),
    )
    with op.batch_alter_table("analytics_district_months", schema=None) as batch_op:
        batch_op.create_index("ix_analytics_district_months_region", ["region_id", "month"], unique=False)

    op.create_table(
        "analytics_grades",
        sa.Column("course_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("region_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("district_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("certificates", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "region_id", "district_id", "bucket", name=op.f("pk_analytics_grades")),
    )
    op.create_table(
        "analytics_module_reach",
        sa.Column("course_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("module_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("region_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("district_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("learners", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "course_id", "module_id", "region_id", "district_id", name=op.f("pk_analytics_module_reach")
        ),
    )
    op.create_table(
        "analytics_refreshes",
        sa.Column("rollup", sa.String(length=40), nullable=False),
        sa.Column("data_as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("rows_written", sa.Integer(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("rollup", name=op.f("pk_analytics_refreshes")),
    )
    op.create_table(
        "analytics_region_weeks",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("region_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("course_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("enrolments", sa.BigInteger(), nullable=False),
        sa.Column("lessons_completed", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("passes", sa.BigInteger(), nullable=False),
        sa.Column("completions", sa.BigInteger(), nullable=False),
        sa.Column("completion_seconds", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("week", "region_id", "course_id", name=op.f("pk_analytics_region_weeks")),
    )
    op.create_table(
        "analytics_school_weeks",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("school_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("learners_active", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("week", "school_id", name=op.f("pk_analytics_school_weeks")),
    )
    with op.batch_alter_table("analytics_school_weeks", schema=None) as batch_op:
        batch_op.create_index("ix_analytics_school_weeks_district", ["district_id", "week"], unique=False)
        batch_op.create_index(batch_op.f("ix_analytics_school_weeks_region_id"), ["region_id"], unique=False)

    op.create_table(
        "analytics_school_people",
        sa.Column("school_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("students", sa.BigInteger(), nullable=False),
        sa.Column("students_enrolled", sa.BigInteger(), nullable=False),
        sa.Column("teachers", sa.BigInteger(), nullable=False),
        sa.Column("teachers_trained", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_analytics_school_people")),
    )
    with op.batch_alter_table("analytics_school_people", schema=None) as batch_op:
        batch_op.create_index("ix_analytics_school_people_district", ["region_id", "district_id"], unique=False)

    op.create_table(
        "headcounts",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("students_by_grade", sa.JSON(), nullable=False),
        sa.Column("students", sa.Integer(), nullable=False),
        sa.Column("teachers", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_headcounts_school_id_schools"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("school_id", "school_year", name=op.f("pk_headcounts")),
    )
    op.create_table(
        "programme_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "indicator",
            sa.Enum(
                "certificates_issued",
                "teachers_trained",
                "advanced_learners",
                "projects",
                name="indicator",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_programme_targets_region_id_regions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["users.id"], name=op.f("fk_programme_targets_set_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_targets")),
        sa.UniqueConstraint(
            "indicator", "region_id", "year", name=op.f("uq_programme_targets_indicator_region_id_year")
        ),
    )
    with op.batch_alter_table("programme_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_targets_region_id"), ["region_id"], unique=False)

    with op.batch_alter_table("learning_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_events_actor"))
        batch_op.create_index("ix_learning_events_actor_timestamp", ["actor", "timestamp"], unique=False)
        batch_op.create_index("ix_learning_events_timestamp", ["timestamp"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("learning_events", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_events_timestamp")
        batch_op.drop_index("ix_learning_events_actor_timestamp")
        batch_op.create_index(batch_op.f("ix_learning_events_actor"), ["actor"], unique=False)

    with op.batch_alter_table("programme_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_targets_region_id"))

    op.drop_table("programme_targets")
    op.drop_table("headcounts")
    with op.batch_alter_table("analytics_school_people", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_school_people_district")

    op.drop_table("analytics_school_people")
    with op.batch_alter_table("analytics_school_weeks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_school_weeks_region_id"))
        batch_op.drop_index("ix_analytics_school_weeks_district")

    op.drop_table("analytics_school_weeks")
    op.drop_table("analytics_region_weeks")
    op.drop_table("analytics_refreshes")
    op.drop_table("analytics_module_reach")
    op.drop_table("analytics_grades")
    with op.batch_alter_table("analytics_district_months", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_district_months_region")

    op.drop_table("analytics_district_months")
    with op.batch_alter_table("analytics_course_weeks", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_course_weeks_district")
        batch_op.drop_index("ix_analytics_course_weeks_course")

    op.drop_table("analytics_course_weeks")
    with op.batch_alter_table("analytics_at_risk", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_at_risk_district")

    op.drop_table("analytics_at_risk")
    with op.batch_alter_table("analytics_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_assignments_course_id"))

    op.drop_table("analytics_assignments")
