"""ZIP files of a school's or a class's certificates: one PDF per valid certificate, and the register.

Written entry by entry into a file in storage, so that a school's thousands of PDFs never
sit in memory together; PDFs are stored as they are (already compressed). Revoked
certificates have no PDF in the file but keep their line, marked revoked, in
``register.csv``. Entries are named ``<class or school>/<holder> - <number>.pdf``, made
safe for Windows, macOS and Linux file systems, and unique.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from certificates import documents, register
from certificates.models import Certificate, CertificateStatus
from lms import storage
from lms.db import db

REGISTER_NAME = "register.csv"
#: Certificates loaded from the database at a time; progress is reported after each chunk.
CHUNK = 20
MAX_NAME = 100
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}


@dataclass(frozen=True)
class ArchiveSummary:
    key: str
    pdfs: int  # valid certificates, one PDF each
    rows: int  # lines in the register, revoked ones included


def safe_name(text: str, fallback: str) -> str:
    """``text`` as one file or folder name: no separators, control or reserved characters, not too long."""
    cleaned = _UNSAFE.sub(" ", unicodedata.normalize("NFC", text))
    cleaned = " ".join(cleaned.split())[:MAX_NAME].strip(" .")
    if not cleaned:
        return fallback
    if cleaned.split(".")[0].upper() in _WINDOWS_RESERVED:
        return "_" + cleaned
    return cleaned


class UniqueNames:
    """Hands out entry names, adding " (2)", " (3)"… where one is taken (ignoring case, as Windows does)."""

    def __init__(self) -> None:
        self._taken: set[str] = {REGISTER_NAME}

    def claim(self, folder: str, stem: str, suffix: str) -> str:
        name, number = f"{folder}/{stem}{suffix}", 2
        while name.casefold() in self._taken:
            name, number = f"{folder}/{stem} ({number}){suffix}", number + 1
        self._taken.add(name.casefold())
        return name


def entry_name(row: register.RegisterRow, names: UniqueNames) -> str:
    """``<class or school>/<holder> - <number>.pdf`` for one certificate."""
    folder = safe_name(row.class_label or row.school_name or "", fallback="certificates")
    holder = safe_name(row.holder_name, fallback="")
    stem = f"{holder} - {row.display_serial}" if holder else row.display_serial
    return names.claim(folder, stem, ".pdf")


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    # ZIP keeps local times from 1980 on, to two seconds; UTC is as good as any.
    year, month, day, hour, minute, second = moment.timetuple()[:6]
    return (max(year, 1980), month, day, hour, minute, second)


def write_certificates_zip(
    key: str,
    filters: register.RegisterFilter,
    on_progress: Callable[[int, int], None] | None = None,
) -> ArchiveSummary:
    """Write the ZIP of the filtered certificates under the storage ``key`` (replacing any file there).

    ``on_progress(done, total)`` is called with ``(0, total)`` first, then after each chunk
    of ``CHUNK`` PDFs, when no loaded certificate is waiting, so the caller may commit there;
    ``total`` counts valid certificates. The register is written in the current language.
    Raises whatever ``documents.certificate_pdf`` raises; nothing is stored then.
    """
    rows = register.register_rows(filters)
    wanted = [row for row in rows if row.status is CertificateStatus.VALID]
    total = len(wanted)
    if on_progress is not None:
        on_progress(0, total)
    names = UniqueNames()
    done = written = 0
    with storage.writer(key) as handle, zipfile.ZipFile(handle, "w") as archive:
        for start in range(0, total, CHUNK):
            part = wanted[start : start + CHUNK]
            loaded = {
                certificate.id: certificate
                for certificate in db.session.scalars(
                    sa.select(Certificate).where(Certificate.id.in_([row.id for row in part]))
                )
            }
            for row in part:
                certificate = loaded.get(row.id)
                if certificate is not None:
                    info = zipfile.ZipInfo(entry_name(row, names), date_time=_zip_time(row.issued_at))
                    info.compress_type = zipfile.ZIP_STORED
                    info.external_attr = 0o644 << 16  # rw-r--r-- once unpacked
                    archive.writestr(info, documents.certificate_pdf(certificate))
                    written += 1
                done += 1
            if on_progress is not None:
                on_progress(done, total)
        archive.writestr(REGISTER_NAME, register.register_csv(rows), compress_type=zipfile.ZIP_DEFLATED)
    return ArchiveSummary(key=key, pdfs=written, rows=len(rows))
