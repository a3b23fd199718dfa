"""GET /healthz for load balancers and monitoring; called often, so kept cheap."""

from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, current_app

from lms.db import db
from lms.queue import check_queue

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


def ping_database() -> None:
    """One round trip on a pooled DBAPI connection (no ORM session, no transaction)."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT 1")
        cursor.fetchone()
        cursor.close()
    finally:
        connection.close()


def info_parts() -> dict[str, str]:
    """Informational parts that features register in ``app.extensions["lms.health_info"]``; never fail health."""
    parts: dict[str, str] = {}
    for name, describe in current_app.extensions.get("lms.health_info", {}).items():
        try:
            parts[name] = describe()
        except Exception:  # informational only: report it, keep serving
            log.exception("health info: %s failed", name)
            parts[name] = "unknown"
    return parts


@bp.get("/healthz")
def healthz() -> Response:
    parts: dict[str, str] = {}
    for name, check in (("db", ping_database), ("queue", check_queue)):
        try:
            check()
            parts[name] = "ok"
        except Exception:  # any failure means "not healthy", whatever raised it
            log.exception("health check: %s unavailable", name)
            parts[name] = "unavailable"
    healthy = all(value == "ok" for value in parts.values())
    body = json.dumps({"status": "ok" if healthy else "unavailable", **parts, **info_parts()})
    return Response(
        body, status=200 if healthy else 503, mimetype="application/json", headers={"Cache-Control": "no-store"}
    )
