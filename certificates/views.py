"""Public verification of certificates, the status lists, and the learner's own certificates."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certificates import did, documents, keys, pdf, pdfsign, serials, services
from certificates.models import Certificate, CertificateStatus
from lms.db import db
from lms.extensions import limiter
from lms.models import Role
from lms.permissions import roles_required

bp = Blueprint("certificates", __name__, template_folder="templates")


def VERIFY_LIMIT() -> str:  # noqa: N802 - used as a limit string
    """Verification is public: limited per address (``VERIFY_RATE_LIMIT``) so serials cannot be guessed."""
    return str(current_app.config["VERIFY_RATE_LIMIT"])


#: Checking an uploaded PDF validates a signature: a few a minute per address is plenty for a person.
UPLOAD_LIMIT = "10/minute"
#: A certificate PDF is about 30 KB; anything far bigger is not one of ours.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


@bp.get("/verify")
@limiter.limit(VERIFY_LIMIT, scope="verify")
def verify_form() -> ResponseReturnValue:
    """The form to type a serial; a typed serial goes to its page."""
    typed = request.args.get("serial", "").strip()
    if not typed:
        return render_template("certificates/verify.html", certificate=None, typed="", problem=None)
    try:
        serial = serials.normalize(typed)
    except serials.InvalidSerial:
        problem = _("This is not a certificate number: it has 13 letters and digits, such as 7K3Q-9XM2-PA4R-W.")
        return render_template("certificates/verify.html", certificate=None, typed=typed, problem=problem), 400
    return redirect(url_for("certificates.verify", serial=serials.display(serial)))


@bp.get("/verify/<serial>")
@limiter.limit(VERIFY_LIMIT, scope="verify")
def verify(serial: str) -> ResponseReturnValue:
    """A certificate's public page: valid or revoked (with the reason), holder, course, date."""
    certificate = services.certificate_by_serial(serial)
    if certificate is None:
        problem = _("No certificate has this number. Check it against the paper or the PDF.")
        return render_template("certificates/verify.html", certificate=None, typed=serial, problem=problem), 404
    response = Response(render_template("certificates/verify.html", certificate=certificate, typed="", problem=None))
    # The status can change (revocation): never a stale copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/verify/pdf")
@limiter.limit(UPLOAD_LIMIT, scope="verify-pdf")
def verify_pdf() -> ResponseReturnValue:
    """Check an uploaded certificate PDF: the platform's signature, untouched, and a certificate on record."""
    upload = request.files.get("pdf")
    problem = None
    if upload is None or not upload.filename:
        problem = _("Choose the certificate's PDF file.")
    else:
        data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
        upload.close()
        if len(data) > MAX_UPLOAD_BYTES:
            problem = _("This file is too large to be a certificate from this platform (at most 2 MB).")
    if problem is not None:
        page = render_template(
            "certificates/verify.html", certificate=None, typed="", problem=None, upload_problem=problem
        )
        return page, 400
    result = documents.check_upload(data)
    certificate = result.certificate
    status = 200 if result.outcome == "genuine" else 422
    page = render_template("certificates/verify.html", certificate=certificate, typed="", problem=None, upload=result)
    response = Response(page, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/certificates/<serial>/pdf")
@login_required
def download_pdf(serial: str) -> Response:
    """The certificate's signed PDF, for its holder (while valid) and for administrators.

    ``?layout=`` picks kk, ru, en or the bilingual kk-en; the certificate's language by default.
    Rendered and stored on the first download, served from storage after that.
    """
    certificate = services.certificate_by_serial(serial)
    is_admin = current_user.role is Role.ADMIN
    if certificate is None or (certificate.user_id != current_user.id and not is_admin):
        abort(404)
    if certificate.status is CertificateStatus.REVOKED and not is_admin:
        abort(410)
    layout = request.args.get("layout") or pdf.default_layout(certificate.language)
    if layout not in pdf.LAYOUTS:
        abort(404)
    data = documents.certificate_pdf(certificate, layout)
    db.session.commit()
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{documents.download_name(certificate, layout)}"',
            "Cache-Control": "private, no-cache",
        },
    )


@bp.post("/verify/<serial>/revoke")
@roles_required(Role.ADMIN)
def revoke(serial: str) -> ResponseReturnValue:
    """An administrator revokes a certificate from its page, with a reason shown there."""
    certificate = services.certificate_by_serial(serial)
    if certificate is None:
        abort(404)
    reason = request.form.get("reason", "").strip()
    if not reason or len(reason) > 500:
        flash(_("Give the reason for revoking (up to 500 characters): it is shown on this page."), "error")
        return redirect(url_for("certificates.verify", serial=serials.display(certificate.serial)))
    try:
        services.revoke_certificate(certificate, current_user, reason)
    except services.AlreadyRevoked:
        flash(_("This certificate is revoked already."), "error")
    else:
        db.session.commit()
        flash(_("The certificate is revoked."), "success")
    return redirect(url_for("certificates.verify", serial=serials.display(certificate.serial)))


@bp.get("/certificates/status/<int:list_number>")
def status_list(list_number: int) -> Response:
    """The signed Bitstring Status List credential that certificates' ``credentialStatus`` points to."""
    if list_number < 1:
        abort(404)
    response = jsonify(services.status_list_credential(list_number))
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/.well-known/did.json")
def did_document() -> Response:
    """The issuer's DID document: the ``did:key`` that signs credentials, with its public key."""
    key = keys.credential_signing_key(current_app._get_current_object())  # type: ignore[attr-defined]
    response = jsonify(did.did_document(key.public_key()))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/certificates/keys/credentials.pem")
def credential_public_key() -> Response:
    """The public key that signs credentials (PEM)."""
    key = keys.credential_signing_key(current_app._get_current_object())  # type: ignore[attr-defined]
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return Response(pem, mimetype="application/x-pem-file", headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/certificates/keys/pdf-chain.pem")
def pdf_signing_chain() -> Response:
    """The certificate chain of the key that signs PDFs (leaf first, then the issuing CA)."""
    material = pdfsign.signing_material(current_app._get_current_object())  # type: ignore[attr-defined]
    return Response(
        material.chain_pem(), mimetype="application/x-pem-file", headers={"Cache-Control": "public, max-age=3600"}
    )


@bp.get("/certificates")
@login_required
def mine() -> str:
    """The signed-in learner's certificates."""
    certificates = list(
        db.session.scalars(
            db.select(Certificate).where(Certificate.user_id == current_user.id).order_by(Certificate.issued_at.desc())
        )
    )
    return render_template("certificates/mine.html", certificates=certificates)


def _verification_url(certificate: Certificate) -> str:
    return url_for("certificates.verify", serial=serials.display(certificate.serial), _external=True)


@bp.app_context_processor
def certificate_helpers() -> dict[str, object]:
    return {
        "display_serial": serials.display,
        "verification_url": _verification_url,
        "certificate_layouts": pdf.LAYOUTS,
    }
