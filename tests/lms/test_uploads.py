"""Import files kept between their preview and their confirmation."""

from __future__ import annotations

import os
import time

import pytest

from lms import storage
from lms.services import uploads


def test_a_staged_file_is_its_owners_and_forgotten_after_an_hour(app):
    with app.app_context():
        token = uploads.stage(7, b"email,full_name\n")
        assert uploads.staged(7, token) == b"email,full_name\n"
        for owner, name in ((8, token), (7, "../../etc/passwd"), (7, "x" * 22)):
            with pytest.raises(uploads.UploadGone):
                uploads.staged(owner, name)
        path = storage.path_of(f"uploads/7/{token}.csv")
        old = time.time() - uploads.KEPT_FOR.total_seconds() - 5
        os.utime(path, (old, old))
        with pytest.raises(uploads.UploadGone):
            uploads.staged(7, token)
        assert not path.exists()


def test_files_never_confirmed_are_swept(app):
    with app.app_context():
        kept, stale = uploads.stage(1, b"a"), uploads.stage(2, b"b")
        old = time.time() - uploads.KEPT_FOR.total_seconds() - 5
        os.utime(storage.path_of(f"uploads/2/{stale}.csv"), (old, old))
        assert uploads.discard_expired() == 1
        assert uploads.staged(1, kept) == b"a"
        uploads.discard(1, kept)
