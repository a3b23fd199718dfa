"""Public verification of certificates, the status lists, the learner's own certificates, the admin register."""

from __future__ import annotations

import io
from typing import Any

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
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certificates import (
    archives,
    did,
    documents,
    keyring,
    keys,
    pdf,
    pdfsign,
    register,
    retired,
    serials,
    services,
    tasks,
)
from certificates.models import Certificate, CertificateStatus
from courses.models import Course
from courses.services import visibility
from lms import storage
from lms.db import db
from lms.extensions import limiter
from lms.models import Role, School, SchoolClass, TaskProgress, TaskStatus
from lms.permissions import roles_required
from lms.services import org, progress
from lms.views.auth import safe_next

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
    certificate = services.public_certificate_by_serial(serial)
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
    """The certificate's signed PDF, for its holder (while valid, and its course in the catalogue) and for
    administrators.

    ``?layout=`` picks kk, ru, en or the bilingual kk-en; the certificate's language by default.
    Rendered and stored on the first download, served from storage after that.
    """
    is_admin = current_user.role is Role.ADMIN
    certificate = (services.certificate_by_serial if is_admin else services.public_certificate_by_serial)(serial)
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
@login_required
def revoke(serial: str) -> ResponseReturnValue:
    """An administrator revokes a certificate from its page, with a reason shown there.

    Any certificate, also one of a course outside the catalogue (whose page shows nothing: the
    administrator returns to the register); to anyone else, such a certificate does not exist.
    """
    is_admin = current_user.role is Role.ADMIN
    certificate = (services.certificate_by_serial if is_admin else services.public_certificate_by_serial)(serial)
    if certificate is None:
        abort(404)
    if not is_admin:
        abort(403)
    back = (
        url_for("certificates.verify", serial=serials.display(certificate.serial))
        if visibility.issues_certificates(db.session.get_one(Course, certificate.course_id))
        else url_for("certificates.register_page")
    )
    reason = request.form.get("reason", "").strip()
    if not reason or len(reason) > 500:
        flash(_("Give the reason for revoking (up to 500 characters): it is shown on this page."), "error")
        return redirect(back)
    try:
        services.revoke_certificate(certificate, current_user, reason)
    except services.AlreadyRevoked:
        flash(_("This certificate is revoked already."), "error")
    else:
        db.session.commit()
        flash(_("The certificate is revoked."), "success")
    return redirect(back)


@bp.get("/certificates/status/<int:list_number>")
@limiter.limit(VERIFY_LIMIT, scope="status-list")
def status_list(list_number: int) -> Response:
    """The signed Bitstring Status List credential that certificates' ``credentialStatus`` points to."""
    if not services.status_list_exists(list_number):
        abort(404)
    response = jsonify(services.status_list_credential(list_number))
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/.well-known/did.json")
def did_document() -> Response:
    """The issuer's DID document: the ``did:key`` that signs credentials, with its public key."""
    key = keys.credential_signing_key(current_app)
    response = jsonify(did.did_document(key.public_key()))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/certificates/keys/credentials.pem")
def credential_public_key() -> Response:
    """The public key that signs credentials (PEM)."""
    key = keys.credential_signing_key(current_app)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return Response(pem, mimetype="application/x-pem-file", headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/certificates/keys/pdf-chain.pem")
def pdf_signing_chain() -> Response:
    """The certificate chain of the key that signs PDFs (leaf first, then the issuing CA)."""
    material = pdfsign.signing_material(current_app)
    return Response(
        material.chain_pem(), mimetype="application/x-pem-file", headers={"Cache-Control": "public, max-age=3600"}
    )


@bp.get("/certificates/keys")
def published_keys() -> Response:
    """Every key that signs or signed certificates: credential keys (did:key) and PDF chains, with periods."""
    response = jsonify(keyring.published_keys(current_app))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/certificates/keys/retired/<fingerprint>.pem")
def retired_public_file(fingerprint: str) -> Response:
    """A retired credential key's public half or a retired PDF chain, by its SHA-256 fingerprint."""
    folder = keys.key_paths(current_app).retired
    path = retired.published_file(folder, fingerprint)
    if path is None:
        abort(404)
    # A fingerprint names these bytes for good.
    return Response(
        path.read_bytes(),
        mimetype="application/x-pem-file",
        headers={"Cache-Control": "public, max-age=86400, immutable"},
    )


@bp.get("/certificates")
@login_required
def mine() -> str:
    """The signed-in learner's certificates (of catalogue courses: the others are shown to nobody)."""
    certificates = list(
        db.session.scalars(
            db.select(Certificate)
            .join(Course, Course.id == Certificate.course_id)
            .where(Certificate.user_id == current_user.id, visibility.certifying_clause())
            .order_by(Certificate.issued_at.desc())
        )
    )
    return render_template("certificates/mine.html", certificates=certificates)


REGISTER_PAGE_SIZE = 50
SPREADSHEET_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class RegisterChoice:
    """The register's filters as the query string (or the ZIP form) gives them: school by code, others by id."""

    def __init__(self, values: Any) -> None:
        self.school_code = values.get("school", "").strip()[:32]
        self.school: School | None = org.school_by_code(self.school_code) if self.school_code else None
        self.school_class: SchoolClass | None = None
        class_id = values.get("class", type=int)
        if class_id is not None:
            self.school_class = db.session.get(SchoolClass, class_id)
            if self.school_class is not None:
                self.school = self.school_class.school
        self.course_id: int | None = values.get("course", type=int)
        status = values.get("status", "")
        self.status = CertificateStatus(status) if status in {s.value for s in CertificateStatus} else None
        self.unknown_school = bool(self.school_code) and self.school is None
        self.unknown = self.unknown_school or (class_id is not None and self.school_class is None)

    @property
    def filters(self) -> register.RegisterFilter:
        if self.unknown:
            return register.RegisterFilter(class_id=0)  # no class has id 0: nothing matches
        return register.RegisterFilter(
            school_id=self.school.id if self.school else None,
            class_id=self.school_class.id if self.school_class else None,
            course_id=self.course_id,
            status=self.status,
        )

    @property
    def args(self) -> dict[str, Any]:
        """For links to other pages and the downloads of the same register."""
        values = {
            "school": self.school.code if self.school else self.school_code or None,
            "class": self.school_class.id if self.school_class else None,
            "course": self.course_id,
            "status": self.status.value if self.status else None,
        }
        return {key: value for key, value in values.items() if value is not None}

    @property
    def file_name(self) -> str:
        parts = [_("Certificates")]
        if self.school is not None:
            parts.append(self.school.name)
        if self.school_class is not None:
            parts.append(register.class_label(self.school_class.name, self.school_class.academic_year))
        return archives.safe_name(" - ".join(parts), fallback="certificates")


@bp.get("/admin/certificates")
@roles_required(Role.ADMIN)
def register_page() -> str:
    """The certificate register, filtered by school, class, course and status."""
    choice = RegisterChoice(request.args)
    page = register.register_page(choice.filters, request.args.get("page", 1, type=int), REGISTER_PAGE_SIZE)
    return render_template(
        "certificates/register.html",
        page=page,
        choice=choice,
        classes=org.classes_of_school(choice.school) if choice.school else [],
        courses=register.courses_with_certificates(),
        language=str(get_locale() or "kk"),
        status_labels=register.STATUS_LABELS,
    )


@bp.get("/admin/certificates/regraded")
@roles_required(Role.ADMIN)
def regraded_page() -> str:
    """Attempts whose grade changed when their code was graded again, with the certificates earned by them."""
    return render_template(
        "certificates/regraded.html",
        rows=register.regraded_rows(),
        language=str(get_locale() or "kk"),
        status_labels=register.STATUS_LABELS,
    )


@bp.get("/admin/certificates.<fmt>")
@roles_required(Role.ADMIN)
def register_download(fmt: str) -> Response:
    """The filtered register as CSV or XLSX, its headings in the administrator's language."""
    if fmt not in SPREADSHEET_TYPES:
        abort(404)
    choice = RegisterChoice(request.args)
    rows = register.register_rows(choice.filters)
    data = register.register_csv(rows) if fmt == "csv" else register.register_xlsx(rows)
    return send_file(
        io.BytesIO(data), mimetype=SPREADSHEET_TYPES[fmt], as_attachment=True, download_name=f"{choice.file_name}.{fmt}"
    )


@bp.post("/admin/certificates/zip")
@roles_required(Role.ADMIN)
def request_zip() -> ResponseReturnValue:
    """Queue the ZIP of a school's or a class's certificate PDFs and show its progress."""
    choice = RegisterChoice(request.form)
    if choice.school is None:
        flash(
            _("Choose a school or a class first: a ZIP file holds one school's or one class's certificates."), "error"
        )
        return redirect(url_for("certificates.register_page", **choice.args))
    job = progress.create_progress(tasks.ZIP_TASK_KIND, current_user)
    db.session.commit()
    language = str(get_locale() or "kk")
    tasks.build_certificates_zip(job.id, choice.filters.as_dict(), language, f"{choice.file_name}.zip")
    return redirect(
        url_for("certificates.zip_progress", task_id=job.id, back=url_for("certificates.register_page", **choice.args))
    )


def _zip_task(task_id: str) -> TaskProgress:
    """Any administrator's ZIP task: the register is shared by all administrators."""
    try:
        record = progress.progress_for(current_user, task_id)
    except progress.ProgressNotFound:
        abort(404)
    if record.kind != tasks.ZIP_TASK_KIND:
        abort(404)
    return record


@bp.get("/admin/certificates/zip/<task_id>")
@roles_required(Role.ADMIN)
def zip_progress(task_id: str) -> str:
    """The ZIP task's progress bar, then its download link."""
    record = _zip_task(task_id)
    back = safe_next(request.args.get("back")) if request.args.get("back") else url_for("certificates.register_page")
    return render_template("certificates/zip_progress.html", task=record, back=back)


@bp.get("/admin/certificates/zip/<task_id>/download")
@roles_required(Role.ADMIN)
def zip_download(task_id: str) -> ResponseReturnValue:
    """The finished ZIP file, for any administrator (until ``tasks.remove_old_zips`` removes it)."""
    record = _zip_task(task_id)
    result = record.result or {}
    if record.status is not TaskStatus.DONE or not result.get("key"):
        abort(404)
    if not storage.exists(result["key"]):
        hours = current_app.config["CERTIFICATE_ZIP_KEEP_HOURS"]
        flash(
            _(
                "This ZIP file is no longer kept: files are removed %(hours)s hours after they are made. "
                "Make it again below.",
                hours=hours,
            ),
            "info",
        )
        return redirect(url_for("certificates.register_page"))
    return send_file(
        storage.path_of(result["key"]),
        mimetype="application/zip",
        as_attachment=True,
        download_name=result.get("filename") or "certificates.zip",
    )


@bp.app_context_processor
def certificate_helpers() -> dict[str, object]:
    return {
        "display_serial": serials.display,
        # The public address on EXTERNAL_URL, as the PDF's QR code has it: behind a load balancer the
        # request's own host may be an internal one.
        "verification_url": documents.verification_url,
        "certificate_layouts": pdf.LAYOUTS,
    }
