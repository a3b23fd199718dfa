"""Code regrades: attempts whose grade changed when their code was graded again by a newer grader.

Revision ID: 5c1e2d3f4a6b
Revises: 83cfb4dea6eb
Create Date: 2026-12-07 05:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c1e2d3f4a6b"
down_revision = "83cfb4dea6eb"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "code_regrades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("grader", sa.String(length=64), nullable=False),
        sa.Column("old_score", sa.Double(), nullable=False),
        sa.Column("new_score", sa.Double(), nullable=False),
        sa.Column("max_score", sa.Double(), nullable=False),
        sa.Column("old_passed", sa.Boolean(), nullable=False),
        sa.Column("new_passed", sa.Boolean(), nullable=False),
        sa.Column("regraded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], name=op.f("fk_code_regrades_attempt_id_attempts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_regrades")),
    )
    with op.batch_alter_table("code_regrades", schema=None) as batch_op:
        batch_op.create_index("ix_code_regrades_attempt_id", ["attempt_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("code_regrades", schema=None) as batch_op:
        batch_op.drop_index("ix_code_regrades_attempt_id")
    op.drop_table("code_regrades")
