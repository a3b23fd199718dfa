"""The file store: keys stay inside the folder, writes are whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lms import storage


def test_write_read_exists_delete(app: Any, tmp_path: Path) -> None:
    original = app.config["STORAGE_DIR"]
    app.config["STORAGE_DIR"] = str(tmp_path)
    try:
        with app.app_context():
            assert not storage.exists("certificates/AB/x.pdf")
            path = storage.write("certificates/AB/x.pdf", b"%PDF-1.7 one")
            assert path == tmp_path / "certificates" / "AB" / "x.pdf"
            storage.write("certificates/AB/x.pdf", b"%PDF-1.7 two")
            assert storage.read("certificates/AB/x.pdf") == b"%PDF-1.7 two"
            assert [p.name for p in (tmp_path / "certificates" / "AB").iterdir()] == ["x.pdf"]  # no part files
            storage.delete("certificates/AB/x.pdf")
            assert not storage.exists("certificates/AB/x.pdf")
            with pytest.raises(FileNotFoundError):
                storage.read("certificates/AB/x.pdf")
    finally:
        app.config["STORAGE_DIR"] = original


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../outside", "a/../../b"])
def test_keys_cannot_leave_the_folder(app: Any, key: str) -> None:
    with app.app_context(), pytest.raises(storage.BadKey):
        storage.write(key, b"x")


def test_a_file_written_piece_by_piece_appears_only_when_complete(app: Any, tmp_path: Path) -> None:
    original = app.config["STORAGE_DIR"]
    app.config["STORAGE_DIR"] = str(tmp_path)
    try:
        with app.app_context():
            with storage.writer("exports/a.zip") as handle:
                handle.write(b"first ")
                assert not storage.exists("exports/a.zip")
                handle.write(b"second")
            assert storage.read("exports/a.zip") == b"first second"
            with pytest.raises(RuntimeError), storage.writer("exports/a.zip") as handle:
                handle.write(b"half")
                raise RuntimeError("stopped")
            assert storage.read("exports/a.zip") == b"first second"
            assert [p.name for p in (tmp_path / "exports").iterdir()] == ["a.zip"]  # no part files left
    finally:
        app.config["STORAGE_DIR"] = original
