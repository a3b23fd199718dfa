"""Language choice: kk (default), ru, en.

The choice is taken from, in order: the signed-in user's preference, the
``lms_lang`` cookie the switcher sets, the browser's Accept-Language, then kk.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

LANGUAGE_COOKIE = "lms_lang"
# Shown in the switcher in each language's own name, so anyone can find theirs.
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def is_supported(language: str | None) -> bool:
    return language in supported_languages()


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    if not has_request_context():
        # Workers and the CLI: texts for a person are rendered inside force_locale().
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    supported = supported_languages()
    if current_user.is_authenticated and current_user.preferred_language in supported:
        return str(current_user.preferred_language)
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in supported:
        return str(cookie)
    return request.accept_languages.best_match(supported) or str(current_app.config["BABEL_DEFAULT_LOCALE"])


def current_language() -> str:
    """The language of the page being rendered (or of a forced locale)."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
