"""The record of rollup refreshes (``Refresh``), as administrators see it."""

from __future__ import annotations

import sqlalchemy as sa

from analytics.models import Refresh
from lms.db import db


def refreshes() -> list[Refresh]:
    """Every rollup's last refresh, by rollup name."""
    return list(db.session.scalars(sa.select(Refresh).order_by(Refresh.rollup)))
