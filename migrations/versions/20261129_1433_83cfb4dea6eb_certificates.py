"""Certificates: one per learner and course, with the signed credential and its status-list bit.

Revision ID: 83cfb4dea6eb
Revises: 36eee43badff
Create Date: 2026-11-29 14:33:48.877676

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "83cfb4dea6eb"
down_revision = "36eee43badff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=13), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("course_title", sa.String(length=300), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("valid", "revoked", name="certificatestatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.Column("status_list", sa.Integer(), nullable=True),
        sa.Column("status_index", sa.Integer(), nullable=True),
        sa.Column("credential", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_certificates_course_id_courses")),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"], name=op.f("fk_certificates_revoked_by_id_users")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_certificates_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("serial", name=op.f("uq_certificates_serial")),
        sa.UniqueConstraint("status_list", "status_index", name=op.f("uq_certificates_status_list_status_index")),
        sa.UniqueConstraint("user_id", "course_id", name=op.f("uq_certificates_user_id_course_id")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_user_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_course_id"))

    op.drop_table("certificates")
