"""Security headers on every response, computed once at start-up.

Content-Security-Policy without inline script or style, framing refused,
a strict referrer policy; HSTS when the site is served over HTTPS. Added
as WSGI middleware: a list append per response, the cheapest place for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, redirect, request
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
