"""Course states: draft, class or catalogue in place of the published flag.

A published course was in the catalogue; an unpublished one becomes a draft (its author and
administrators see it). Downgrading turns the catalogue back into published, and class courses
into unpublished ones.

Revision ID: 9e4b6c2d1a7f
Revises: 7d2e3f4a5b6c
Create Date: 2026-12-07 05:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9e4b6c2d1a7f"
down_revision = "7d2e3f4a5b6c"
branch_labels = None
depends_on = None

STATE = sa.Enum("draft", "class", "catalogue", name="coursestate", native_enum=False, length=32)
courses = sa.table("courses", sa.column("published", sa.Boolean()), sa.column("state", sa.String(32)))


def upgrade() -> None:
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", STATE, nullable=True))
    op.execute(
        courses.update().values(
            state=sa.case((courses.c.published.is_(sa.true()), "catalogue"), else_="draft"),
        )
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.alter_column("state", existing_type=STATE, nullable=False)
        batch_op.drop_index(batch_op.f("ix_courses_published"))
        batch_op.drop_column("published")
        batch_op.create_index(batch_op.f("ix_courses_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_courses_author_id"), ["author_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published", sa.Boolean(), nullable=True))
    op.execute(courses.update().values(published=courses.c.state == "catalogue"))
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.alter_column("published", existing_type=sa.Boolean(), nullable=False)
        batch_op.drop_index(batch_op.f("ix_courses_author_id"))
        batch_op.drop_index(batch_op.f("ix_courses_state"))
        batch_op.drop_column("state")
        batch_op.create_index(batch_op.f("ix_courses_published"), ["published"], unique=False)
