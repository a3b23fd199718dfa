"""Per-process caches of the busiest pages: anonymous ones (landing, sign-in, registration) and
signed-in page shells (a lesson), each visitor's CSRF token put in per request.

At nine in the morning a whole country's classrooms open the sign-in page at
once. For a visitor who is not signed in, has no message waiting and sends no
query string, the page differs only by language and by the CSRF token, so it
is rendered once per language and process and served with the visitor's own
token put in. Anything else (a signed-in user, a flashed message, form
errors, a POST) renders normally.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import ClassVar, ParamSpec

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


#: Signed-in page shells kept per process (a lesson page is about 8 KB: 2,048 of them are 16 MB).
MAX_SHELLS = 2048


def fill(shell: str, token: str) -> str:
    """A kept page with the visitor's signed CSRF token put in."""
    return shell.replace(TOKEN_SLOT, token)


class ShellCache:
    """Signed-in pages rendered once per key and process, the visitor's CSRF token put in per request.

    For pages many learners open in the same state (a lesson: the same text, the same buttons),
    where rendering the template costs more than everything else the request does. The caller
    names in ``key`` everything the page shows beyond the path, the language, the CSRF token and
    the visitor's role (which the navigation shows); a page with a flashed message waiting, a
    query string, or in debug mode renders normally. Least recently used shells go first.
    """

    instances: ClassVar[weakref.WeakSet[ShellCache]] = weakref.WeakSet()

    def __init__(self, max_entries: int = MAX_SHELLS) -> None:
        self.max_entries = max_entries
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()
        self.renders = 0  # pages rendered rather than taken from the cache (for tests and monitoring)
        ShellCache.instances.add(self)

    def page(self, key: tuple[Hashable, ...], render: Callable[[], str]) -> str:
        if request.query_string or "_flashes" in session or current_app.debug:
            return render()
        token = csrf_token()
        full_key = self.full_key(request.path, str(get_locale()), getattr(current_user, "role", None), key)
        shell = self.shell(full_key)
        if shell is not None:
            return fill(shell, token)
        rendered = render()
        self.renders += 1
        with self._lock:
            self._pages[full_key] = rendered.replace(token, TOKEN_SLOT)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)
        return rendered

    @staticmethod
    def full_key(path: str, language: str, role: Hashable, key: tuple[Hashable, ...]) -> tuple[Hashable, ...]:
        """Where ``page`` keeps a page: the path, the language, the visitor's role, then the caller's key."""
        return (path, language, role, *key)

    def shell(self, full_key: tuple[Hashable, ...]) -> str | None:
        """The page kept for a ``full_key``, its CSRF token still to put in (``fill``); None if none is."""
        with self._lock:
            shell = self._pages.get(full_key)
            if shell is not None:
                self._pages.move_to_end(full_key)
        return shell

    def __len__(self) -> int:
        return len(self._pages)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self.renders = 0

    @classmethod
    def clear_all(cls) -> None:
        for cache in list(cls.instances):
            cache.clear()
