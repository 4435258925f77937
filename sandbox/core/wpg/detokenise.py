"""Detokenisation: the PAN encrypted with the merchant's RSA public key (seed 003 "Detokenise").

The merchant registers a 2048-bit RSA public key (control plane `PUT /_sandbox/tenants/{T}/keys`);
an inquiry with detokenisation="true" returns the PAN encrypted with it, base64, one 256-byte
block. The vendor does not document the padding (wpg.md §9.1), so it is configurable per key:
`pkcs1v15` (default: Java's RSA/ECB/PKCS1Padding, the likeliest), `oaep-sha1`, `oaep-sha256`.
`cryptography` is imported on first use only, to keep it off the start-up path.
"""

from __future__ import annotations

import base64

PADDINGS = ("pkcs1v15", "oaep-sha1", "oaep-sha256")
DEFAULT_PADDING = "pkcs1v15"
KEY_BITS = 2048


class InvalidKey(ValueError):
    """A public key or padding the sandbox cannot use (the control plane answers 400)."""


def check_key(pem: str, padding: str) -> dict:
    """Validate a PEM SubjectPublicKeyInfo RSA-2048 key; returns what the tenant stores."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    if padding not in PADDINGS:
        raise InvalidKey(f"padding must be one of {', '.join(PADDINGS)}")
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as e:
        raise InvalidKey(f"public_key is not a PEM public key: {e}") from None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size != KEY_BITS:
        raise InvalidKey(f"public_key must be an RSA {KEY_BITS}-bit key")
    return {"public_key": pem, "padding": padding}


def encrypt_pan(key: dict, pan: str) -> str:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding as pad

    public = serialization.load_pem_public_key(key["public_key"].encode())
    scheme = key.get("padding", DEFAULT_PADDING)
    if scheme == "pkcs1v15":
        chosen = pad.PKCS1v15()
    else:
        algo = hashes.SHA1() if scheme == "oaep-sha1" else hashes.SHA256()
        chosen = pad.OAEP(mgf=pad.MGF1(algorithm=algo), algorithm=algo, label=None)
    return base64.b64encode(public.encrypt(pan.encode(), chosen)).decode()


def _big_int(text: str) -> int:
    """A key number as sent: hex (only hex digits) or base64 of the big-endian bytes."""
    text = "".join(text.split())
    if not text or len(text) > 2048:
        raise InvalidKey("modulus and exponent must be non-empty base64 or hex")
    if all(c in "0123456789abcdefABCDEF" for c in text) and len(text) % 2 == 0 and len(text) >= 512:
        return int(text, 16)
    try:
        return int.from_bytes(base64.b64decode(text + "=" * (-len(text) % 4), validate=True), "big")
    except ValueError:
        raise InvalidKey("modulus and exponent must be base64 (or hex) big-endian numbers") from None


def key_from_parts(modulus: str, exponent: str, padding: str = DEFAULT_PADDING) -> dict:
    """An inline rsaPublicKey (modulus, exponent) as the stored-key dict encrypt_pan takes. The
    encoding is undocumented (wpg.md §9.1); base64 of the big-endian bytes, as Java's
    BigInteger.toByteArray() clients send, or hex."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    n, e = _big_int(modulus), _big_int(exponent)
    if n.bit_length() != KEY_BITS or e < 3 or e % 2 == 0:
        raise InvalidKey(f"an RSA {KEY_BITS}-bit modulus and an odd public exponent are required")
    pem = rsa.RSAPublicNumbers(e, n).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {"public_key": pem, "padding": padding}
