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


# Typed text to canonical characters in one pass: hyphens and white space dropped, lower case and
# look-alikes mapped (anything else is kept, and then refused).
_CANONICAL = str.maketrans(
    {
        **{char.lower(): ALPHABET[value] for char, value in _VALUES.items()},
        **{char: ALPHABET[value] for char, value in _VALUES.items()},
        **dict.fromkeys("- \t\n\r\f\v\u00a0\u2009\u202f", None),
    }
)


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
# Each position's products with every value, worked out once: checking a typed number (every
# verification) is then thirteen lookups.
_PRODUCTS = [[_multiply(value, weight) for value in range(32)] for weight in _WEIGHTS]


def _weighted_sum(values: list[int]) -> int:
    total = 0
    for value, products in zip(values, _PRODUCTS, strict=False):
        total ^= products[value]
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
    canonical = text.translate(_CANONICAL)
    if not canonical.isascii():  # other white space, or letters whose capitals are ASCII ("ı", "ſ")
        canonical = "".join(text.split()).replace("-", "").upper().translate(_CANONICAL)
    if len(canonical) != LENGTH:
        raise InvalidSerial(text)
    values = [_VALUES.get(char, -1) for char in canonical]
    if -1 in values or _weighted_sum(values) != 0:
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
