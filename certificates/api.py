"""API: a certificate's status and signed credential, public like the verification page (/api/v1)."""

from __future__ import annotations

import marshmallow as ma
from flask import Response
from flask_babel import gettext as _
from webargs.flaskparser import abort

from certificates import services
from certificates.views import VERIFY_LIMIT
from lms.api.base import ApiBlueprint, ErrorSchema
from lms.extensions import limiter

blp = ApiBlueprint("api_certificates", __name__, url_prefix="/api/v1", description="Certificates (public)")


class CertificateSchema(ma.Schema):
    serial = ma.fields.String(required=True, metadata={"description": "As printed, with dashes"})
    status = ma.fields.String(required=True, metadata={"enum": ["valid", "revoked"]})
    holder = ma.fields.String(required=True)
    course = ma.fields.String(required=True)
    grade = ma.fields.Integer(allow_none=True, metadata={"description": "Percent"})
    issued_at = ma.fields.AwareDateTime(required=True)
    revoked_at = ma.fields.AwareDateTime(allow_none=True)
    revocation_reason = ma.fields.String(allow_none=True)
    credential = ma.fields.Dict(
        required=True, metadata={"description": "The Open Badges 3.0 credential with its eddsa-rdfc-2022 proof"}
    )


HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store"}


@blp.route("/certificates/<serial>", methods=["GET"])
@limiter.limit(VERIFY_LIMIT, scope="verify-api")
@blp.response(200, CertificateSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No certificate has this number")
def certificate(serial: str) -> Response:
    """A certificate by its number (dashes and case forgiven): status, holder, course, date, credential.

    The body is built by ``services.public_record_json`` (the schema above documents it).
    """
    body = services.public_record_json(serial)
    if body is None:
        abort(404, message=_("No certificate has this number."))
    # The status can change (revocation): clients must not keep a stale copy.
    return Response(body, headers=HEADERS)
