"""Rate limits on signing in, shared by the sign-in page and the API's token endpoint.

Only failed attempts count, and the page and the token endpoint count together (a guesser gains
nothing by switching). Three counters: per account and address (low: a password guesser is
slowed), per address (high: a classroom signs in from one school address), and per account (high
too, so that nobody can lock a known official out from a few addresses).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g
from flask_limiter.util import get_remote_address

from lms.extensions import limiter

F = TypeVar("F", bound=Callable[..., object])


def record_failed_sign_in() -> None:
    g.sign_in_failed = True


def _failed(_response: object) -> bool:
    return bool(g.get("sign_in_failed"))


def limit_failed_sign_ins(email: Callable[[], str]) -> Callable[[F], F]:
    """Count the view's failed sign-ins (``record_failed_sign_in``) against the shared limits; ``email`` gives
    the address the request tries (normalised the same way by every view)."""

    def account() -> str:
        return "sign-in-account:" + email().strip().lower()[:254]

    def account_and_address() -> str:
        return f"sign-in-pair:{email().strip().lower()[:254]}|{get_remote_address()}"

    limits = [
        limiter.shared_limit(
            lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"],
            scope="sign-in-pair",
            key_func=account_and_address,
            deduct_when=_failed,
        ),
        limiter.shared_limit(
            lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
            scope="sign-in-account",
            key_func=account,
            deduct_when=_failed,
        ),
        limiter.shared_limit(
            lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], scope="sign-in-address", deduct_when=_failed
        ),
    ]

    def decorator(view: F) -> F:
        limited: Callable[..., object] = view
        for limit in limits:
            limited = limit(limited)
        return limited  # type: ignore[return-value]

    return decorator
