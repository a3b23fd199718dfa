"""Password hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# A real hash of a random password: verifying against it costs the same as a
# real account, so a login for an unknown e-mail takes as long as a wrong password.
_DUMMY_PASSWORD = "dummy password for timing"  # noqa: S105


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("lms.password_hasher")
    if hasher is None:
        config = current_app.config
        hasher = PasswordHasher(
            time_cost=config["ARGON2_TIME_COST"],
            memory_cost=config["ARGON2_MEMORY_COST"],
            parallelism=config["ARGON2_PARALLELISM"],
        )
        current_app.extensions["lms.password_hasher"] = hasher
        current_app.extensions["lms.dummy_hash"] = hasher.hash(_DUMMY_PASSWORD)
    return hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; spends a full verification even without a hash."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or current_app.extensions["lms.dummy_hash"], password) and (
            password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
