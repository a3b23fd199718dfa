"""Rate limits on signing in, shared by the sign-in page and the API's token endpoint.

Only failed attempts count, per account and per address: a classroom signing
in from one school address is not slowed, a password guesser is.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

import limits
from flask import Flask, current_app, g, request
from werkzeug.exceptions import TooManyRequests

from lms.extensions import limiter

F = TypeVar("F", bound=Callable[..., object])


def record_failed_sign_in() -> None:
    g.sign_in_failed = True


def _failed(_response: object) -> bool:
    return bool(g.get("sign_in_failed"))


def limit_failed_sign_ins(account_key: Callable[[], str], scope: str) -> Callable[[F], F]:
    per_account = limiter.limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
        key_func=account_key,
        deduct_when=_failed,
        scope=f"{scope}-account",
    )
    per_address = limiter.limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], deduct_when=_failed, scope=f"{scope}-address"
    )

    def decorator(view: F) -> F:
        return per_account(per_address(view))  # type: ignore[return-value]

    return decorator


def init_rate_limits(app: Flask) -> None:
    """Bind Flask-Limiter, with its per-request hooks running only where limits are.

    The platform sets no default or application-wide limits: only decorated
    views are limited, and those check their limits themselves. Flask-Limiter
    still hooks every request (before, after and at teardown), which costs
    each page and /healthz time for nothing; here the before-hook is dropped
    and the other two run for limited views only. The tests that expect 429
    prove the limits still hold; if Flask-Limiter changes these hooks, start-up
    fails here rather than limits silently stopping.
    """
    limiter.init_app(app)
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    after = [f for f in app.after_request_funcs[None] if isinstance(f, functools.partial) and f.args == (limiter,)]
    teardown = [f for f in app.teardown_request_funcs[None] if getattr(f, "__self__", None) is limiter]
    if len(after) != 1 or len(teardown) != 1:
        raise RuntimeError("Flask-Limiter's request hooks are not where lms.ratelimits expects them")
    (inject_headers,), (release_context,) = after, teardown
    app.after_request_funcs[None].remove(inject_headers)
    app.teardown_request_funcs[None].remove(release_context)

    @functools.cache
    def limited_endpoints() -> frozenset[str]:
        marker = "__wrapper-limiter-instance"
        # Flask-Limiter marks its wrappers with a weak proxy to itself: compare with ==, not `is`.
        return frozenset(name for name, view in app.view_functions.items() if getattr(view, marker, None) == limiter)

    @app.after_request
    def apply_limits_after(response: Any) -> Any:
        return inject_headers(response) if request.endpoint in limited_endpoints() else response

    @app.teardown_request
    def release_limits(error: BaseException | None = None) -> None:
        if request.endpoint in limited_endpoints():
            release_context(error)


@functools.lru_cache(maxsize=32)
def _parsed(limit: str) -> limits.RateLimitItem:
    return limits.parse(limit)


#: The WSGI environ key under which a request's per-address counts are noted (scope -> refusal).
COUNTED = "lms.ratelimit.counted"


def count_address_hit(environ: dict[str, Any], limit_value: str, scope: str) -> int | None:
    """Count one request from the environ's address against a per-address limit, once per request.

    None when it is allowed; when it is over the limit, the seconds until it may try again. The
    result is noted in the environ, so the quick answer (``lms.hotpaths``) and the view behind it
    count a request once between them.
    """
    counted: dict[str, int | None] = environ.setdefault(COUNTED, {})
    if scope in counted:
        return counted[scope]
    item = _parsed(limit_value)
    address = environ.get("REMOTE_ADDR") or "127.0.0.1"  # Flask-Limiter's get_remote_address, behind ProxyFix
    strategy = limiter.limiter
    refused = None
    if not strategy.hit(item, address, scope):
        reset = strategy.get_window_stats(item, address, scope).reset_time
        refused = max(1, math.ceil(reset - time.time()))
    counted[scope] = refused
    return refused


def per_address_limit(limit_value: Callable[[], str], scope: str) -> Callable[[F], F]:
    """A per-address limit for the busiest public views, checked with ``limits`` directly.

    It counts in Flask-Limiter's own storage and strategy (so ``RATELIMIT_STORAGE_URI`` is
    shared between app servers, and ``limiter.reset()`` and ``limiter.enabled`` apply), but
    skips Flask-Limiter's per-request work (resolving decorated limits, filters, the
    ``X-RateLimit-*`` headers), which cost the verification API about a sixth of its time.
    Over the limit: 429 with ``Retry-After``.
    """

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            if limiter.enabled:
                retry_after = count_address_hit(request.environ, limit_value(), scope)
                if retry_after is not None:
                    error = TooManyRequests(retry_after=retry_after)
                    error.data = {"headers": {"Retry-After": str(retry_after)}}  # type: ignore[attr-defined]
                    raise error
            return view(*args, **kwargs)

        return limited  # type: ignore[return-value]

    return decorator
