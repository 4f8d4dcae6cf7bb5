"""RSA keys and SHA256withRSA signatures, as Alipay (RSA2) and WeChat Pay API v3 use them.

Both vendors sign with PKCS#1 v1.5 padding over SHA-256 and carry the signature as
standard base64. Keys come from settings in the forms the vendors' consoles hand out: a PEM
block, a bare base64 DER line (Alipay's console shows keys that way), an X.509 certificate
(WeChat Pay platform certificates), or a path to a file holding any of these.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from marketplace.payments.domain.gateway import GatewayConfigurationError

# 2048 bits is what both vendors issue and require; anything weaker is a misconfiguration.
MIN_KEY_BITS = 2048


def _read_source(source: str, what: str) -> bytes:
    """The key material itself: inline text, or the contents of the file it names."""
    text = source.strip()
    if not text:
        raise GatewayConfigurationError(f"The {what} is empty.")
    if "-----BEGIN" not in text and "\n" not in text and len(text) <= 512:
        path = Path(text).expanduser()
        if _is_file(path):
            return path.read_bytes()
    try:
        return text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise GatewayConfigurationError(f"The {what} is not key material.") from exc


def _is_file(path: Path) -> bool:
    """Whether ``path`` names a file; bare base64 key material often does not even make a
    valid path (a part longer than the file system allows: ENAMETOOLONG)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _bare_der(material: bytes, what: str) -> bytes:
    try:
        return base64.b64decode(b"".join(material.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise GatewayConfigurationError(
            f"The {what} is neither PEM, base64 DER nor a readable file."
        ) from exc


def _check_size(bits: int, what: str) -> None:
    if bits < MIN_KEY_BITS:
        raise GatewayConfigurationError(f"The {what} has {bits} bits; at least 2048 are needed.")


def load_private_key(source: str, *, what: str = "private key") -> RSAPrivateKey:
    """An RSA private key from PEM (PKCS#1 or PKCS#8), bare base64 DER, or a file path."""
    material = _read_source(source, what)
    key: object
    try:
        if b"-----BEGIN" in material:
            key = serialization.load_pem_private_key(material, password=None)
        else:
            key = serialization.load_der_private_key(_bare_der(material, what), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise GatewayConfigurationError(f"The {what} cannot be read: {exc}") from exc
    if not isinstance(key, RSAPrivateKey):
        raise GatewayConfigurationError(f"The {what} is not an RSA key.")
    _check_size(key.key_size, what)
    return key


def load_public_key(source: str, *, what: str = "public key") -> RSAPublicKey:
    """An RSA public key from PEM, an X.509 certificate, bare base64 DER, or a file path."""
    material = _read_source(source, what)
    key: object
    try:
        if b"-----BEGIN CERTIFICATE" in material:
            key = x509.load_pem_x509_certificate(material).public_key()
        elif b"-----BEGIN" in material:
            key = serialization.load_pem_public_key(material)
        else:
            key = serialization.load_der_public_key(_bare_der(material, what))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise GatewayConfigurationError(f"The {what} cannot be read: {exc}") from exc
    if not isinstance(key, RSAPublicKey):
        raise GatewayConfigurationError(f"The {what} is not an RSA key.")
    _check_size(key.key_size, what)
    return key


def sign_sha256_rsa(key: RSAPrivateKey, message: bytes) -> str:
    """SHA256withRSA (PKCS#1 v1.5) over ``message``, base64-encoded."""
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def verify_sha256_rsa(key: RSAPublicKey, message: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) is ``key``'s SHA256withRSA signature of ``message``.

    Anything that is not valid base64 is simply not a signature: WeChat Pay's own probes
    send ``WECHATPAY/SIGNTEST/...`` values to check that merchants refuse them.
    """
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
