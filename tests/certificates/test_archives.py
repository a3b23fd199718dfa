"""ZIP files of a class's or a school's certificates: one PDF per valid certificate, the register beside them."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest
from flask_babel import force_locale

from certificates import archives, documents, register, serials, tasks
from lms import storage
from lms.models import TaskStatus
from lms.services import progress
from tests.certificates.registers import World, build_world, fake_pdf


@pytest.fixture
def world(db: Any, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(documents, "certificate_pdf", fake_pdf)
    return build_world()


def read_zip(key: str) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(storage.read(key)))


def test_a_class_zip_has_a_pdf_per_valid_certificate_and_the_register(app: Any, world: World) -> None:
    calls: list[tuple[int, int]] = []
    with app.test_request_context(), force_locale("en"):
        summary = archives.write_certificates_zip(
            "exports/test/class.zip",
            register.RegisterFilter(class_id=world.class_a.id),
            lambda done, total: calls.append((done, total)),
        )
    assert (summary.pdfs, summary.rows) == (2, 3)
    assert calls == [(0, 2), (2, 2)]
    archive = read_zip("exports/test/class.zip")
    folder = f"9 A ({world.class_a.academic_year})"
    aliya, erlan = world.certificates["aliya"], world.certificates["erlan"]
    assert sorted(archive.namelist()) == sorted(
        [
            f"{folder}/Ерлан Қасымов - {serials.display(erlan.serial)}.pdf",
            f"{folder}/Әлия Ақ Сәрсенова Test - {serials.display(aliya.serial)}.pdf",
            "register.csv",
        ]
    )
    pdf = next(info for info in archive.infolist() if info.filename.startswith(f"{folder}/Ерлан"))
    assert pdf.compress_type == zipfile.ZIP_STORED
    assert archive.read(pdf) == f"%PDF-1.7 fake {erlan.serial}".encode()
    lines = list(csv.reader(io.StringIO(archive.read("register.csv").decode("utf-8-sig"))))
    assert len(lines) == 4
    bob = next(line for line in lines if line[1] == "Bob Brown")
    assert bob[7] == "Revoked" and bob[9] == "issued in error"  # revoked: in the register, not as a PDF
    assert not any("Bob Brown" in name for name in archive.namelist())


def test_a_school_zip_has_a_folder_per_class_and_one_for_its_teachers(app: Any, world: World) -> None:
    with app.test_request_context():
        summary = archives.write_certificates_zip(
            "exports/test/school.zip", register.RegisterFilter(school_id=world.school.id)
        )
    assert summary.pdfs == 4
    folders = {name.split("/")[0] for name in read_zip("exports/test/school.zip").namelist() if "/" in name}
    year = world.class_a.academic_year
    assert folders == {f"9 A ({year})", f"10 B ({year})", world.school.name}


def test_progress_comes_after_each_chunk(app: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archives, "CHUNK", 3)
    calls: list[tuple[int, int]] = []
    archives.write_certificates_zip(
        "exports/test/chunks.zip",
        register.RegisterFilter(),
        lambda done, total: calls.append((done, total)),
    )
    assert calls == [(0, 5), (3, 5), (5, 5)]  # six certificates, one revoked


def test_a_failed_pdf_stores_nothing(app: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_certificate: Any) -> bytes:
        raise RuntimeError("renderer down")

    monkeypatch.setattr(documents, "certificate_pdf", broken)
    with app.test_request_context(), pytest.raises(RuntimeError):
        archives.write_certificates_zip("exports/test/broken.zip", register.RegisterFilter(class_id=world.class_a.id))
    assert not storage.exists("exports/test/broken.zip")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Әлия Сәрсенова", "Әлия Сәрсенова"),
        ('a/b\\c:d*e?f"g<h>i|j', "a b c d e f g h i j"),
        ("../../etc/passwd", "etc passwd"),
        ("  tabs\tand\nnewlines  ", "tabs and newlines"),
        ("CON", "_CON"),
        ("lpt1.txt", "_lpt1.txt"),
        ("...", "fallback"),
        ("", "fallback"),
        ("x" * 300, "x" * archives.MAX_NAME),
    ],
)
def test_names_are_safe_on_every_file_system(text: str, expected: str) -> None:
    assert archives.safe_name(text, fallback="fallback") == expected


def test_names_are_unique_ignoring_case() -> None:
    names = archives.UniqueNames()
    assert names.claim("9 A", "Ali - 1", ".pdf") == "9 A/Ali - 1.pdf"
    assert names.claim("9 A", "ALI - 1", ".pdf") == "9 A/ALI - 1 (2).pdf"
    assert names.claim("9 a", "ali - 1", ".pdf") == "9 a/ali - 1 (3).pdf"
    assert names.claim("9 B", "Ali - 1", ".pdf") == "9 B/Ali - 1.pdf"


def test_the_task_records_progress_to_the_end_and_the_file(app: Any, world: World) -> None:
    job = progress.create_progress(tasks.ZIP_TASK_KIND, world.admin)
    filters = register.RegisterFilter(school_id=world.school.id).as_dict()
    # As in a worker: an app context, no request; the register in the language asked for.
    tasks.build_certificates_zip.call_local(job.id, filters, "ru", "Certificates.zip")
    assert job.status is TaskStatus.DONE and job.percent == 100 and (job.done, job.total) == (4, 4)
    assert job.result == {"key": tasks.zip_key(job.id), "filename": "Certificates.zip", "certificates": 4, "rows": 5}
    assert job.message == "В ZIP-файле 4 сертификата."
    archive = read_zip(tasks.zip_key(job.id))
    assert len(archive.namelist()) == 5
    assert archive.read("register.csv").decode("utf-8-sig").startswith("Номер,Владелец,Курс,")


def test_a_failing_task_is_marked_failed(app: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_certificate: Any) -> bytes:
        raise RuntimeError("renderer down")

    monkeypatch.setattr(documents, "certificate_pdf", broken)
    job = progress.create_progress(tasks.ZIP_TASK_KIND, world.admin)
    with app.test_request_context():
        tasks.build_certificates_zip.call_local(
            job.id, register.RegisterFilter(class_id=world.class_a.id).as_dict(), "en", "x.zip"
        )
    assert job.status is TaskStatus.FAILED and "could not be made" in job.message
    assert not storage.exists(tasks.zip_key(job.id))


def test_the_zip_loads_certificates_a_chunk_at_a_time(
    db: Any, monkeypatch: pytest.MonkeyPatch, count_queries: Any
) -> None:
    """Statements grow with the chunks, never with the certificates in a chunk."""
    monkeypatch.setattr(documents, "certificate_pdf", fake_pdf)
    counts = []
    for extra in (0, 10):
        world = build_world(extra_in_class_a=extra)
        with count_queries() as counter:
            summary = archives.write_certificates_zip(
                f"exports/test/count-{extra}.zip", register.RegisterFilter(class_id=world.class_a.id)
            )
        assert summary.pdfs == 2 + extra <= archives.CHUNK
        counts.append(counter.count)
    assert counts[0] == counts[1] == 2  # the register, then the chunk's certificates


def test_the_zip_holds_the_real_signed_pdfs(app: Any, db: Any) -> None:
    """Without the stand-in: each PDF in the ZIP is the stored, signed certificate."""
    from certificates import pdfsign

    real = build_world()
    with app.test_request_context(), force_locale("en"):
        archives.write_certificates_zip(
            "exports/test/real.zip", register.RegisterFilter(class_id=real.class_a.id), lambda done, total: None
        )
    archive = read_zip("exports/test/real.zip")
    pdfs = [name for name in archive.namelist() if name.endswith(".pdf")]
    assert len(pdfs) == 2
    erlan = real.certificates["erlan"]
    name = next(name for name in pdfs if serials.display(erlan.serial) in name)
    data = archive.read(name)
    assert data == documents.certificate_pdf(erlan)  # the stored file, not a second rendering
    assert pdfsign.check(data, pdfsign.signing_material(app).root).ok
