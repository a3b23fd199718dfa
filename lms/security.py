"""Security headers on every response, computed once at start-up.

Content-Security-Policy without inline script or style, framing refused,
a strict referrer policy; HSTS when the site is served over HTTPS. Added
as WSGI middleware: a list append per response, the cheapest place for it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import time
from collections.abc import Iterable
from typing import Any

from flask import Flask, Request, Response, current_app, g, redirect, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, Signer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin
from werkzeug.wrappers import Response as BaseResponse

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

HEADERS = [
    ("Content-Security-Policy", "; ".join(f"{name} {value}" for name, value in CSP.items())),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


class SecurityHeaders:
    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _value in headers}
            headers.extend(h for h in HEADERS if h[0].lower() not in present)
            # Pages are negotiated by language (cookie or Accept-Language).
            headers.append(("Vary", "Accept-Language"))
            if environ.get("wsgi.url_scheme") == "https":
                headers.append(HSTS)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def init_security_headers(app: Flask) -> None:
    """Wrap the app's WSGI callable; ProxyFix, when used, goes outside it."""
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]
    if app.config["FORCE_HTTPS"]:

        @app.before_request
        def redirect_to_https() -> BaseResponse | None:
            if not request.is_secure and request.path != "/healthz":
                return redirect(request.url.replace("http://", "https://", 1), code=301)
            return None


class SmallTokenSerializer(URLSafeTimedSerializer):
    """itsdangerous' URL-safe timed serializer, without trying zlib first.

    Session cookies and CSRF tokens are a few dozen bytes that zlib cannot
    shorten, and setting zlib up costs about as much as the rest of the
    signing. Reading still accepts compressed payloads.
    """

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(super(URLSafeSerializerMixin, self).dump_payload(obj))


def csrf_token() -> str:
    """Flask-WTF's ``generate_csrf``, minus a new serializer and a zlib attempt per call.

    The same session key, salt and format, so Flask-WTF validates it (a test checks). A session's
    signed token is handed out again for ``CSRF_TOKEN_REUSE_SECONDS`` (see ``_signed_csrf_token``).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    field = app.config["WTF_CSRF_FIELD_NAME"]
    token = g.get(field)
    if token is None:
        raw = session.get(field)
        if raw is None:
            raw = session[field] = secrets.token_hex(20)
        token = signed_csrf_token(app, raw)
        setattr(g, field, token)
    return str(token)


def signed_csrf_token(app: Flask, raw: str) -> str:
    """The signed form of a session's raw CSRF token (``csrf_token`` without the request context, for a
    quick answer that has read the session itself)."""
    config = app.config
    secret = config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    if not secret:
        raise RuntimeError("A secret key is required to use CSRF.")  # as Flask-WTF says
    limit = config.get("WTF_CSRF_TIME_LIMIT")
    reuse = CSRF_TOKEN_REUSE_SECONDS if limit is None else min(CSRF_TOKEN_REUSE_SECONDS, limit / 60)
    return _signed_csrf_token(secret, raw, reuse)


#: A session's signed CSRF token is reused for this long: signing costs a signed-in page about a
#: twentieth of its time, and every page has a form (sign out, at least). A reused token is at most
#: this much older than its page, against the 12 hours it stays valid (``WTF_CSRF_TIME_LIMIT``); with
#: a shorter limit the reuse is shorter too (a sixtieth of the limit at most).
CSRF_TOKEN_REUSE_SECONDS = 60.0
#: Signed tokens kept per process (each about 120 bytes); all are dropped when it is full.
MAX_SIGNED_CSRF_TOKENS = 8192
_signed_csrf_tokens: dict[tuple[str | bytes, str], tuple[str, float]] = {}


def _signed_csrf_token(secret: str | bytes, raw: str, reuse: float) -> str:
    now = time.monotonic()
    key = (secret, raw)
    kept = _signed_csrf_tokens.get(key)
    if kept is not None and now - kept[1] < reuse:
        return kept[0]
    token = _csrf_serializer(secret).dumps(raw)
    if len(_signed_csrf_tokens) >= MAX_SIGNED_CSRF_TOKENS:
        _signed_csrf_tokens.clear()
    _signed_csrf_tokens[key] = (token, now)
    return str(token)


@functools.cache
def _csrf_serializer(secret: str | bytes) -> SmallTokenSerializer:
    return SmallTokenSerializer(secret, salt="wtf-csrf-token")


class SessionJSON:
    """Compact JSON; lazy translated strings (flashed messages) are stored as text."""

    def dumps(self, value: object) -> str:
        return json.dumps(value, separators=(",", ":"), default=str)

    def loads(self, value: str | bytes) -> Any:
        return json.loads(value)


#: Session cookies whose signature was checked, kept per process (each a few hundred bytes); all are
#: dropped when it is full.
MAX_VERIFIED_COOKIES = 8192


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, lighter: plain JSON, and the signer built once per key.

    Sessions hold only JSON values (user id, CSRF token, flashed messages),
    so Flask's tagged JSON is not needed; Flask also builds the signer anew for
    every request. Any app server behind the load balancer reads any session,
    as they share the secret key.
    """

    serializer = SessionJSON()  # type: ignore[assignment]
    digest_method = staticmethod(hashlib.sha1)

    _cached: tuple[object, URLSafeTimedSerializer | None] = (None, None)

    def __init__(self) -> None:
        # Cookies verified before, by their whole signed value: (the serializer that verified it,
        # the time it was signed, its payload as JSON text). See ``open_session``.
        self._verified: dict[str, tuple[URLSafeTimedSerializer, float, str]] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Flask's ``open_session``, verifying a cookie's signature once per process.

        A signed-in browser sends the same cookie with every page until the session changes, and
        checking its signature (two HMACs, base64, JSON) costs a signed-in page about a twentieth
        of its time. A cookie that verified before is known by its whole signed value, so it is
        read from its kept payload instead, its age checked against the session's lifetime as
        itsdangerous would; a changed secret key (another serializer) verifies again. A cookie
        that fails to verify is never kept. Each request gets a session of its own.
        """
        return self.session_from_cookie(app, request.cookies.get(self.get_cookie_name(app)))

    def session_from_cookie(self, app: Flask, value: str | None) -> SecureCookieSession | None:
        """``open_session`` for the session cookie's value (None when there is none)."""
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        kept = self._verified.get(value)
        if kept is not None and kept[0] is signer and 0 <= time.time() - kept[1] <= int(max_age):
            return self.session_class(self.serializer.loads(kept[2]))
        try:
            data, signed_at = signer.loads(value, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if len(self._verified) >= MAX_VERIFIED_COOKIES:
            self._verified.clear()
        self._verified[value] = (signer, signed_at.timestamp(), self.serializer.dumps(data))
        return self.session_class(data)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Flask's ``save_session``; a session read and left as it was (most pages) only adds
        ``Vary: Cookie``, without parsing and rebuilding the header when there is none yet."""
        if session and session.accessed and not self.should_set_cookie(app, session):
            if response.headers.getlist("Vary"):
                response.vary.add("Cookie")
            else:
                response.headers.add("Vary", "Cookie")
            return
        super().save_session(app, session, response)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        fallbacks = tuple(app.config.get("SECRET_KEY_FALLBACKS") or ())
        key = (app.secret_key, fallbacks)
        cached_key, serializer = self._cached
        if cached_key != key:
            serializer = None
            if app.secret_key:
                serializer = SmallTokenSerializer(
                    [*fallbacks, app.secret_key],  # the current key last, as itsdangerous expects
                    salt=self.salt,
                    serializer=self.serializer,
                    signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
                )
            self._cached = (key, serializer)
        return serializer


def use_openssl_hmac() -> None:
    """Sign with hashlib's SHA-1 constructor itself, the same digest, computed by OpenSSL.

    itsdangerous (under Flask sessions, Flask-WTF's CSRF tokens and our
    password links) defaults to a lazy Python wrapper around hashlib.sha1,
    which makes the hmac module fall back to its pure-Python implementation.
    Signatures are byte-for-byte the same (a test checks it); they cost less.
    """
    Signer.default_digest_method = staticmethod(hashlib.sha1)
