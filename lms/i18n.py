"""Language choice: kk (default), ru, en.

The choice is taken from, in order: the signed-in user's preference, the
``lms_lang`` cookie the switcher sets, the browser's Accept-Language, then kk.
"""

from __future__ import annotations

import functools
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_translations
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGUAGE_COOKIE = "lms_lang"
# Shown in the switcher in each language's own name, so anyone can find theirs.
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def is_supported(language: str | None) -> bool:
    return language in supported_languages()


def maybe_signed_in() -> bool:
    """False when the request cannot belong to a signed-in user (no session user, no remember cookie).

    Lets the hottest anonymous pages skip loading the user at all.
    """
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" in session or remember_cookie in request.cookies


@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def select_locale() -> Locale:
    """Flask-Babel's locale selector (a parsed Locale, so it is not parsed again per request)."""
    return _locale(_choose_language())


def _choose_language() -> str:
    if not has_request_context():
        # Workers and the CLI: texts for a person are rendered inside force_locale().
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    # Once: each read through the proxy looks the user up again.
    user = current_user._get_current_object() if maybe_signed_in() else None
    return language_for(user, request.cookies.get(LANGUAGE_COOKIE), request.headers.get("Accept-Language"))


def language_for(user: Any, cookie: str | None, accept_language: str | None) -> str:
    """The language for a visitor: a signed-in user's preference, the switcher's cookie, the
    browser's Accept-Language header, then the default (also for a quick answer, without Flask's request)."""
    supported = supported_languages()
    if user is not None and user.is_authenticated and user.preferred_language in supported:
        return str(user.preferred_language)
    if cookie in supported:
        return str(cookie)
    best = parse_accept_header(accept_language, LanguageAccept).best_match(supported)
    return best or str(current_app.config["BABEL_DEFAULT_LOCALE"])


def current_translations() -> NullTranslations:
    """Flask-Babel's translations for the current locale, remembered for the context.

    Flask-Babel looks the catalogue up again on every text (about 18 µs, against
    0.2 µs for the lookup itself), and a page has dozens of texts. The catalogue
    is remembered beside Flask-Babel's own per-context state, keyed by the locale
    object, which ``force_locale`` replaces, so a forced locale is still honoured.
    """
    state = g.get("_flask_babel")
    remembered = getattr(state, "lms_translations", None)
    if remembered is not None and remembered[0] is getattr(state, "babel_locale", None):
        return remembered[1]
    translations = get_translations()
    state = g.get("_flask_babel")
    if state is not None and getattr(state, "babel_locale", None) is not None:
        state.lms_translations = (state.babel_locale, translations)
    return translations


def install_template_gettext(app: Flask) -> None:
    """Templates' ``_``/``gettext``/``ngettext`` through ``current_translations`` (Jinja's newstyle)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda string: current_translations().ugettext(string),
        ngettext=lambda singular, plural, n: current_translations().ungettext(singular, plural, n),
        newstyle=True,
    )
