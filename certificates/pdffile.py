"""A one-page signed PDF file written directly: objects, cross-reference table, signature in place.

The signature dictionary reserves a fixed ``/Contents`` and ``/ByteRange``; once every
offset is known the byte ranges (the whole file but the ``/Contents`` hex string) are
hashed, signed with ``cms.SignatureTemplate`` and the CMS is written into the gap. One
revision, nothing after the signature: readers report the whole document signed.
"""

from __future__ import annotations

import datetime
import hashlib
import zlib
from dataclasses import dataclass

from certificates.cms import SignatureTemplate

SIGNATURE_SPACE = 8192  # bytes reserved for the CMS; the hex string is twice as long
_BYTE_RANGE = b"/ByteRange[0 0000000000 0000000000 0000000000]"


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    description: str
    created: datetime.datetime


def text_string(text: str) -> bytes:
    """A PDF text string (UTF-16BE hex with a BOM), safe for any characters."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def pdf_date(moment: datetime.datetime) -> bytes:
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC)
    return b"(D:" + moment.strftime("%Y%m%d%H%M%S").encode() + b"Z)"


def stream(dictionary: bytes, data: bytes, compress: bool = True) -> bytes:
    if compress:
        data = zlib.compress(data, 6)
        dictionary += b"/Filter/FlateDecode"
    return b"<<" + dictionary + b"/Length " + str(len(data)).encode() + b">>\nstream\n" + data + b"\nendstream"


def write_signed(
    objects: dict[int, bytes],
    *,
    root: int,
    info: int,
    signature: int,
    identifier: bytes,
    signer: SignatureTemplate,
    signature_fields: bytes,
) -> bytes:
    """The file with ``objects`` (numbered bodies) and the signature dictionary at ``signature``, signed."""
    placeholder = b"<" + b"0" * (2 * SIGNATURE_SPACE) + b">"
    objects = dict(objects)
    objects[signature] = (
        b"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached"
        + _BYTE_RANGE
        + b"/Contents"
        + placeholder
        + signature_fields
        + b">>"
    )
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 00000 f \n"
    file_id = identifier.hex().encode()
    out += b"trailer\n<</Size %d/Root %d 0 R/Info %d 0 R/ID[<%s><%s>]>>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        root,
        info,
        file_id,
        file_id,
        xref_at,
    )
    start = out.index(b"/Contents<", offsets[signature]) + len(b"/Contents")
    end = start + len(placeholder)
    ranges = b"/ByteRange[0 %010d %010d %010d]" % (start, end, len(out) - end)
    range_at = out.index(_BYTE_RANGE, offsets[signature])
    out[range_at : range_at + len(ranges)] = ranges
    view = memoryview(out)
    digest = hashlib.sha256(view[:start])
    digest.update(view[end:])
    encoded = signer.sign(digest.digest())
    if len(encoded) > SIGNATURE_SPACE:
        raise ValueError("the signature does not fit its reserved space")
    hex_signature = encoded.hex().upper().encode()
    out[start + 1 : start + 1 + len(hex_signature)] = hex_signature
    return bytes(out)
