"""A certificate's signed PDF: rendered on first download or by the bulk task, then served from storage.

The stored file is the document: once signed it never changes, so a second download
gives the same bytes (and the same signature) as the first.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from certificates import fastpdf, keyring, pdf, pdfsign, retired, serials
from certificates.models import Certificate, CertificateStatus
from lms import storage
from lms.db import db
from lms.mail import external_url
from lms.queue import task
from lms.services import progress


def _key(serial: str, layout: str) -> str:
    return f"certificates/{serial[:2]}/{serial}-{layout}.pdf"


def storage_key(certificate: Certificate, layout: str) -> str:
    return _key(certificate.serial, layout)


def verification_url(certificate: Certificate) -> str:
    """The public verification page's address (``EXTERNAL_URL``: the same in a request, a task or the CLI)."""
    return external_url("certificates.verify", serial=serials.display(certificate.serial))


def facts_of(certificate: Certificate) -> pdf.PdfFacts:
    name, titles = pdf.signatory()
    return pdf.PdfFacts(
        serial=certificate.serial,
        display_serial=serials.display(certificate.serial),
        holder_name=certificate.holder_name,
        course_title=certificate.course_title,
        grade=certificate.grade,
        hours=certificate.hours,
        issued_at=certificate.issued_at,
        language=certificate.language,
        verification_url=verification_url(certificate),
        issuer_name=str(current_app.config["CERTIFICATE_ISSUER_NAME"]),
        signatory_name=name,
        signatory_title=titles,
        credential=certificate.credential,
    )


def build_pdf(certificate: Certificate, layout: str, fast: bool | None = None) -> bytes:
    """Render and sign the certificate's PDF (not stored).

    The standard path (WeasyPrint and pyHanko) makes a tagged PDF of about 28 KB; the fast path
    (``certificates.fastpdf``, about 20 times cheaper, for bulk runs) is not tagged yet and embeds
    whole fonts (about 200 KB). ``fast`` defaults to ``CERTIFICATE_PDF_FAST``.
    """
    app = current_app
    labels = fastpdf.SigningLabels(
        reason=f"Certificate {serials.display(certificate.serial)}",
        location=str(app.config.get("CERTIFICATE_LOCATION") or "Kazakhstan"),
        name=str(app.config["CERTIFICATE_ISSUER_NAME"]),
    )
    material = pdfsign.signing_material(app)
    if fast if fast is not None else app.config.get("CERTIFICATE_PDF_FAST"):
        return fastpdf.signed_pdf(facts_of(certificate), layout, material, labels)
    return fastpdf.standard_pdf(facts_of(certificate), layout, material, labels)


def certificate_pdf(certificate: Certificate, layout: str | None = None, fast: bool | None = None) -> bytes:
    """The certificate's signed PDF in ``layout`` (its language by default): stored, or made and stored now."""
    layout = layout or pdf.default_layout(certificate.language)
    if layout not in pdf.LAYOUTS:
        raise pdf.UnknownLayout(layout)
    key = storage_key(certificate, layout)
    try:
        return storage.read(key)
    except FileNotFoundError:
        pass
    data = build_pdf(certificate, layout, fast)
    storage.write(key, data)
    return data


def download_name(certificate: Certificate, layout: str) -> str:
    return f"certificate-{serials.display(certificate.serial)}-{layout}.pdf"


def missing_pdf_ids(course_id: int | None = None) -> list[int]:
    """Valid certificates whose PDF (in their own language) is not stored yet, oldest first."""
    query = sa.select(Certificate.id, Certificate.serial, Certificate.language).where(
        Certificate.status == CertificateStatus.VALID
    )
    if course_id is not None:
        query = query.where(Certificate.course_id == course_id)
    rows = db.session.execute(query.order_by(Certificate.id)).all()
    return [
        certificate_id
        for certificate_id, serial, language in rows
        if not storage.exists(_key(serial, pdf.default_layout(language)))
    ]


@task(retries=2, retry_delay=30)
def render_pdfs(certificate_ids: list[int], progress_id: str, fast: bool = False) -> None:
    """Render and store the PDFs of ``certificate_ids`` (skipping stored ones), recording progress."""
    total = len(certificate_ids)
    progress.advance(progress_id, 0, total)
    db.session.commit()
    try:
        for done, certificate_id in enumerate(certificate_ids, start=1):
            certificate = db.session.get(Certificate, certificate_id)
            if certificate is not None:
                certificate_pdf(certificate, fast=fast)
            if done % 20 == 0 or done == total:
                progress.advance(progress_id, done, total)
                db.session.commit()
    except Exception as exc:
        db.session.rollback()
        progress.fail(progress_id, f"{type(exc).__name__}: {exc}")
        db.session.commit()
        raise
    progress.finish(progress_id, {"rendered": total})
    db.session.commit()


@dataclass(frozen=True)
class UploadCheck:
    """What an uploaded PDF turned out to be."""

    outcome: str  # "genuine", "altered", "foreign", "unknown", "not_pdf"
    certificate: Certificate | None = None
    signature: pdfsign.SignatureCheck | None = None
    retired_chain: retired.Chain | None = None  # signed under a chain retired since


def _attached_credential(data: bytes) -> dict[str, Any] | None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
        for index in range(0, len(names), 2):
            if str(names[index]) == pdf.CREDENTIAL_ATTACHMENT:
                stream = names[index + 1].get_object()["/EF"]["/F"].get_object()
                loaded = json.loads(stream.data)
                return loaded if isinstance(loaded, dict) else None
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return None
    return None


def check_upload(data: bytes) -> UploadCheck:
    """Check an uploaded PDF: the platform's signature, intact, over a certificate the platform holds.

    ``genuine``: signed by the platform, untouched, and its credential is the one on record
    (the page then shows the certificate's current status, valid or revoked);
    ``altered``: a signature that no longer matches the bytes, or bytes added after signing;
    ``foreign``: not signed by the platform's key; ``unknown``: signed and intact but names
    no certificate on record (or one of a course outside the catalogue, which is shown to nobody);
    ``not_pdf``: not a readable PDF. The platform's key is the one in use or a retired one
    (``keyring``): PDFs signed before a key rotation stay genuine.
    """
    app = current_app
    if not data.startswith(b"%PDF-"):
        return UploadCheck("not_pdf")
    chains = keyring.chains(app)
    try:
        # Judged at its signing time: a certificate's PDF stays genuine after the signing certificate expires.
        signature = pdfsign.check(data, keyring.trust_roots(chains), at_signing_time=True)
    except pdfsign.NotAPdf:
        return UploadCheck("not_pdf")
    if not signature.signed:
        return UploadCheck("foreign", signature=signature)
    if not (signature.intact and signature.valid and signature.whole_file):
        return UploadCheck("altered", signature=signature)
    if not signature.trusted:
        return UploadCheck("foreign", signature=signature)
    credential = _attached_credential(data)
    serial_url = credential.get("id") if credential else None
    certificate = None
    if isinstance(serial_url, str) and "/verify/" in serial_url:
        from certificates.services import public_certificate_by_serial

        certificate = public_certificate_by_serial(serial_url.rsplit("/", 1)[-1])
    if certificate is None or certificate.credential != credential:
        return UploadCheck("unknown", signature=signature)
    signed_under = next((chain for chain in chains if chain.fingerprint == signature.signer_fingerprint), None)
    retired_chain = signed_under if signed_under is not None and not signed_under.current else None
    return UploadCheck("genuine", certificate=certificate, signature=signature, retired_chain=retired_chain)
