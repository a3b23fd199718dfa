"""API: a certificate's status and signed credential, public like the verification page (/api/v1)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from webargs.flaskparser import abort

from certificates import serials, services
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


@blp.route("/certificates/<serial>", methods=["GET"])
@limiter.limit(VERIFY_LIMIT, scope="verify-api")
@blp.response(200, CertificateSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No certificate has this number")
def certificate(serial: str) -> dict[str, Any]:
    """A certificate by its number (dashes and case forgiven): status, holder, course, date, credential."""
    found = services.certificate_by_serial(serial)
    if found is None:
        abort(404, message=_("No certificate has this number."))
    return {
        "serial": serials.display(found.serial),
        "status": found.status.value,
        "holder": found.holder_name,
        "course": found.course_title,
        "grade": found.grade,
        "issued_at": found.issued_at,
        "revoked_at": found.revoked_at,
        "revocation_reason": found.revocation_reason,
        "credential": found.credential,
    }
