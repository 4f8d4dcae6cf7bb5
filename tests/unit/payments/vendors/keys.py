"""RSA keys made at test time (never checked in), one per role, cached for the session."""

from __future__ import annotations

import base64
from functools import cache

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey


@cache
def rsa_key(role: str) -> RSAPrivateKey:
    """A 2048-bit key for ``role`` ("alipay-platform", "stranger", ...); same role, same key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: RSAPrivateKey, *, pkcs1: bool = False) -> str:
    fmt = (
        serialization.PrivateFormat.TraditionalOpenSSL
        if pkcs1
        else serialization.PrivateFormat.PKCS8
    )
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode(
        "ascii"
    )


def public_pem(key: RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def public_base64(key: RSAPrivateKey) -> str:
    """The public key as Alipay's console shows it: one line of base64 DER, no PEM armour."""
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def sign(key: RSAPrivateKey, message: bytes) -> str:
    """SHA256withRSA, written here independently of the adapters' own helper."""
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def verifies(key: RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256())
    except Exception:
        return False
    return True
