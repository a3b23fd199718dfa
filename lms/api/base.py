"""The /api/v1 base every feature's ``api.py`` builds on.

- ``ApiBlueprint``: a flask-smorest blueprint whose request parsing answers
  malformed JSON with 400 and a non-JSON body with 415;
- ``error_response``: every API error as ``{"error": {"code", "message"}}``;
- ``token_required``: bearer-token authentication with role checks, and its
  OpenAPI security declaration.

The OpenAPI document at /api/v1/openapi.json is generated from the
marshmallow schemas the endpoints declare.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from typing import Any, NoReturn, ParamSpec, TypeVar

import flask
import marshmallow as ma
from flask import g, jsonify
from flask_babel import gettext as _
from flask_smorest import Api, Blueprint
from webargs import core
from webargs.flaskparser import FlaskParser, abort
from werkzeug.exceptions import HTTPException

from lms.db import db
from lms.models import ApiToken, Role, User
from lms.services import accounts

P = ParamSpec("P")
R = TypeVar("R")

API_PREFIX = "/api/v1"

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "A stable machine-readable code"})
    message = ma.fields.String(required=True, metadata={"description": "A human-readable message"})
    details = ma.fields.Dict(metadata={"description": "Per-field errors, when the input failed validation"})


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


class ApiParser(FlaskParser):
    def _raw_load_json(self, req: flask.Request) -> Any:
        if not core.is_json(req.mimetype):
            if req.content_length or req.get_data(cache=True):
                abort(
                    415,
                    code="unsupported_media_type",
                    message=_("Send the body as JSON (Content-Type: application/json)."),
                )
            return core.missing
        try:
            return core.parse_json(req.get_data(cache=True))
        except (RecursionError, ValueError) as exc:
            # Nested deeper than the parser goes, or an integer longer than Python reads (4,300 digits).
            if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
                raise
            abort(400, code="malformed_json", message=_("The body is not valid JSON."))

    def _handle_invalid_json_error(
        self, error: json.JSONDecodeError | UnicodeDecodeError, req: flask.Request, *args: Any, **kwargs: Any
    ) -> NoReturn:
        abort(400, code="malformed_json", message=_("The body is not valid JSON."))


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = ApiParser()


class LmsApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        # Errors are rendered by lms.errors for pages and API alike.
        return None


def is_api_request() -> bool:
    return flask.request.path.startswith(API_PREFIX + "/") or flask.request.path == API_PREFIX


def error_response(error: HTTPException) -> flask.Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    body: dict[str, Any] = {
        "code": data.get("code") or ERROR_CODES.get(status, "error"),
        "message": str(data.get("message") or default_message(status, error)),
    }
    details = data.get("errors") or data.get("messages")
    if status == 422 and details:
        body["details"] = details.get("json", details) if isinstance(details, dict) else details
        if not data.get("message"):
            body["message"] = _("The request has invalid fields.")
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if status == 405 and isinstance(error, HTTPException):
        allowed = error.get_headers()
        for name, value in allowed:
            if name.lower() == "allow":
                response.headers["Allow"] = value
    return response


def default_message(status: int, error: HTTPException) -> str:
    messages = {
        400: _("The request is malformed."),
        401: _("Sign in first: send a bearer token."),
        403: _("You do not have permission for this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        415: _("Send the body as JSON (Content-Type: application/json)."),
        429: _("Too many requests. Wait a little and try again."),
        500: _("Something went wrong on our side."),
    }
    return messages.get(status, error.name)


def current_api_user() -> User:
    user = g.get("api_user")
    if user is None:
        raise RuntimeError("current_api_user() outside a token_required endpoint")
    return user


def bearer_secret(header: str) -> str | None:
    """The secret of an ``Authorization: Bearer <secret>`` header."""
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def token_from_header(header: str | None) -> ApiToken | None:
    """The live token an Authorization header names, its use noted (and committed); else None."""
    token = accounts.token_for_secret(bearer_secret(header or "") or "")
    if token is not None and accounts.note_api_token_use(token):
        db.session.commit()
    return token


def token_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Authenticate by bearer token; 401 without a live one, 403 for another role."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            token = token_from_header(flask.request.headers.get("Authorization", ""))
            if token is None:
                abort(401)
            if roles and token.user.role not in roles:
                abort(403)
            g.api_user = token.user
            g.api_token = token
            return view(*args, **kwargs)

        docs = copy.deepcopy(getattr(wrapped, "_apidoc", {}))
        docs.setdefault("manual_doc", {})["security"] = [{"bearerAuth": []}]
        wrapped._apidoc = docs  # type: ignore[attr-defined]
        return wrapped

    return decorator
