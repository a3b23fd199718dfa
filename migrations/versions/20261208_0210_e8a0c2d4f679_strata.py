"""The drop-off funnel and the certificates' grades kept per kind of school, settlement and language of
instruction within each district (beside the district in their keys), so the schools' filters apply to them too.

The two rollups are made again empty and the rollups' refresh records removed, so the next refresh (the queue runs
one every few minutes) or ``flask analytics rebuild`` counts them again.

Revision ID: e8a0c2d4f679
Revises: d7f9b1c3e568
Create Date: 2026-12-08 02:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e8a0c2d4f679"
down_revision = "d7f9b1c3e568"
branch_labels = None
depends_on = None

STRATUM = ("kind", "settlement", "instruction")


def _columns(keys: tuple[str, ...], stratum: bool) -> list[sa.Column]:
    columns = [sa.Column(key, sa.Integer(), autoincrement=False, nullable=False) for key in keys]
    if stratum:
        columns += [sa.Column(name, sa.String(length=16), nullable=False) for name in STRATUM]
    return columns


def _tables(stratum: bool) -> None:
    extra = STRATUM if stratum else ()
    reach = ("course_id", "module_id", "region_id", "district_id")
    op.create_table(
        "analytics_module_reach",
        *_columns(reach, stratum),
        sa.Column("learners", sa.BigInteger(), nullable=False),
        sa.Column("learners_key", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(*reach, *extra, name=op.f("pk_analytics_module_reach")),
    )
    grades = ("course_id", "region_id", "district_id", "bucket")
    op.create_table(
        "analytics_grades",
        *_columns(grades, stratum),
        sa.Column("certificates", sa.BigInteger(), nullable=False),
        sa.Column("certificates_key", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "course_id", "region_id", "district_id", *extra, "bucket", name=op.f("pk_analytics_grades")
        ),
    )
    op.execute(sa.table("analytics_refreshes").delete())


def upgrade() -> None:
    op.drop_table("analytics_module_reach")
    op.drop_table("analytics_grades")
    _tables(stratum=True)


def downgrade() -> None:
    op.drop_table("analytics_module_reach")
    op.drop_table("analytics_grades")
    _tables(stratum=False)
