"""Record keys: every learner counted carries a number from 0 to 255 that only the platform knows, the same for
them wherever they are counted; a count's *cell key* is the sum of the record keys of what it counts, modulo 256.

``analytics.disclosure`` perturbs a count by a small amount looked up from its cell key (the cell-key method of the
Australian Bureau of Statistics and the UK's Office for National Statistics): the same people give the same
number whichever way they are asked for, and different groups get unrelated perturbations. Sums of record keys add
up, so the rollups store them beside each count (``<measure>_key``) and any answer's cell key is its rows' sum.

- A learner's acts (events) are keyed by their pseudonym: its last two hexadecimal digits, a byte of a keyed hash
  (``courses.services.events.pseudonym``), so uniform and unknown without the platform's key.
- Accounts (the people of a school, enrolments at risk, certificates' holders) are keyed by their id, mixed by a
  multiplicative hash with a salt made from the platform's key.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: Cell keys are sums of record keys modulo this.
KEYS = 256
_HEX = "0123456789abcdef"
#: Knuth's multiplicative hash: a record key is the top byte of (id × this + salt) modulo 2³².
_MULTIPLIER = 2654435761
_WORD = 2**32


class last_byte(FunctionElement[int]):  # noqa: N801 - an SQL function's name
    """The last two hexadecimal digits of a text as a number from 0 to 255 (a pseudonym's last byte)."""

    type = sa.Integer()
    inherit_cache = True


@compiles(last_byte, "postgresql")
def _last_byte_postgresql(element: last_byte, compiler: Any, **kw: Any) -> str:
    # The server's own hex decoding: a rebuild reads it for each of 72 million events, several times (a CASE per
    # digit, as on SQLite, made the staging pass 50 s slower).
    (text,) = [compiler.process(argument, **kw) for argument in element.clauses]
    return f"get_byte(decode(right({text}, 2), 'hex'), 0)"


@compiles(last_byte)
def _last_byte_default(element: last_byte, compiler: Any, **kw: Any) -> str:
    (text,) = list(element.clauses)
    length = sa.func.length(text)
    digits = [_hex_digit(sa.func.substr(text, length - 1, 1)), _hex_digit(sa.func.substr(text, length, 1))]
    return compiler.process(digits[0] * 16 + digits[1], **kw)


def _hex_digit(character: Any) -> sa.ColumnElement[int]:
    return sa.case({c: n for n, c in enumerate(_HEX)}, value=sa.func.lower(character), else_=0)


def of_actor(actor: Any) -> sa.ColumnElement[int]:
    """In SQL, a learner's record key from their pseudonym (hexadecimal, ``courses.services.events.pseudonym``):
    its last two hex digits."""
    return last_byte(actor)


def actor_key(actor: str) -> int:
    """``of_actor`` in Python."""
    digits = [(_HEX.index(c) if c in _HEX else 0) for c in actor[-2:].lower().rjust(2, "0")]
    return digits[0] * 16 + digits[1]


def salt() -> int:
    """The salt of accounts' record keys, made from the platform's pseudonym key (or secret key)."""
    key = str(current_app.config.get("PSEUDONYM_KEY") or current_app.config["SECRET_KEY"]).encode()
    return int.from_bytes(hmac.new(key, b"lms.record-key", hashlib.sha256).digest()[:4], "big")


def of_account(account_id: Any) -> sa.ColumnElement[int]:
    """In SQL, an account's record key from its id."""
    mixed = (sa.cast(account_id, sa.BigInteger) * _MULTIPLIER + salt()) % _WORD
    return mixed // (_WORD // KEYS)


def account_key(account_id: int) -> int:
    """``of_account`` in Python."""
    return ((account_id * _MULTIPLIER + salt()) % _WORD) // (_WORD // KEYS)


def summed(key: Any, where: Any = None) -> sa.ColumnElement[int]:
    """A count's record keys added up in a grouped SELECT (only where ``where`` holds, if given)."""
    value = key if where is None else sa.case((where, key), else_=0)
    return sa.cast(sa.func.coalesce(sa.func.sum(value), 0), sa.BigInteger)
