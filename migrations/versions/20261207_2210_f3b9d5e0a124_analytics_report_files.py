"""Progress reports made by the queue and kept for the official who asked for them.

Revision ID: f3b9d5e0a124
Revises: e2a8c4d9f013
Create Date: 2026-12-07 22:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3b9d5e0a124"
down_revision = "e2a8c4d9f013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_report_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("progress_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data_as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_analytics_report_files_course_id_courses"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_analytics_report_files_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["progress_id"],
            ["task_progress.id"],
            name=op.f("fk_analytics_report_files_progress_id_task_progress"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_analytics_report_files_region_id_regions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_report_files")),
        sa.UniqueConstraint("progress_id", name=op.f("uq_analytics_report_files_progress_id")),
    )
    op.create_index("ix_analytics_report_files_owner", "analytics_report_files", ["owner_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_analytics_report_files_owner", table_name="analytics_report_files")
    op.drop_table("analytics_report_files")
