"""W3C Bitstring Status List encoding: bit ``i`` counted from the most significant bit of byte 0.

``encodedList`` is multibase base64url (``u``, no padding) of the GZIP-compressed bitstring.
"""

from __future__ import annotations

import base64
import gzip

#: The specification's minimum size (16 KiB), which gives herd privacy.
MINIMUM_BITS = 131_072


class InvalidStatusList(ValueError):
    """Not a multibase base64url GZIP bitstring."""


def empty(bits: int = MINIMUM_BITS) -> bytearray:
    return bytearray((bits + 7) // 8)


def set_bit(bitstring: bytearray, index: int, value: bool = True) -> None:
    mask = 0x80 >> (index % 8)
    if value:
        bitstring[index // 8] |= mask
    else:
        bitstring[index // 8] &= ~mask & 0xFF


def get_bit(bitstring: bytes | bytearray, index: int) -> bool:
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def encode(bitstring: bytes | bytearray) -> str:
    compressed = gzip.compress(bytes(bitstring), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise InvalidStatusList("not multibase base64url")
    body = encoded[1:]
    try:
        return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, OSError, EOFError) as exc:
        raise InvalidStatusList(str(exc)) from exc


def set_indexes(bitstring: bytes | bytearray) -> list[int]:
    return [i for i in range(len(bitstring) * 8) if get_bit(bitstring, i)]
