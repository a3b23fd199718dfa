"""API: bearer tokens, the signed-in user, task progress."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g, request
from flask_babel import gettext as _
from webargs.flaskparser import abort

from lms.api.base import ApiBlueprint, ErrorSchema, current_api_user, token_required
from lms.db import db
from lms.models import Role
from lms.ratelimits import limit_failed_sign_ins, record_failed_sign_in
from lms.services import accounts, progress

blp = ApiBlueprint("api_accounts", __name__, url_prefix="/api/v1", description="Sign-in tokens and accounts")


class TokenRequestSchema(ma.Schema):
    email = ma.fields.String(required=True, validate=ma.validate.Length(min=3, max=254))
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=accounts.MAX_PASSWORD_LENGTH))


class TokenSchema(ma.Schema):
    token = ma.fields.String(required=True, metadata={"description": "Send as 'Authorization: Bearer <token>'"})
    expires_at = ma.fields.AwareDateTime(required=True)


class RegionRefSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class SchoolRefSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class MeSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    email = ma.fields.String(required=True)
    full_name = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    preferred_language = ma.fields.String(required=True)
    scope = ma.fields.String(
        allow_none=True, metadata={"description": "Officials: 'national' or the region's ISO code"}
    )
    school = ma.fields.Nested(SchoolRefSchema, allow_none=True)


class TaskProgressSchema(ma.Schema):
    id = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"description": "queued, running, done or failed"})
    done = ma.fields.Integer(required=True)
    total = ma.fields.Integer(allow_none=True)
    percent = ma.fields.Integer(allow_none=True)
    message = ma.fields.String()
    result = ma.fields.Dict(allow_none=True)


def _tried_email() -> str:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes: the view answers it with a 400
        body = None
    email = body.get("email") if isinstance(body, dict) else None
    return email if isinstance(email, str) else ""


@blp.route("/auth/token", methods=["POST"])
@limit_failed_sign_ins(_tried_email)
@blp.arguments(TokenRequestSchema())
@blp.response(201, TokenSchema)
@blp.alt_response(401, schema=ErrorSchema, description="Wrong e-mail or password")
def create_token(body: dict[str, str]) -> dict[str, Any]:
    """Exchange an e-mail and password for a bearer token."""
    try:
        user = accounts.authenticate(body["email"], body["password"])
    except accounts.InvalidCredentials:
        record_failed_sign_in()
        abort(401, code="invalid_credentials", message=_("Wrong e-mail or password."))
    issued = accounts.issue_api_token(user)
    db.session.commit()
    return {"token": issued.secret, "expires_at": issued.token.expires_at}


@blp.route("/auth/token", methods=["DELETE"])
@token_required()
@blp.response(204)
def revoke_token() -> None:
    """Revoke the token this request is sent with."""
    accounts.revoke_api_token(g.api_token)
    db.session.commit()


@blp.route("/me", methods=["GET"])
@token_required()
@blp.response(200, MeSchema)
def me() -> dict[str, Any]:
    """The account the token belongs to."""
    user = current_api_user()
    scope = None
    if user.role == Role.OFFICIAL:
        scope = user.scope_region.code if user.scope_region else "national"
    school = {"id": user.school.id, "code": user.school.code, "name": user.school.name} if user.school else None
    return {
        "id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role.value,
        "preferred_language": user.preferred_language,
        "scope": scope,
        "school": school,
    }


@blp.route("/tasks/<string:task_id>", methods=["GET"])
@token_required()
@blp.response(200, TaskProgressSchema)
def task_progress(task_id: str) -> dict[str, Any]:
    """Progress of a background task started by this user."""
    try:
        record = progress.progress_for(current_api_user(), task_id)
    except progress.ProgressNotFound:
        abort(404)
    except progress.ProgressForbidden:
        abort(403)
    return progress.as_dict(record)
