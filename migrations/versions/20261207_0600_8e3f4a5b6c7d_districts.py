"""Districts: an optional level between region and school.

Revision ID: 8e3f4a5b6c7d
Revises: 9e4b6c2d1a7f
Create Date: 2026-12-07 06:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8e3f4a5b6c7d"
down_revision = "9e4b6c2d1a7f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_kk", sa.String(length=100), nullable=False),
        sa.Column("name_ru", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_districts_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_districts")),
        sa.UniqueConstraint("code", name=op.f("uq_districts_code")),
    )
    with op.batch_alter_table("districts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_districts_region_id"), ["region_id"], unique=False)
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_schools_district_id"), ["district_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_schools_district_id_districts"), "districts", ["district_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_schools_district_id_districts"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_schools_district_id"))
        batch_op.drop_column("district_id")
    with op.batch_alter_table("districts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_districts_region_id"))
    op.drop_table("districts")
