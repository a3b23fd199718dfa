"""A progress report of a district (its schools) and of schools filtered by kind, settlement and language of
instruction, as the dashboard now shows them.

Revision ID: c6e8a0b2d457
Revises: b5d7f9a1c346
Create Date: 2026-12-08 01:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c6e8a0b2d457"
down_revision = "b5d7f9a1c346"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analytics_report_files") as batch:
        batch.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("school_kind", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("settlement", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("instruction_language", sa.String(length=8), nullable=True))
        batch.create_foreign_key(
            op.f("fk_analytics_report_files_district_id_districts"),
            "districts",
            ["district_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("analytics_report_files") as batch:
        batch.drop_constraint(op.f("fk_analytics_report_files_district_id_districts"), type_="foreignkey")
        batch.drop_column("instruction_language")
        batch.drop_column("settlement")
        batch.drop_column("school_kind")
        batch.drop_column("district_id")
