"""Files uploaded for an import, kept between its preview and its confirmation.

A teacher uploads a class list, sees the first rows as the platform read them (and what importing would
do), then confirms. The file is kept in storage meanwhile under a random token and its uploader's id, for
at most ``KEPT_FOR``; only its uploader can use it.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import timedelta

from lms import storage

KEPT_FOR = timedelta(hours=1)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")


class UploadGone(LookupError):
    """No such staged file for this person (never uploaded, someone else's, used, or expired)."""


def _key(owner_id: int, token: str) -> str:
    if not _TOKEN.fullmatch(token):
        raise UploadGone(token)
    return f"uploads/{int(owner_id)}/{token}.csv"


def stage(owner_id: int, data: bytes) -> str:
    """Keep an uploaded file for its owner; the token that names it."""
    token = secrets.token_urlsafe(16)
    storage.write(_key(owner_id, token), data)
    return token


def staged(owner_id: int, token: str) -> bytes:
    """The file the owner staged under this token; raises UploadGone (and forgets one kept too long)."""
    key = _key(owner_id, token)
    path = storage.path_of(key)
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError as exc:
        raise UploadGone(token) from exc
    if age > KEPT_FOR.total_seconds():
        storage.delete(key)
        raise UploadGone(token)
    return storage.read(key)


def discard(owner_id: int, token: str) -> None:
    try:
        storage.delete(_key(owner_id, token))
    except UploadGone:
        pass


def discard_expired(now: float | None = None) -> int:
    """Forget every staged file kept longer than ``KEPT_FOR`` (a preview never confirmed); how many."""
    folder = storage.storage_root() / "uploads"
    limit = (now or time.time()) - KEPT_FOR.total_seconds()
    removed = 0
    for path in folder.glob("*/*.csv") if folder.is_dir() else ():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # used or removed meanwhile
    return removed
