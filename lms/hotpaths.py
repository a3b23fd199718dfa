"""Quick answers for the busiest requests, before Flask's request cycle.

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

A quick answer may also write (the quiz submission, sent by every learner answering a quiz). Falling
through to Flask after its write would write twice, so the rule is: decline only before the write, and
call ``writing(environ)`` just before committing. From then on the request never goes to the view: a
failure (the commit's included) is answered by Flask's error handling, as the view's failure would be.
A quick answer for a request with a body reads it with ``request_body``, which puts it back for Flask.

Installed inside the security headers (every answer carries them) and behind ProxyFix (the
visitor's address is already the forwarded one).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from flask import Flask, current_app

log = logging.getLogger(__name__)

#: A quick answer: status line, headers (Content-Length is added) and body.
Answer = tuple[str, list[tuple[str, str]], bytes]
#: Given the WSGI environ and the path after the prefix: the answer, or None to let Flask answer.
QuickAnswer = Callable[[dict[str, Any], str], Answer | None]

WRITING = "lms.hotpaths.writing"
BODY = "lms.hotpaths.body"


class Route(NamedTuple):
    method: str
    prefix: str
    suffix: str
    answer: QuickAnswer


class WroteThenFailed(Exception):
    """A quick answer failed after it began to write: the request must not go on to the view."""


def writing(environ: dict[str, Any]) -> None:
    """Called by a quick answer just before it commits: from here it answers, even a failure."""
    environ[WRITING] = True


def request_body(environ: dict[str, Any]) -> bytes | None:
    """The request's body, read once and put back for Flask; None when Flask should judge it (no
    Content-Length, a chunked body, one over ``MAX_CONTENT_LENGTH``, or one cut short)."""
    if BODY in environ:
        found: bytes | None = environ[BODY]
        return found
    environ[BODY] = None
    length_text = environ.get("CONTENT_LENGTH") or ""
    if environ.get("HTTP_TRANSFER_ENCODING") or not (length_text.isascii() and length_text.isdigit()):
        return None
    length = int(length_text)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and length > limit:
        return None
    body: bytes = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)  # Flask reads it from here if the quick answer declines
    if len(body) != length:
        return None
    environ[BODY] = body
    return body


class HotPaths:
    """WSGI middleware: the registered quick answers first, then the Flask app."""

    def __init__(self, app: Flask, wsgi_app: Any) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.routes: list[Route] = []
        self.enabled = True
        self.answered = 0  # requests answered quickly (for tests and monitoring)

    def add(self, prefix: str, answer: QuickAnswer, *, method: str = "GET", suffix: str = "") -> None:
        """Answer ``method`` requests for ``prefix<rest><suffix>`` (``rest`` without a slash) with ``answer`` first."""
        self.routes.append(Route(method, prefix, suffix, answer))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if self.enabled and not environ.get("QUERY_STRING"):
            method = environ.get("REQUEST_METHOD")
            path: str = environ.get("PATH_INFO", "")
            for route in self.routes:
                if route.method == method and path.startswith(route.prefix) and path.endswith(route.suffix):
                    rest = path[len(route.prefix) : len(path) - len(route.suffix)]
                    try:
                        answered = self._answer(route.answer, environ, rest)
                    except WroteThenFailed as failed:
                        cause = failed.__cause__
                        return self._error_answer(
                            environ, start_response, cause if isinstance(cause, Exception) else failed
                        )
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
                answered = quick(environ, rest)
                if answered is None and environ.get(WRITING):
                    raise RuntimeError("a quick answer declined after it began to write")
                return answered
        except Exception as exc:
            if environ.get(WRITING):
                raise WroteThenFailed from exc
            # Flask answers instead, with its error handling (a JSON 500 or 503, logged there too).
            log.exception("quick answer for %s failed; Flask answers instead", environ.get("PATH_INFO"))
            return None

    def _error_answer(self, environ: dict[str, Any], start_response: Any, error: Exception) -> Iterable[bytes]:
        """Flask's answer to an error raised in a view, as its request cycle gives it: the app's error
        handlers first (logged, the error page or JSON in the visitor's language), Flask's last resort
        for an error they do not handle."""
        with self.app.request_context(environ):
            try:
                try:
                    raise error
                except Exception as exc:  # handle_user_exception re-raises an error no handler takes
                    response = self.app.finalize_request(self.app.handle_user_exception(exc), from_error_handler=True)
            except Exception as unhandled:
                response = self.app.handle_exception(unhandled)
            answer: Iterable[bytes] = response(environ, start_response)
            return answer


def install_hot_paths(app: Flask) -> HotPaths:
    """Wrap the app's WSGI callable (before the security headers wrap it: they apply to quick answers too)."""
    hot = HotPaths(app, app.wsgi_app)
    app.wsgi_app = hot  # type: ignore[method-assign]
    app.extensions["lms.hot_paths"] = hot
    return hot


def hot_paths(app: Flask) -> HotPaths:
    found: HotPaths = app.extensions["lms.hot_paths"]
    return found
