"""Quick answers for the busiest GET requests, before Flask's request cycle.

A route that answers from one indexed read (the certificate verification API, hit by every QR code
scanned; the lesson page, opened by every learner all day) spends most of its time in the framework:
the request context, the session, URL matching, the request hooks, Flask-Login, the response object.
Here such a route registers a *quick answer* for its path prefix. The quick answer runs in an app
context, on the same services as the view, and either answers the request in full or returns
``None``; then the request goes through Flask as before, to the view, which gives the same success
answer, or the error with its message in the visitor's language. So only the common case is quick:
anything unusual (another method, a query string, plain HTTP when HTTPS is forced, an error, a
refusal) takes the ordinary way. A signed-in page's quick answer reads the session as Flask and
Flask-Login would (``lms.signedin.signed_in_session``) and leaves to Flask every request whose
answer would change the session or set a cookie; a test compares each quick answer with the view's.

Installed inside the security headers (every answer carries them) and behind ProxyFix (the
visitor's address is already the forwarded one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

#: A quick answer: status line, headers (Content-Length is added) and body.
Answer = tuple[str, list[tuple[str, str]], bytes]
#: Given the WSGI environ and the path after the prefix: the answer, or None to let Flask answer.
QuickAnswer = Callable[[dict[str, Any], str], Answer | None]


class HotPaths:
    """WSGI middleware: the registered quick answers first, then the Flask app."""

    def __init__(self, app: Flask, wsgi_app: Any) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.routes: list[tuple[str, QuickAnswer]] = []
        self.enabled = True
        self.answered = 0  # requests answered quickly (for tests and monitoring)

    def add(self, prefix: str, answer: QuickAnswer) -> None:
        """Answer GET requests for ``prefix<rest>`` (``rest`` without a slash) with ``answer`` first."""
        self.routes.append((prefix, answer))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if self.enabled and environ.get("REQUEST_METHOD") == "GET" and not environ.get("QUERY_STRING"):
            path: str = environ.get("PATH_INFO", "")
            for prefix, quick in self.routes:
                if path.startswith(prefix):
                    answered = self._answer(quick, environ, path[len(prefix) :])
                    if answered is not None:
                        status, headers, body = answered
                        headers.append(("Content-Length", str(len(body))))
                        self.answered += 1
                        start_response(status, headers)
                        return [body]
                    break
        return self.wsgi_app(environ, start_response)

    def _answer(self, quick: QuickAnswer, environ: dict[str, Any], rest: str) -> Answer | None:
        if not rest or "/" in rest:
            return None
        if self.app.config["FORCE_HTTPS"] and environ.get("wsgi.url_scheme") != "https":
            return None  # Flask redirects it
        try:
            with self.app.app_context():
                return quick(environ, rest)
        except Exception:
            # Flask answers instead, with its error handling (a JSON 500 or 503, logged there too).
            log.exception("quick answer for %s failed; Flask answers instead", environ.get("PATH_INFO"))
            return None


def install_hot_paths(app: Flask) -> HotPaths:
    """Wrap the app's WSGI callable (before the security headers wrap it: they apply to quick answers too)."""
    hot = HotPaths(app, app.wsgi_app)
    app.wsgi_app = hot  # type: ignore[method-assign]
    app.extensions["lms.hot_paths"] = hot
    return hot


def hot_paths(app: Flask) -> HotPaths:
    found: HotPaths = app.extensions["lms.hot_paths"]
    return found
