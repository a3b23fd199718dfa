"""Files the platform makes and keeps: certificate PDFs, report files, bulk downloads.

A folder (``STORAGE_DIR``, ``LMS_STORAGE_DIR``; ``instance/storage`` by default) that
every app server and worker shares. Names are relative keys such as
``certificates/7K/7K3Q9XM2PA4RW.pdf``; a key never leaves the folder. Files are written
to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app


class BadKey(ValueError):
    """A storage key that is empty, absolute, or climbs out of the folder."""


def storage_root(app: Flask | None = None) -> Path:
    app = app or current_app
    configured = app.config.get("STORAGE_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "storage"


def path_of(key: str, app: Flask | None = None) -> Path:
    """Where ``key`` lives (whether or not it exists)."""
    parts = Path(key).parts
    if not key or Path(key).is_absolute() or ".." in parts or not parts:
        raise BadKey(key)
    return storage_root(app) / key


def exists(key: str, app: Flask | None = None) -> bool:
    return path_of(key, app).is_file()


def read(key: str, app: Flask | None = None) -> bytes:
    """The file's bytes; raises ``FileNotFoundError``."""
    return path_of(key, app).read_bytes()


def write(key: str, data: bytes, app: Flask | None = None) -> Path:
    """Store ``data`` under ``key`` atomically (replacing any file there); return its path."""
    with writer(key, app) as handle:
        handle.write(data)
    return path_of(key, app)


@contextmanager
def writer(key: str, app: Flask | None = None) -> Iterator[BinaryIO]:
    """A file to write ``key`` piece by piece (a big ZIP, say); it appears under ``key`` only when complete.

    On an exception nothing is stored and any earlier file under ``key`` stays.
    """
    target = path_of(key, app)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(descriptor, "w+b") as handle:
            yield handle
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def delete(key: str, app: Flask | None = None) -> None:
    path_of(key, app).unlink(missing_ok=True)
