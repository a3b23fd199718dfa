"""Certificate PDFs: rendered and signed on first use, then served from storage.

A placeholder in this branch: the real module is written concurrently and replaces this
file. Callers use ``documents.certificate_pdf(certificate)`` through the module, so tests
can replace it.
"""

from __future__ import annotations

from certificates.models import Certificate


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate's signed PDF: rendered, signed and stored on first use, then the stored file."""
    raise NotImplementedError("certificates.documents.certificate_pdf is written in another branch")
