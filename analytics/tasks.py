"""The queue's analytics work: the periodic refresh of the rollups."""

from __future__ import annotations
