"""Code runs (results reused for identical code) and machine-grading state on attempts.

Revision ID: 36eee43badff
Revises: bd5f5705bba0
Create Date: 2026-11-29 13:52:07.207099

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "36eee43badff"
down_revision = "bd5f5705bba0"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "code_runs",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_code_runs")),
    )
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("machine_pending", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("grading_tries", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("grading_started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_attempts_machine_pending", ["machine_pending"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_attempts_machine_pending")
        batch_op.drop_column("grading_started_at")
        batch_op.drop_column("grading_tries")
        batch_op.drop_column("machine_pending")

    op.drop_table("code_runs")
