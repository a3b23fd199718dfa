"""``flask analytics …``: rebuild and refresh the rollups, import headcounts, set targets, seed a national data set."""

from __future__ import annotations

from flask.cli import AppGroup

analytics_cli = AppGroup("analytics", help="Analytics: rollups, headcounts, targets, a national data set.")
