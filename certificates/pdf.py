"""Certificate PDFs: a Jinja template per language rendered by WeasyPrint, the credential attached.

One A4 landscape page: holder, course, grade, hours, date, serial, signatory and a QR
code to the verification page. The fonts ship in ``certificates/fonts`` (Noto, OFL) and
are embedded subsetted; nothing is fetched while rendering (the URL fetcher serves that
folder and refuses everything else). The signed credential rides along as an embedded
file, ``credential.json``, so the PDF carries its own machine-readable proof.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import segno
from babel.dates import format_date
from flask import current_app, render_template
from markupsafe import Markup

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
LAYOUTS = ("kk", "ru", "en", "kk-en")
CREDENTIAL_ATTACHMENT = "credential.json"
ATTACHMENT_DESCRIPTION = "Open Badges 3.0 credential (W3C Verifiable Credential, eddsa-rdfc-2022 proof)"

#: The signatory's title on the certificate, per language.
DEFAULT_SIGNATORY_TITLE = {
    "kk": "Бағдарлама директоры",
    "ru": "Директор программы",
    "en": "Programme Director",
}


class UnknownLayout(ValueError):
    """Not one of ``LAYOUTS``."""


class FetchRefused(ValueError):
    """The template asked for a resource outside the shipped fonts."""


@dataclass(frozen=True)
class PdfFacts:
    """What a certificate page shows, as at issue."""

    serial: str
    display_serial: str
    holder_name: str
    course_title: str
    grade: int | None
    hours: int
    issued_at: datetime
    language: str
    verification_url: str
    issuer_name: str
    signatory_name: str
    signatory_title: dict[str, str]
    credential: dict[str, Any]


def default_layout(language: str) -> str:
    return language if language in LAYOUTS else "kk"


def _size_for(text: str, sizes: tuple[tuple[int, int], ...]) -> int:
    """A font size (pt) that keeps long names and titles on the page: the first whose length limit fits."""
    for limit, size in sizes:
        if len(text) <= limit:
            return size
    return sizes[-1][1]


HOLDER_SIZES = ((28, 30), (40, 25), (60, 20), (90, 16), (10**6, 13))
COURSE_SIZES = ((50, 19), (90, 16), (140, 13), (10**6, 11))


def qr_svg(url: str) -> Markup:
    """The verification URL as an inline SVG QR code (error correction M, no fixed size: CSS sets it)."""
    svg = segno.make(url, error="m").svg_inline(border=0, omitsize=True, dark="#1d2a3a")
    return Markup(svg)  # noqa: S704 - segno's own SVG markup; the URL is encoded as modules, not as text


def html(facts: PdfFacts, layout: str) -> str:
    """The certificate page's HTML in ``layout`` (kk, ru, en, or the bilingual kk-en)."""
    if layout not in LAYOUTS:
        raise UnknownLayout(layout)
    dates = {language: format_date(facts.issued_at, format="long", locale=language) for language in ("kk", "ru", "en")}
    titles = {"kk": "Сертификат", "ru": "Сертификат", "en": "Certificate", "kk-en": "Сертификат / Certificate"}
    return render_template(
        f"certificates/pdf/{layout}.html",
        facts=facts,
        dates=dates,
        html_lang="kk" if layout == "kk-en" else layout,
        document_title=f"{titles[layout]} {facts.display_serial} — {facts.holder_name}",
        holder_size=_size_for(facts.holder_name, HOLDER_SIZES),
        course_size=_size_for(facts.course_title, COURSE_SIZES),
        qr_svg=qr_svg(facts.verification_url),
    )


def _shipped_fonts_fetcher() -> Any:
    """A WeasyPrint URL fetcher for the files in ``FONTS_DIR`` only: no network, no other file.

    Anything else stops the rendering (``fail_on_errors``) instead of a page with a fallback font.
    """
    from weasyprint.urls import URLFetcher

    class ShippedFontsFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            path = Path(url.removeprefix("file://")).resolve() if url.startswith("file://") else None
            if path is None or path.parent != FONTS_DIR:
                raise FetchRefused(url)
            return super().fetch(url, headers)

    return ShippedFontsFetcher(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=True)


def credential_bytes(credential: dict[str, Any]) -> bytes:
    """The credential as attached: compact UTF-8 JSON with sorted keys (the proof does not depend on it)."""
    return json.dumps(credential, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def render(facts: PdfFacts, layout: str | None = None) -> bytes:
    """The unsigned certificate PDF, with the credential attached as ``credential.json``."""
    from weasyprint import HTML, Attachment
    from weasyprint.text.fonts import FontConfiguration

    layout = layout or default_layout(facts.language)
    document = HTML(
        string=html(facts, layout),
        base_url=str(FONTS_DIR) + "/",
        url_fetcher=_shipped_fonts_fetcher(),
    )
    attachment = Attachment(
        string=credential_bytes(facts.credential),
        name=CREDENTIAL_ATTACHMENT,
        description=ATTACHMENT_DESCRIPTION,
        created=facts.issued_at,
        modified=facts.issued_at,
    )
    data: bytes = document.write_pdf(
        font_config=FontConfiguration(),
        attachments=[attachment],
        pdf_identifier=facts.serial.encode(),
        pdf_tags=True,  # a tagged PDF: screen readers follow its structure
    )
    return data


def signatory(language_titles: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """The signatory's name and per-language title from the configuration."""
    config = current_app.config
    titles = dict(DEFAULT_SIGNATORY_TITLE)
    titles.update(language_titles or config.get("CERTIFICATE_SIGNATORY_TITLE") or {})
    return str(config.get("CERTIFICATE_SIGNATORY_NAME") or config["CERTIFICATE_ISSUER_NAME"]), titles
