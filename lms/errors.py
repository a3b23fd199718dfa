"""Error answers: JSON ``{"error": {...}}`` under /api/v1, a page in the user's language elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from lms.api.base import error_response, is_api_request

log = logging.getLogger(__name__)


def _titles() -> dict[int, str]:
    return {
        400: _("The request could not be understood"),
        403: _("You do not have access to this page"),
        404: _("Page not found"),
        405: _("This action is not allowed here"),
        413: _("The file is too large"),
        429: _("Too many attempts"),
        500: _("Something went wrong"),
    }


def _explanations() -> dict[int, str]:
    return {
        400: _("Go back, reload the page and try again."),
        403: _("If you think you should have access, ask your teacher or administrator."),
        404: _("Check the address, or start again from the home page."),
        413: _("Choose a smaller file and try again."),
        429: _("Wait a minute, then try again."),
        500: _("We have been told about it. Try again in a few minutes."),
    }


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    if is_api_request():
        return error_response(error)
    status = error.code or 500
    title = _titles().get(status, error.name)
    explanation = _explanations().get(status, "")
    if isinstance(error, CSRFError):
        title = _("The form has expired")
        explanation = _("For your safety, forms work for a limited time. Reload the page and send it again.")
    return render_template("errors/error.html", status=status, title=title, explanation=explanation), status


def handle_unexpected(error: Exception) -> ResponseReturnValue:
    log.exception("unhandled error", exc_info=error)
    return handle_http_error(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
