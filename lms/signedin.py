"""The signed-in user, read together with a busy page's own data (one round trip instead of two).

Flask-Login loads the session's user on first use of ``current_user``, with a query of its own.
A busy page (the lesson page) reads the user's row in its own first query instead, offers it here,
and the user loader (``lms.app``) takes it, checking it as always: the account active, the
session's auth version current. The row is for the request that read it, and only for that user.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any, NamedTuple

from flask import Flask, g, request, session
from flask.sessions import SessionMixin
from werkzeug.http import parse_cookie

from lms.db import attach_row, db, detached_row, row_columns
from lms.models import User
from lms.security import SignedCookieSessions


def session_user_id() -> int | None:
    """The user id the signed session names (Flask-Login's ``"<id>:<auth version>"``), or None.

    Not yet checked against the database: the user loader does that.
    """
    named = parse_session_id(session.get("_user_id"))
    return None if named is None else named[0]


def parse_session_id(value: object) -> tuple[int, str] | None:
    """The user id and auth version in Flask-Login's session id ``"<id>:<auth version>"``, or None."""
    user_id, _sep, version = str(value or "").partition(":")
    return (int(user_id), version) if user_id.isascii() and user_id.isdigit() else None


#: Where ``offer_signed_in_user`` leaves the row for the user loader, for this request only.
_OFFERED = "lms_offered_user_row"


def offer_signed_in_user(row: Any) -> None:
    """A row of the signed-in user's columns (``row_columns(User)``), read with a view's own query.

    A busy page can read the session's user together with its own data, in one round trip; the
    user loader then takes this row instead of reading the user again, and checks it as always
    (the account active, the session's auth version current).
    """
    g.setdefault(_OFFERED, row)


def offered_user(user_id: int) -> User | None:
    """The user ``offer_signed_in_user`` left for this request, if it is this user (else None).

    Detached from the database session when the request has none yet (the usual case: the offer
    comes first): its columns read as loaded, so a page that only reads creates no session at all,
    which is a fifth of the lesson page's cost. Such a page must not load the user's relationships
    (``current_user.school``): SQLAlchemy raises ``DetachedInstanceError``. Writes that refer to the
    user by id, or by relationship (which adds it to the session), work as with any user.
    """
    row = g.pop(_OFFERED, None)
    if row is None or row[_user_id_position()] != user_id:
        return None
    if db.session.registry.has():
        return attach_row(User, row)  # the session's instance, one per row
    return detached_row(User, row)


@functools.cache
def _user_id_position() -> int:
    return [column.key for column in row_columns(User)].index("id")


def session_identifier() -> str:
    """Flask-Login's session identifier for this request, remembered per browser and address.

    Flask-Login binds a session to a SHA-512 of the visitor's address and User-Agent, and computes
    it on every signed-in request (about a thirtieth of a lesson page). It is the same value for
    the same two headers, so it is remembered for them (``flask_login.utils._create_identifier``,
    which a test compares it with).
    """
    environ = request.environ
    return _identifier(environ.get("HTTP_X_FORWARDED_FOR", request.remote_addr), environ.get("HTTP_USER_AGENT"))


@functools.lru_cache(maxsize=4096)
def _identifier(address: str | None, user_agent: str | None) -> str:
    # Flask-Login's text exactly: the first forwarded address and the User-Agent, each as bytes.
    first = None if address is None else address.encode("utf-8").split(b",")[0].strip()
    agent = None if user_agent is None else user_agent.encode("utf-8")
    return hashlib.sha512(f"{first!r}|{agent!r}".encode()).hexdigest()  # b'…' or None, as Flask-Login has them


def accepts(user: User | None, version: str) -> bool:
    """Whether a session naming this user at this auth version signs them in (the user loader's check):
    the account exists and is active, and its auth version is the session's (changing a password or
    signing out everywhere moves it on)."""
    return user is not None and user.active and str(user.auth_version) == version


class SignedInRequest(NamedTuple):
    session: SessionMixin
    user_id: int
    auth_version: str
    cookies: dict[str, str]


def signed_in_session(app: Flask, environ: dict[str, Any]) -> SignedInRequest | None:
    """A signed-in browser's plain request, read from the WSGI environ as Flask and Flask-Login read it:
    the session, its user id, its auth version and the request's cookies; None for anything else
    (``lms.hotpaths``).

    Plain means nothing the request cycle would change or answer differently: a session cookie that
    verifies, names a user and carries a CSRF token, bound to this browser and address (Flask-Login's
    session protection: a mismatch marks the session not fresh, a change), with no message waiting,
    no remember-me cookie to set or clear, and no cookie to set in the answer. The user is not read:
    the caller reads them, and checks them with ``accepts``.
    """
    config = app.config
    if config.get("LOGIN_DISABLED") or app.debug:
        return None
    interface = app.session_interface
    if not isinstance(interface, SignedCookieSessions):
        return None
    cookies = parse_cookie(environ.get("HTTP_COOKIE"))
    opened = interface.session_from_cookie(app, cookies.get(interface.get_cookie_name(app)))
    if not opened or "_flashes" in opened or "_remember" in opened:
        return None
    if interface.should_set_cookie(app, opened) or config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST"):
        return None
    if opened.get(config["WTF_CSRF_FIELD_NAME"]) is None:
        return None  # the page would make one, and set the cookie
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if opened.get("_id") != _identifier(address, environ.get("HTTP_USER_AGENT")):
        return None
    named = parse_session_id(opened.get("_user_id"))
    if named is None:
        return None
    return SignedInRequest(opened, named[0], named[1], cookies)
