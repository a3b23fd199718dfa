"""Language choice: kk (default), ru, en.

The choice is taken from, in order: the signed-in user's preference, the
``lms_lang`` cookie the switcher sets, the browser's Accept-Language, then kk.
"""

from __future__ import annotations

import functools

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_translations
from flask_login import current_user

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
    if maybe_signed_in():
        user = current_user._get_current_object()  # once: each read through the proxy looks the user up again
        if user.is_authenticated and is_supported(user.preferred_language):
            return str(user.preferred_language)
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if is_supported(cookie):
        return str(cookie)
    best = request.accept_languages.best_match(supported_languages())
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
