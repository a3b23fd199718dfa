"""GET /healthz for load balancers and monitoring."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from lms.db import db
from lms.queue import check_queue

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    parts: dict[str, str] = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        parts["db"] = "ok"
    except Exception:  # any failure means "not healthy", whatever raised it
        log.exception("health check: database unavailable")
        db.session.rollback()
        parts["db"] = "unavailable"
    try:
        check_queue()
        parts["queue"] = "ok"
    except Exception:
        log.exception("health check: queue unavailable")
        parts["queue"] = "unavailable"
    healthy = all(value == "ok" for value in parts.values())
    response = jsonify({"status": "ok" if healthy else "unavailable", **parts})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
