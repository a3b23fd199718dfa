"""PAdES B-B signatures made from a prepared CMS structure: only the digest and signature change.

What ``pdfsign.sign`` (pyHanko) builds for every PDF is the same CMS SignedData apart from
the document's digest and the ECDSA signature: the certificates, the algorithm
identifiers, the ESS signing-certificate-v2 attribute. ``SignatureTemplate`` builds it
once with asn1crypto and splices the two values in: the signed attributes have a fixed
length (content-type, message-digest, signing-certificate-v2; no signing-time, PAdES
puts the time in the signature dictionary's ``/M``), and the encoded structure is kept
per ECDSA signature length (DER integers make it vary by a few bytes).
"""

from __future__ import annotations

import hashlib

from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from certificates.pdfsign import PdfSigningMaterial

_DIGEST_MARK = b"\xa5" * 32


class SignatureTemplate:
    """A signer for one key and chain: ``sign(digest)`` gives the DER CMS ContentInfo."""

    def __init__(self, material: PdfSigningMaterial) -> None:
        self.key = material.key
        certs = [asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)) for cert in material.chain]
        leaf = certs[0]
        ess = tsp.SigningCertificateV2(
            {
                "certs": [
                    {
                        "cert_hash": hashlib.sha256(leaf.dump()).digest(),
                        "issuer_serial": {
                            "issuer": [asn1_x509.GeneralName(name="directory_name", value=leaf.issuer)],
                            "serial_number": leaf.serial_number,
                        },
                    }
                ]
            }
        )
        self._attributes = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
                cms.CMSAttribute({"type": "message_digest", "values": [_DIGEST_MARK]}),
                cms.CMSAttribute({"type": "signing_certificate_v2", "values": [ess]}),
            ]
        )
        self._signed = self._attributes.dump(force=True)  # SET OF, as signed (tag 0x31)
        self._digest_at = self._signed.index(_DIGEST_MARK)
        self._certs = certs
        self._by_length: dict[int, tuple[bytes, bytes, bytes, int]] = {}

    def signed_attributes(self, digest: bytes) -> bytes:
        at = self._digest_at
        return self._signed[:at] + digest + self._signed[at + 32 :]

    def _layout(self, length: int) -> tuple[bytes, bytes, bytes, int]:
        """The ContentInfo for an ECDSA signature of ``length`` bytes: cut around the digest and signature."""
        cached = self._by_length.get(length)
        if cached is not None:
            return cached
        signature_mark = b"\x5a" * length
        leaf = self._certs[0]
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    name="issuer_and_serial_number",
                    value={"issuer": leaf.issuer, "serial_number": leaf.serial_number},
                ),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": self._attributes,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
                "signature": signature_mark,
            }
        )
        signed_data = cms.SignedData(
            {
                "version": "v1",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
                "encap_content_info": {"content_type": "data"},
                "certificates": [cms.CertificateChoices(name="certificate", value=cert) for cert in self._certs],
                "signer_infos": [signer],
            }
        )
        encoded = cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump(force=True)
        digest_at = encoded.index(_DIGEST_MARK)
        signature_at = encoded.index(signature_mark)
        cached = (encoded[:digest_at], encoded[digest_at + 32 : signature_at], encoded[signature_at + length :], length)
        self._by_length[length] = cached
        return cached

    def sign(self, digest: bytes) -> bytes:
        """The CMS ContentInfo (DER) signing ``digest``, the SHA-256 of the PDF's byte ranges."""
        signature = self.key.sign(self.signed_attributes(digest), ec.ECDSA(hashes.SHA256()))
        head, middle, tail, _ = self._layout(len(signature))
        return head + digest + middle + signature + tail
