"""Signing keys for a benchmark server, made like production keys (no development mark), in a folder.

Prints shell exports for LMS_SIGNING_KEY_FILE, LMS_PDF_SIGNING_KEY_FILE and LMS_PDF_SIGNING_CHAIN_FILE.
"""

import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates import keys

folder = Path(sys.argv[1])
folder.mkdir(parents=True, exist_ok=True)
k = ec.generate_private_key(ec.SECP256R1())
(folder / "credentials.pem").write_bytes(keys._pem(Ed25519PrivateKey.generate()))
(folder / "pdf-key.pem").write_bytes(keys._pem(k))
(folder / "pdf-chain.pem").write_bytes(keys._self_signed_chain(k))
for name, file in (
    ("LMS_SIGNING_KEY_FILE", "credentials.pem"),
    ("LMS_PDF_SIGNING_KEY_FILE", "pdf-key.pem"),
    ("LMS_PDF_SIGNING_CHAIN_FILE", "pdf-chain.pem"),
):
    print(f"export {name}={folder / file}")
