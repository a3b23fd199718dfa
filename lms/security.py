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
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import Signer, URLSafeTimedSerializer
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

    The same session key, salt and format, so Flask-WTF validates it (a test checks).
    """
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    token = g.get(field)
    if token is None:
        if field not in session:
            session[field] = secrets.token_hex(20)
        token = _csrf_serializer(current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key).dumps(
            session[field]
        )
        setattr(g, field, token)
    return str(token)


@functools.cache
def _csrf_serializer(secret: str) -> SmallTokenSerializer:
    return SmallTokenSerializer(secret, salt="wtf-csrf-token")


class SessionJSON:
    """Compact JSON; lazy translated strings (flashed messages) are stored as text."""

    def dumps(self, value: object) -> str:
        return json.dumps(value, separators=(",", ":"), default=str)

    def loads(self, value: str | bytes) -> Any:
        return json.loads(value)


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
