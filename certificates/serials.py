"""Certificate serials: 12 random Crockford base32 characters and a check character.

Printed grouped for reading, ``7K3Q-9XM2-PA4R-W``. Sixty random bits make serials
hard to guess. The check character is chosen so that the weighted sum
``sum(c_i * a**i)`` over GF(32) of all thirteen characters is zero (``a`` a
primitive element): any single wrong character changes the sum by ``e * a**i``,
never zero, and swapping two different neighbours ``x, y`` changes it by
``(x + y) * a**i * (1 + a)``, never zero either, so both typos are always caught.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 12
LENGTH = RANDOM_LENGTH + 1
_VALUES = {char: value for value, char in enumerate(ALPHABET)}
# Crockford's decoding is forgiving with look-alikes.
_VALUES.update({"O": 0, "I": 1, "L": 1})
_POLYNOMIAL = 0b100101  # x^5 + x^2 + 1, primitive: x generates all 31 non-zero elements
_GENERATOR = 0b10


class InvalidSerial(ValueError):
    """The text is not a well-formed serial, or its check character does not match."""


def _multiply(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= _POLYNOMIAL
    return product


def _power(exponent: int) -> int:
    result = 1
    for _ in range(exponent % 31):
        result = _multiply(result, _GENERATOR)
    return result


_WEIGHTS = [_power(i) for i in range(LENGTH)]
_INVERSE_LAST = next(x for x in range(1, 32) if _multiply(x, _WEIGHTS[-1]) == 1)


def _weighted_sum(values: list[int]) -> int:
    total = 0
    for value, weight in zip(values, _WEIGHTS, strict=False):
        total ^= _multiply(value, weight)
    return total


def check_character(body: str) -> str:
    """The check character for twelve serial characters."""
    values = [_VALUES[char] for char in body.upper()]
    if len(values) != RANDOM_LENGTH:
        raise InvalidSerial(body)
    return ALPHABET[_multiply(_weighted_sum(values), _INVERSE_LAST)]


def new_serial() -> str:
    """A fresh random serial in its canonical form (13 characters, no hyphens)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + check_character(body)


def normalize(text: str) -> str:
    """The canonical form of a typed serial: hyphens and spaces dropped, look-alikes mapped.

    Raises ``InvalidSerial`` when the length, a character or the check character is wrong.
    """
    compact = "".join(text.split()).replace("-", "").upper()
    if len(compact) != LENGTH or any(char not in _VALUES for char in compact):
        raise InvalidSerial(text)
    canonical = "".join(ALPHABET[_VALUES[char]] for char in compact)
    if _weighted_sum([_VALUES[char] for char in canonical]) != 0:
        raise InvalidSerial(text)
    return canonical


def is_valid(text: str) -> bool:
    try:
        normalize(text)
    except InvalidSerial:
        return False
    return True


def display(serial: str) -> str:
    """``7K3Q9XM2PA4RW`` → ``7K3Q-9XM2-PA4R-W``."""
    return "-".join(serial[i : i + 4] for i in range(0, len(serial), 4))
