"""Certificate PDFs: WeasyPrint with shipped fonts, the credential attached, a PAdES signature that
poppler's pdfsig and pyHanko's validator accept and that any change breaks."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from certificates import documents, pdf, pdfsign
from tests.conftest import IN_CI

KAZAKH_NAME = "Әлихан Өмірзақұлы"


def tool(name: str) -> str:
    """A poppler tool's path; skipped where it is missing, except under CI (install-system-deps puts it there)."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is missing: scripts/install-system-deps installs poppler-utils")
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


def run(*command: str, data: bytes | None = None, tmp: Path | None = None) -> str:
    """Run a poppler tool on ``data`` written to a file; return its standard output and error."""
    assert tmp is not None and data is not None
    target = tmp / "document.pdf"
    target.write_bytes(data)
    done = subprocess.run([*command, str(target)], capture_output=True, text=True, timeout=60, check=False)
    return done.stdout + done.stderr


def facts(**changes: Any) -> pdf.PdfFacts:
    values: dict[str, Any] = {
        "serial": "7K3Q9XM2PA4RW",
        "display_serial": "7K3Q-9XM2-PA4R-W",
        "holder_name": KAZAKH_NAME,
        "course_title": "Жасанды интеллект негіздері",
        "grade": 87,
        "hours": 24,
        "issued_at": datetime.datetime(2026, 11, 29, 10, 0),
        "language": "kk",
        "verification_url": "https://aiskills.example/verify/7K3Q-9XM2-PA4R-W",
        "issuer_name": "AI Skills",
        "signatory_name": "Айгүл Серікқызы",
        "signatory_title": dict(pdf.DEFAULT_SIGNATORY_TITLE),
        "credential": {"id": "https://aiskills.example/verify/7K3Q-9XM2-PA4R-W", "name": "Әлихан"},
    }
    values.update(changes)
    return pdf.PdfFacts(**values)


@pytest.fixture(scope="module")
def signed(app: Any) -> bytes:
    with app.test_request_context():
        unsigned = pdf.render(facts())
        return pdfsign.sign(
            unsigned, pdfsign.signing_material(app), reason="Certificate", location="Astana", name="AI Skills"
        )


def flip_one_byte(data: bytes) -> bytes:
    """Change one byte of the page content (inside the signed range, outside the signature itself)."""
    changed = bytearray(data)
    position = data.index(b"/MediaBox")
    changed[position + 1] = ord("N")  # /MediaBox -> /NediaBox
    return bytes(changed)


def test_harfbuzz_subsetter_is_loaded() -> None:
    """Without libharfbuzz-subset0 WeasyPrint falls back to fontTools: about 5x slower per certificate."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    assert harfbuzz_subset is not None, "libharfbuzz-subset0 is missing (scripts/install-system-deps)"
    assert harfbuzz.hb_version_atleast(4, 1, 0)


def test_pdfsig_says_valid_and_whole_document(signed: bytes, tmp_path: Path) -> None:
    report = run(tool("pdfsig"), data=signed, tmp=tmp_path)
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Total document signed" in report, report
    assert "Signing Hash Algorithm: SHA-256" in report and "ETSI.CAdES.detached" in report, report


def test_pyhanko_says_valid_intact_trusted_and_whole_file(app: Any, signed: bytes) -> None:
    check = pdfsign.check(signed, pdfsign.signing_material(app).root)
    assert check.ok, check
    assert "AI Skills certificates" in check.signer


def test_one_changed_byte_is_reported_by_both(app: Any, signed: bytes, tmp_path: Path) -> None:
    altered = flip_one_byte(signed)
    assert len(altered) == len(signed) and altered != signed
    report = run(tool("pdfsig"), data=altered, tmp=tmp_path)
    assert "Signature is Valid." not in report and "Digest Mismatch" in report, report
    check = pdfsign.check(altered, pdfsign.signing_material(app).root)
    assert not check.intact and not check.ok


def test_bytes_added_after_signing_are_reported_by_both(app: Any, signed: bytes, tmp_path: Path) -> None:
    appended = signed + b"\n% added later\n"
    report = run(tool("pdfsig"), data=appended, tmp=tmp_path)
    assert "Total document signed" not in report, report
    assert not pdfsign.check(appended, pdfsign.signing_material(app).root).ok


def test_a_signature_from_another_key_is_not_trusted(app: Any, signed: bytes, tmp_path: Path) -> None:
    other = make_material(tmp_path)
    check = pdfsign.check(signed, other.root)
    assert check.intact and not check.trusted and not check.ok


def make_material(folder: Path) -> pdfsign.PdfSigningMaterial:
    """Another key and chain, as another issuer would have."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from certificates import keys

    key = ec.generate_private_key(ec.SECP256R1())
    (folder / "other-key.pem").write_bytes(keys._pem(key))
    (folder / "other-chain.pem").write_bytes(keys._self_signed_chain(key))
    return pdfsign.load_material(folder / "other-key.pem", folder / "other-chain.pem")


def test_kazakh_letters_extract_as_written(signed: bytes, tmp_path: Path) -> None:
    run(tool("pdftotext"), "-enc", "UTF-8", data=signed, tmp=tmp_path)  # writes document.txt beside it
    text = (tmp_path / "document.txt").read_text(encoding="utf-8")
    assert KAZAKH_NAME in text
    assert "Жасанды интеллект негіздері" in text
    assert "курсын сәтті аяқтады" in text and "7K3Q-9XM2-PA4R-W" in text


def test_only_the_shipped_fonts_are_embedded_and_subset(signed: bytes, tmp_path: Path) -> None:
    report = run(tool("pdffonts"), data=signed, tmp=tmp_path)
    rows = [line.split() for line in report.splitlines()[2:] if line.strip()]
    assert rows, report
    for row in rows:
        assert "+Certificate-" in row[0], report  # a subset tag and our family, never a system font
        assert row[-5:-2] == ["yes", "yes", "yes"], report  # embedded, subset, ToUnicode


def test_the_credential_is_attached(app: Any, signed: bytes) -> None:
    assert documents._attached_credential(signed) == facts().credential


@pytest.mark.parametrize(
    ("layout", "words"),
    [
        ("kk", ["СЕРТИФИКАТ", "Баға", "Берілген күні", "2026 ж. 29 қараша"]),
        ("ru", ["Настоящим удостоверяется", "Оценка", "Дата выдачи", "29 ноября 2026"]),
        ("en", ["This certifies that", "Grade", "Date of issue", "November 29, 2026"]),
        ("kk-en", ["СЕРТИФИКАТ", "CERTIFICATE", "Баға", "Grade", "курсын сәтті аяқтады"]),
    ],
)
def test_each_layout_speaks_its_language(app: Any, tmp_path: Path, layout: str, words: list[str]) -> None:
    tool("pdftotext")
    with app.test_request_context():
        data = pdf.render(facts(language=layout[:2]), layout)
    run("pdftotext", "-enc", "UTF-8", data=data, tmp=tmp_path)
    text = " ".join((tmp_path / "document.txt").read_text(encoding="utf-8").split())
    for word in words:
        assert word in text, (word, text)
    assert KAZAKH_NAME in text


def test_a_very_long_name_stays_on_one_page(app: Any, tmp_path: Path) -> None:
    tool("pdfinfo")
    long_name = "Әлихан-Жасұлан Өмірзақұлы " * 6
    with app.test_request_context():
        data = pdf.render(facts(holder_name=long_name.strip(), course_title="Машиналық оқыту " * 12))
    info = run("pdfinfo", data=data, tmp=tmp_path)
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE), info
    assert "841.89 x 595.276 pts (A4)" in info, info  # A4 landscape


def test_the_template_cannot_fetch_anything_but_the_fonts(app: Any) -> None:
    fetcher = pdf._shipped_fonts_fetcher()
    with pytest.raises(pdf.FetchRefused):
        fetcher.fetch("https://example.org/logo.png")
    with pytest.raises(pdf.FetchRefused):
        fetcher.fetch("file:///etc/passwd")
    assert fetcher.fetch((pdf.FONTS_DIR / "NotoSans-Regular.ttf").as_uri()) is not None


def test_qr_code_encodes_the_verification_url() -> None:
    svg = str(pdf.qr_svg("https://aiskills.example/verify/7K3Q-9XM2-PA4R-W"))
    assert svg.startswith("<svg") and "viewBox" in svg and 'width="' not in svg.split(">", 1)[0]


def test_signing_refuses_a_key_that_is_not_p256(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from certificates import keys

    (tmp_path / "key.pem").write_bytes(keys._pem(Ed25519PrivateKey.generate()))
    (tmp_path / "chain.pem").write_bytes(b"")
    with pytest.raises(pdfsign.PdfSigningKeyMissing):
        pdfsign.load_material(tmp_path / "key.pem", tmp_path / "chain.pem")


def test_garbage_is_not_a_pdf(app: Any) -> None:
    with pytest.raises(pdfsign.NotAPdf):
        pdfsign.check(b"%PDF-1.7\nnot really" + bytes(range(256)), pdfsign.signing_material(app).root)


def test_the_signed_pdf_is_tagged_for_screen_readers(signed: bytes, tmp_path: Path) -> None:
    info = run(tool("pdfinfo"), data=signed, tmp=tmp_path)
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE), info
    assert "Сертификат 7K3Q-9XM2-PA4R-W" in info  # the document title


def test_signing_and_checking_work_inside_a_running_event_loop(app: Any) -> None:
    """pyHanko's own wrappers call asyncio.run, which fails under a running loop (Playwright's sync API)."""
    import asyncio
    import concurrent.futures

    async def inside() -> bool:
        with app.test_request_context():
            unsigned = pdf.render(facts())
        material = pdfsign.signing_material(app)
        signed = pdfsign.sign(unsigned, material, reason="r", location="l", name="n")
        return pdfsign.check(signed, material.root).ok

    # A thread of its own: in the whole suite, Playwright's loop already runs in this one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(lambda: asyncio.run(inside())).result()
