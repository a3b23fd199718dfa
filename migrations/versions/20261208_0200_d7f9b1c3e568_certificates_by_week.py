"""Certificates issued and revoked per week, in the weekly rollups (per school and course, and per district and
course), with their record keys: a dashboard period of whole weeks shows them too.

The rollups are emptied and their refresh records removed, so the next refresh (the queue runs one every few
minutes) or ``flask analytics rebuild`` counts them again from the events and certificates.

Revision ID: d7f9b1c3e568
Revises: c6e8a0b2d457
Create Date: 2026-12-08 02:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7f9b1c3e568"
down_revision = "c6e8a0b2d457"
branch_labels = None
depends_on = None

TABLES = ("analytics_course_weeks", "analytics_district_weeks")
COLUMNS = ("certificates_issued", "certificates_revoked", "certificates_issued_key", "certificates_revoked_key")


def _forget() -> None:
    for table in TABLES:
        op.execute(sa.table(table).delete())
    op.execute(sa.table("analytics_refreshes").delete())


def upgrade() -> None:
    _forget()
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for column in COLUMNS:
                batch.add_column(sa.Column(column, sa.BigInteger(), nullable=False))


def downgrade() -> None:
    _forget()
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for column in COLUMNS:
                batch.drop_column(column)
