"""Progress of background tasks: a page with a progress bar and the JSON it polls."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from lms.models import TaskProgress
from lms.services import progress
from lms.views.auth import safe_next

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def _visible(task_id: str) -> TaskProgress:
    try:
        return progress.progress_for(current_user, task_id)
    except progress.ProgressNotFound:
        abort(404)
    except progress.ProgressForbidden:
        abort(403)


@bp.get("/<task_id>")
@login_required
def show(task_id: str) -> str:
    record = _visible(task_id)
    return render_template("tasks/show.html", task=record, back=safe_next(request.args.get("back")))


@bp.get("/<task_id>/status")
@login_required
def status(task_id: str) -> ResponseReturnValue:
    response = jsonify(progress.as_dict(_visible(task_id)))
    response.headers["Cache-Control"] = "no-store"
    return response
