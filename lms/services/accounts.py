"""Accounts: registration, sign-in, passwords, reset and invitation tokens, API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import joinedload

from lms.db import db, utcnow
from lms.models import ApiToken, Role, SignIn, User
from lms.passwords import hash_password, needs_rehash, verify_password

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


class EmailTaken(Exception):
    """An account with this e-mail already exists."""


class InvalidEmail(ValueError):
    """The text is not a usable e-mail address."""


class InvalidCredentials(Exception):
    """Wrong e-mail or password, or the account is disabled."""


class InvalidPassword(ValueError):
    """The new password breaks the password rules."""


class InvalidToken(Exception):
    """A reset or invitation link is malformed, expired or already used."""


def normalize_email(email: str) -> str:
    """The stored form of an address: trimmed and lower-cased; raises InvalidEmail."""
    email = (email or "").strip()
    try:
        checked = validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from exc
    return checked.normalized.lower()


def check_password_rules(password: str, email: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidPassword("too_short")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidPassword("too_long")
    if email and password.strip().lower() == email.strip().lower():
        raise InvalidPassword("same_as_email")


def get_user_by_email(email: str) -> User | None:
    try:
        normalized = normalize_email(email)
    except InvalidEmail:
        return None
    return db.session.scalar(sa.select(User).where(User.email == normalized))


def create_user(
    email: str,
    full_name: str,
    *,
    role: Role = Role.STUDENT,
    password: str | None = None,
    language: str = "kk",
    scope_region_id: int | None = None,
    school_id: int | None = None,
) -> User:
    """Add an account (flushed). Raises EmailTaken, InvalidEmail, InvalidPassword."""
    normalized = normalize_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == normalized)) is not None:
        raise EmailTaken(normalized)
    if password is not None:
        check_password_rules(password, normalized)
    user = User(
        email=normalized,
        full_name=full_name.strip(),
        role=role,
        preferred_language=language,
        password_hash=hash_password(password) if password is not None else None,
        scope_region_id=scope_region_id if role == Role.OFFICIAL else None,
        school_id=school_id,
    )
    db.session.add(user)
    db.session.flush()
    return user


def register_student(email: str, full_name: str, password: str, language: str) -> User:
    """Self-registration: always a student. Raises EmailTaken, InvalidEmail, InvalidPassword."""
    return create_user(email, full_name, role=Role.STUDENT, password=password, language=language)


def authenticate(email: str, password: str) -> User:
    """Return the active user with these credentials, or raise InvalidCredentials.

    An unknown address costs a full hash verification too, so timing does not
    tell which addresses have accounts.
    """
    user = get_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        raise InvalidCredentials()
    assert user.password_hash is not None  # noqa: S101 - verify_password is False without a hash
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def set_password(user: User, new_password: str) -> None:
    """Replace the password, end the user's other sessions and revoke their API tokens."""
    check_password_rules(new_password, user.email)
    user.password_hash = hash_password(new_password)
    user.auth_version += 1
    end_all_sign_ins(user)
    revoke_all_api_tokens(user)
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Raises InvalidCredentials when the current password is wrong, InvalidPassword for a weak one."""
    if not verify_password(user.password_hash, current_password):
        raise InvalidCredentials()
    set_password(user, new_password)


# Reset and invitation links -------------------------------------------------

_TOKEN_SALT = "lms.password-token"  # noqa: S105 - a salt, not a secret


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_TOKEN_SALT)


def _password_fingerprint(user: User) -> str:
    # Ties a link to the password it replaces: once used (or the password
    # changes by any other way) the link stops working.
    material = f"{user.password_hash or '-'}:{user.auth_version}".encode()
    return hashlib.sha256(material).hexdigest()[:16]


def make_password_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "fp": _password_fingerprint(user)})


def user_for_password_token(token: str) -> User:
    """The user a reset or invitation link belongs to; raises InvalidToken.

    A link for an account without a password (an invitation) lives for
    INVITATION_TTL, a password reset link for PASSWORD_RESET_TTL.
    """
    config = current_app.config
    longest = max(config["PASSWORD_RESET_TTL"], config["INVITATION_TTL"])
    try:
        data, signed_at = _serializer().loads(token, max_age=int(longest.total_seconds()), return_timestamp=True)
    except (SignatureExpired, BadSignature) as exc:
        raise InvalidToken() from exc
    uid = data.get("uid") if isinstance(data, dict) else None
    user = db.session.get(User, uid) if isinstance(uid, int) else None
    if user is None or not user.active:
        raise InvalidToken()
    if not hmac.compare_digest(str(data.get("fp", "")), _password_fingerprint(user)):
        raise InvalidToken()
    ttl = config["PASSWORD_RESET_TTL"] if user.has_password else config["INVITATION_TTL"]
    if utcnow() - signed_at > ttl:
        raise InvalidToken()
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a password from a reset or invitation link; the link works once.

    Raises InvalidToken or InvalidPassword.
    """
    user = user_for_password_token(token)
    set_password(user, new_password)
    return user


# API tokens -----------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    secret: str
    token: ApiToken


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_api_token(user: User, ttl: timedelta | None = None) -> IssuedToken:
    """Create a bearer token; the secret is returned once and only its digest is stored."""
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        digest=_digest(secret),
        expires_at=utcnow() + (ttl or current_app.config["API_TOKEN_TTL"]),
    )
    db.session.add(token)
    db.session.flush()
    return IssuedToken(secret, token)


def token_for_secret(secret: str, now: datetime | None = None) -> ApiToken | None:
    """The live token for a bearer secret (not expired, not revoked, user active), or None.

    The token and its user are read in one query: every API request asks.
    """
    if not secret or len(secret) > 200:
        return None
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.digest == _digest(secret)).options(joinedload(ApiToken.user))
    )
    if token is None:
        return None
    now = now or utcnow()
    if token.revoked_at is not None or token.expires_at <= now or not token.user.active:
        return None
    return token


def start_sign_in(user: User, *, remember: bool, user_agent: str = "", address: str = "") -> SignIn:
    """A new signed-in device for the user (flushed); its id becomes the session's (``User.get_id``).

    It lasts as long as the session cookie may (``PERMANENT_SESSION_LIFETIME``), or with "remember me" as
    long as the remember-me cookie (``REMEMBER_COOKIE_DURATION``, 30 days).
    """
    now = utcnow()
    config = current_app.config
    lifetime = config["REMEMBER_COOKIE_DURATION"] if remember else config["PERMANENT_SESSION_LIFETIME"]
    sign_in = SignIn(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        user_agent=user_agent[:200],
        address=address[:64],
    )
    db.session.add(sign_in)
    db.session.flush()
    user.sign_in_id = sign_in.id
    return sign_in


SIGN_IN_SEEN_RESOLUTION = timedelta(minutes=5)


def user_for_session_id(session_id: str, now: datetime | None = None) -> User | None:
    """The user a session (or remember-me cookie) stands for, or None: Flask-Login's user loader.

    The session id is a sign-in's (``start_sign_in``); the sign-in must not have ended or expired, and the
    account must be active. When it was last seen is noted every few minutes.
    """
    if not session_id or len(session_id) > 64:
        return None
    now = now or utcnow()
    sign_in = db.session.scalar(sa.select(SignIn).where(SignIn.id == session_id).options(joinedload(SignIn.user)))
    if sign_in is None or sign_in.ended_at is not None or sign_in.expires_at <= now or not sign_in.user.active:
        return None
    if now - sign_in.last_seen_at >= SIGN_IN_SEEN_RESOLUTION:
        sign_in.last_seen_at = now
        db.session.flush()
    user = sign_in.user
    user.sign_in_id = sign_in.id
    return user


def end_sign_in(user: User, sign_in_id: str) -> bool:
    """Sign one device out (only the user's own); False when there is no such live sign-in."""
    sign_in = db.session.get(SignIn, sign_in_id)
    if sign_in is None or sign_in.user_id != user.id or sign_in.ended_at is not None:
        return False
    sign_in.ended_at = utcnow()
    db.session.flush()
    return True


def end_all_sign_ins(user: User) -> int:
    """Sign the user out on every device; how many sign-ins ended."""
    result = db.session.execute(
        sa.update(SignIn)
        .where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def live_sign_ins(user: User, now: datetime | None = None) -> list[SignIn]:
    """The user's signed-in devices, most recently seen first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(SignIn)
            .where(SignIn.user_id == user.id, SignIn.ended_at.is_(None), SignIn.expires_at > now)
            .order_by(SignIn.last_seen_at.desc())
        )
    )


TOKEN_USE_RESOLUTION = timedelta(minutes=5)


def note_api_token_use(token: ApiToken, now: datetime | None = None) -> bool:
    """Record when a token was last used, at most every few minutes; True when changed."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_USE_RESOLUTION:
        return False
    token.last_used_at = now
    db.session.flush()
    return True


def revoke_api_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()


def revoke_all_api_tokens(user: User) -> int:
    result = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def live_api_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
            .order_by(ApiToken.created_at.desc())
        )
    )


def set_preferred_language(user: User, language: str) -> None:
    user.preferred_language = language
    db.session.flush()


class LastAdmin(Exception):
    """The change would leave the platform without an active administrator."""


def update_user(
    user: User,
    *,
    actor: User,
    full_name: str,
    email: str,
    role: Role,
    language: str,
    scope_region_id: int | None,
    school_id: int | None,
    active: bool,
) -> User:
    """An admin edits an account. Raises EmailTaken, InvalidEmail, LastAdmin.

    A role or activity change ends the user's sessions and API tokens, so
    the new rights apply at once.
    """
    normalized = normalize_email(email)
    if normalized != user.email and db.session.scalar(sa.select(User.id).where(User.email == normalized)):
        raise EmailTaken(normalized)
    if user.role == Role.ADMIN and (role != Role.ADMIN or not active):
        other_admins = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        )
        if not other_admins:
            raise LastAdmin()
    rights_changed = role != user.role or active != user.active or scope_region_id != user.scope_region_id
    user.full_name = full_name.strip()
    user.email = normalized
    user.role = role
    user.preferred_language = language
    user.scope_region_id = scope_region_id if role == Role.OFFICIAL else None
    user.school_id = school_id
    user.active = active
    if rights_changed and user.id != actor.id:
        user.auth_version += 1
        end_all_sign_ins(user)
        revoke_all_api_tokens(user)
    db.session.flush()
    return user


def list_users(search: str = "", role: Role | None = None) -> sa.Select[User]:
    query = sa.select(User).order_by(User.full_name, User.id)
    if role is not None:
        query = query.where(User.role == role)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(sa.or_(User.email.like(pattern), sa.func.lower(User.full_name).like(pattern)))
    return query


def update_profile(user: User, full_name: str, language: str) -> None:
    """The user's own changes: name and language."""
    user.full_name = full_name.strip()
    user.preferred_language = language
    db.session.flush()
