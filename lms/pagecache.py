"""A per-process cache of the pages anonymous visitors open most: landing, sign-in, registration.

At nine in the morning a whole country's classrooms open the sign-in page at
once. For a visitor who is not signed in, has no message waiting and sends no
query string, the page differs only by language and by the CSRF token, so it
is rendered once per language and process and served with the visitor's own
token put in. Anything else (a signed-in user, a flashed message, form
errors, a POST) renders normally.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec

from flask import current_app, request, session
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user

from lms.i18n import maybe_signed_in
from lms.security import csrf_token

P = ParamSpec("P")
# Stands for the CSRF token in a cached page; cannot occur in a real token (those are URL-safe base64).
TOKEN_SLOT = "\x00csrf-token\x00"  # noqa: S105 - a placeholder, not a secret
MAX_ENTRIES = 64


def _cacheable() -> bool:
    return (
        request.method == "GET"
        and not request.query_string
        and not (maybe_signed_in() and current_user.is_authenticated)
        and "_flashes" not in session
        and not current_app.debug
    )


def anonymous_page_cache(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
    cache: dict[tuple[str, str], str] = {}

    @functools.wraps(view)
    def cached(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if not _cacheable():
            return view(*args, **kwargs)
        token = csrf_token()
        key = (request.path, str(get_locale()))
        page = cache.get(key)
        if page is None:
            rendered = view(*args, **kwargs)
            if not isinstance(rendered, str) or token not in rendered:
                return rendered
            if len(cache) < MAX_ENTRIES:
                cache[key] = rendered.replace(token, TOKEN_SLOT)
            return rendered
        return page.replace(TOKEN_SLOT, token)

    return cached
