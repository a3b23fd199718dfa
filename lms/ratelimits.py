"""Rate limits on signing in, shared by the sign-in page and the API's token endpoint.

Only failed attempts count, per account and per address: a classroom signing
in from one school address is not slowed, a password guesser is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g

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
