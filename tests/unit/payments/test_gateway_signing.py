"""RSA key loading in every form the vendors hand out, and SHA256withRSA checked against
the openssl command line (an implementation that shares nothing with ours)."""

from __future__ import annotations

import base64
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from marketplace.payments.adapters.signing import (
    load_private_key,
    load_public_key,
    sign_sha256_rsa,
    verify_sha256_rsa,
)
from marketplace.payments.domain.gateway import GatewayConfigurationError
from tests.unit.payments.vendors.keys import private_pem, public_base64, public_pem, rsa_key

MESSAGE = 'app_id=2021000000000001&biz_content={"a":"退款"}&charset=utf-8'.encode()


def certificate_pem(key: rsa.RSAPrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA")])
    now = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_private_keys_in_every_form(tmp_path: Path) -> None:
    key = rsa_key("alipay-app")
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = tmp_path / "apiclient_key.pem"
    path.write_text(private_pem(key))
    forms = [
        private_pem(key),
        private_pem(key, pkcs1=True),
        base64.b64encode(der).decode(),
        str(path),
    ]
    for form in forms:
        loaded = load_private_key(form)
        assert loaded.private_numbers() == key.private_numbers()


def test_public_keys_in_every_form(tmp_path: Path) -> None:
    key = rsa_key("wechat-platform")
    path = tmp_path / "platform_cert.pem"
    path.write_text(certificate_pem(key))
    forms = [public_pem(key), public_base64(key), certificate_pem(key), str(path)]
    for form in forms:
        assert load_public_key(form).public_numbers() == key.public_key().public_numbers()


def test_unusable_keys_are_configuration_errors(tmp_path: Path) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    elliptic = ec.generate_private_key(ec.SECP256R1())
    ec_pem = elliptic.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    for source in [
        "",
        "   ",
        "not a key",
        str(tmp_path / "missing.pem"),
        "密钥",
        ec_pem,
        private_pem(weak),
    ]:
        with pytest.raises(GatewayConfigurationError):
            load_private_key(source)
    for source in ["", "bm90IGEga2V5", public_pem(weak), private_pem(rsa_key("alipay-app"))]:
        with pytest.raises(GatewayConfigurationError):
            load_public_key(source)


def test_signatures_verify_and_refuse() -> None:
    key = rsa_key("alipay-app")
    signature = sign_sha256_rsa(key, MESSAGE)
    assert verify_sha256_rsa(key.public_key(), MESSAGE, signature)
    assert not verify_sha256_rsa(key.public_key(), MESSAGE + b"x", signature)
    assert not verify_sha256_rsa(rsa_key("stranger").public_key(), MESSAGE, signature)
    for junk in ["", "WECHATPAY/SIGNTEST/abc", "!!!", signature[:-4]]:
        assert not verify_sha256_rsa(key.public_key(), MESSAGE, junk)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_agrees(tmp_path: Path) -> None:
    key = rsa_key("wechat-merchant")
    (tmp_path / "pub.pem").write_text(public_pem(key))
    (tmp_path / "key.pem").write_text(private_pem(key))
    (tmp_path / "msg").write_bytes(MESSAGE)
    (tmp_path / "ours.sig").write_bytes(base64.b64decode(sign_sha256_rsa(key, MESSAGE)))
    verified = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "pub.pem", "-signature", "ours.sig", "msg"],
        cwd=tmp_path, capture_output=True, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    theirs = subprocess.run(
        ["openssl", "dgst", "-sha256", "-sign", "key.pem", "msg"],
        cwd=tmp_path, capture_output=True, check=True,
    ).stdout  # fmt: skip
    assert verify_sha256_rsa(key.public_key(), MESSAGE, base64.b64encode(theirs).decode())


def test_material_too_long_for_a_file_name_is_not_mistaken_for_a_path() -> None:
    # Bare base64 of a 2048-bit key is ~392 characters; when its first "/" comes after 255
    # of them it is no valid path (ENAMETOOLONG): that must not escape as an OSError.
    with pytest.raises(GatewayConfigurationError):
        load_public_key("A" * 300)  # not a file and not a key: the configuration error
