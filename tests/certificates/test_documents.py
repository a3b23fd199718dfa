"""A certificate's PDF: made on first download and stored, served to its holder and admins,
checked when uploaded on the verification page, rendered in bulk from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from certificates import documents, keyring, pdf, pdfsign, serials, services
from certificates.models import Certificate
from lms import storage
from lms.models import Role
from tests import factories
from tests.certificates.test_pdf import facts, flip_one_byte, make_material
from tests.conftest import csrf_token


def holder_of(certificate: Certificate) -> Any:
    from lms.db import db
    from lms.models import User

    return db.session.get(User, certificate.user_id)


def test_first_download_renders_and_stores_then_serves_the_stored_file(
    app: Any, certificate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = documents.storage_key(certificate, "kk")
    assert not storage.exists(key)
    first = documents.certificate_pdf(certificate)
    assert first.startswith(b"%PDF-") and storage.exists(key)
    assert pdfsign.check(first, pdfsign.signing_material(app).root).ok
    assert documents._attached_credential(first) == certificate.credential

    def no_rendering(*_args: Any) -> bytes:
        raise AssertionError("rendered again")

    monkeypatch.setattr(documents, "build_pdf", no_rendering)
    assert documents.certificate_pdf(certificate) == first  # the same bytes, the same signature


def test_layouts_are_stored_apart_and_unknown_ones_refused(certificate: Certificate) -> None:
    kk = documents.certificate_pdf(certificate, "kk")
    bilingual = documents.certificate_pdf(certificate, "kk-en")
    assert kk != bilingual and storage.exists(documents.storage_key(certificate, "kk-en"))
    with pytest.raises(pdf.UnknownLayout):
        documents.certificate_pdf(certificate, "de")


def test_the_holder_downloads_a_signed_pdf(client: Any, login: Any, certificate: Certificate) -> None:
    login(holder_of(certificate))
    url = f"/certificates/{serials.display(certificate.serial)}/pdf"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert serials.display(certificate.serial) in response.headers["Content-Disposition"]
    assert response.data.startswith(b"%PDF-")
    assert client.get(url + "?layout=kk-en").status_code == 200
    assert client.get(url + "?layout=xx").status_code == 404


def test_another_learner_cannot_download_it_and_an_admin_can(client: Any, login: Any, certificate: Certificate) -> None:
    url = f"/certificates/{serials.display(certificate.serial)}/pdf"
    assert client.get(url).status_code in (302, 401)  # signed out: to the sign-in page
    login(factories.user())
    assert client.get(url).status_code == 404
    login(factories.user(role=Role.TEACHER))
    assert client.get(url).status_code == 404
    login(factories.user(role=Role.ADMIN))
    assert client.get(url).status_code == 200


def test_a_revoked_certificate_is_no_longer_downloadable_by_its_holder(
    client: Any, login: Any, certificate: Certificate
) -> None:
    services.revoke_certificate(certificate, factories.user(role=Role.ADMIN), "Plagiarism")
    login(holder_of(certificate))
    assert client.get(f"/certificates/{certificate.serial}/pdf").status_code == 410


def test_the_learners_page_offers_download_and_a_public_link(client: Any, login: Any, certificate: Certificate) -> None:
    login(holder_of(certificate))
    client.set_cookie("lms_lang", "en")
    html = client.get("/certificates").get_data(as_text=True)
    display = serials.display(certificate.serial)
    assert f"/certificates/{display}/pdf" in html and "layout=kk-en" in html
    assert f'value="{documents.verification_url(certificate)}"' in html and "readonly" in html


def upload(client: Any, data: bytes, name: str = "certificate.pdf") -> Any:
    import io

    token = csrf_token(client, "/verify")
    return client.post(
        "/verify/pdf",
        data={"csrf_token": token, "pdf": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_uploading_the_genuine_pdf_says_so_and_shows_the_status(client: Any, certificate: Certificate) -> None:
    client.set_cookie("lms_lang", "en")
    response = upload(client, documents.certificate_pdf(certificate))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "The PDF is genuine and unchanged" in html and "Valid" in html and "Әлихан Өмірзақұлы" in html


def test_uploading_a_genuine_pdf_of_a_revoked_certificate_says_revoked(client: Any, certificate: Certificate) -> None:
    data = documents.certificate_pdf(certificate)
    services.revoke_certificate(certificate, factories.user(role=Role.ADMIN), "Issued in error")
    client.set_cookie("lms_lang", "en")
    html = upload(client, data).get_data(as_text=True)
    assert "genuine and unchanged" in html and "Revoked" in html and "Issued in error" in html


def test_an_altered_pdf_is_reported(client: Any, certificate: Certificate) -> None:
    client.set_cookie("lms_lang", "en")
    response = upload(client, flip_one_byte(documents.certificate_pdf(certificate)))
    assert response.status_code == 422
    assert "changed after it was signed" in response.get_data(as_text=True)
    appended = upload(client, documents.certificate_pdf(certificate) + b"\n% added later\n")
    assert appended.status_code == 422 and "changed after it was signed" in appended.get_data(as_text=True)


def test_a_pdf_signed_by_someone_else_is_reported(
    app: Any, client: Any, certificate: Certificate, tmp_path: Path
) -> None:
    with app.test_request_context():
        unsigned = pdf.render(documents.facts_of(certificate))
    forged = pdfsign.sign(unsigned, make_material(tmp_path), reason="x", location="y", name="z")
    client.set_cookie("lms_lang", "en")
    response = upload(client, forged)
    assert response.status_code == 422 and "not signed by this platform" in response.get_data(as_text=True)


def test_a_platform_signed_pdf_with_other_data_names_no_certificate(
    app: Any, client: Any, certificate: Certificate
) -> None:
    with app.test_request_context():
        facts = documents.facts_of(certificate)
        doctored = pdf.PdfFacts(**{**facts.__dict__, "credential": {**certificate.credential, "name": "Other"}})
        unsigned = pdf.render(doctored)
    signed = pdfsign.sign(unsigned, pdfsign.signing_material(app), reason="x", location="y", name="z")
    client.set_cookie("lms_lang", "en")
    response = upload(client, signed)
    assert response.status_code == 422 and "names no certificate on record" in response.get_data(as_text=True)


@pytest.mark.parametrize("data", [b"hello", b"%PDF-1.7\n" + bytes(range(256)) * 4, b""])
def test_not_a_pdf_gets_a_clear_answer(client: Any, certificate: Certificate, data: bytes) -> None:
    client.set_cookie("lms_lang", "en")
    response = upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 422), html
    assert "not a PDF file that can be read" in html or "Choose the certificate" in html


def test_a_huge_upload_is_refused(client: Any, certificate: Certificate, monkeypatch: pytest.MonkeyPatch) -> None:
    from certificates import views

    # A smaller limit keeps the test's body in memory (werkzeug spools big test bodies to files).
    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 4096)
    client.set_cookie("lms_lang", "en")
    response = upload(client, b"%PDF-1.7\n" + b"0" * 5000)
    assert response.status_code == 400 and "too large" in response.get_data(as_text=True)


def test_the_upload_form_needs_its_csrf_token(client: Any, certificate: Certificate) -> None:
    import io

    response = client.post(
        "/verify/pdf", data={"pdf": (io.BytesIO(b"%PDF-"), "a.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400


def test_the_pdf_signing_chain_is_published(app: Any, client: Any) -> None:
    response = client.get("/certificates/keys/pdf-chain.pem")
    assert response.status_code == 200
    assert response.data.count(b"BEGIN CERTIFICATE") == 2
    assert response.data == pdfsign.signing_material(app).chain_pem()


def test_render_all_renders_the_missing_pdfs_with_progress(app: Any, certificate: Certificate) -> None:
    runner = app.test_cli_runner()
    assert documents.missing_pdf_ids() == [certificate.id]
    result = runner.invoke(args=["certificates", "render", "--all"])
    assert result.exit_code == 0, result.output
    assert "Rendering 1 PDFs" in result.output and "certificate-pdfs: done (1/1)" in result.output
    assert storage.exists(documents.storage_key(certificate, "kk"))
    assert documents.missing_pdf_ids() == []
    again = runner.invoke(args=["certificates", "render", "--all"])
    assert again.exit_code == 0 and "rendered already" in again.output


def test_render_needs_a_scope_and_a_real_course(app: Any, certificate: Certificate) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["certificates", "render"]).exit_code == 2
    result = runner.invoke(args=["certificates", "render", "--course", "no-such-course"])
    assert result.exit_code == 1 and "No course no-such-course" in result.output


def test_downloads_are_tagged_standard_pdfs_and_render_fast_makes_verifiable_ones(
    app: Any, client: Any, certificate: Certificate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from certificates import fastpdf

    standard = documents.certificate_pdf(certificate, "en")
    assert b"/StructTreeRoot" in standard or b"StructTreeRoot" in standard.replace(b" ", b"")

    calls: list[str] = []
    real = fastpdf.signed_pdf

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append("fast")
        return real(*args, **kwargs)

    monkeypatch.setattr(fastpdf, "signed_pdf", counting)
    result = app.test_cli_runner().invoke(args=["certificates", "render", "--all", "--fast"])
    assert result.exit_code == 0, result.output
    assert calls == ["fast"]
    fast = documents.certificate_pdf(certificate)  # kk: stored by the fast run
    client.set_cookie("lms_lang", "en")
    response = upload(client, fast)
    assert response.status_code == 200 and "genuine and unchanged" in response.get_data(as_text=True)


def _validation_clock(monkeypatch: Any, later: Any) -> None:
    """Make the certificate validator's "now" ``later`` (its default moment when none is given)."""
    import datetime as dt

    from pyhanko_certvalidator import context

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return later

    monkeypatch.setattr(context, "datetime", Later)


def test_a_pdf_stays_genuine_after_its_signing_certificate_expires(
    client: Any, certificate: Certificate, monkeypatch: Any
) -> None:
    """A B-B signature has no timestamp: the signer's certificate is judged at the signing time."""
    import datetime as dt

    data = documents.certificate_pdf(certificate)
    three_years_on = dt.datetime.now(dt.UTC) + dt.timedelta(days=3 * 365)  # the leaf is valid for 825 days
    _validation_clock(monkeypatch, three_years_on)
    roots = keyring.trust_roots(keyring.chains(client.application))
    assert not pdfsign.check(data, roots).trusted  # judged "now", three years on: expired
    client.set_cookie("lms_lang", "en")
    html = upload(client, data).get_data(as_text=True)
    assert "genuine and unchanged" in html and "Valid" in html


def test_a_signature_made_outside_the_certificates_validity_is_not_trusted_at_its_time(
    app: Any, tmp_path: Path
) -> None:
    """Judging at the signing time is no loophole: a signature made after the certificate expired fails."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

    from certificates import keys
    from tests.certificates.test_rotation import chain_for

    key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "key.pem").write_bytes(keys._pem(key))
    (tmp_path / "chain.pem").write_bytes(chain_for(key, leaf_days=(-400, -10)))  # the leaf expired 10 days ago
    material = pdfsign.load_material(tmp_path / "key.pem", tmp_path / "chain.pem")
    root = x509.load_pem_x509_certificates((tmp_path / "chain.pem").read_bytes())[-1]
    with app.test_request_context():
        unsigned = pdf.render(facts())
    signed = pdfsign.sign(unsigned, material, reason="r", location="l", name="n")
    assert not pdfsign.check(signed, root, at_signing_time=True).trusted  # signed today, after it expired
    assert not pdfsign.check(signed, root).trusted
