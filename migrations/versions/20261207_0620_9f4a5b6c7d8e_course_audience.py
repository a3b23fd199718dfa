"""Course audience: students, teachers or both (a teacher who completes a course for teachers is trained).

Revision ID: 9f4a5b6c7d8e
Revises: 8e3f4a5b6c7d
Create Date: 2026-12-07 06:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9f4a5b6c7d8e"
down_revision = "8e3f4a5b6c7d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "audience",
                sa.Enum("students", "teachers", "both", name="courseaudience", native_enum=False, length=32),
                server_default="students",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("audience")
