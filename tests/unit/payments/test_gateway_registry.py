"""Gateways built from settings: what is on by default, what a partial configuration does,
and settings-built Alipay and WeChat Pay gateways working against the local vendors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from marketplace.config import Settings
from marketplace.payments.adapters.registry import build_gateways
from marketplace.payments.domain.gateway import (
    ActionKind,
    GatewayConfigurationError,
    RefundRequest,
    TransactionPhase,
)
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from tests.unit.payments.vendors import alipay, wechatpay
from tests.unit.payments.vendors.http_stub import serve
from tests.unit.payments.vendors.keys import private_pem, public_base64, public_pem, rsa_key
from tests.unit.payments.vendors.sandbox import payment_request

PRODUCTION_JWT = "production-jwt-secret-0123456789abcdef"


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def alipay_settings(gateway_url: str) -> dict[str, Any]:
    return {
        "alipay_app_id": alipay.APP_ID,
        "alipay_app_private_key": private_pem(rsa_key("alipay-app"), pkcs1=True),
        "alipay_public_key": public_base64(rsa_key("alipay-platform")),
        "alipay_gateway_url": gateway_url,
    }


def test_outside_production_the_sandbox_is_on(clock: FixedClock) -> None:
    assert sorted(build_gateways(settings(env="development"), clock=clock)) == ["sandbox"]
    assert build_gateways(settings(sandbox_gateway_enabled=False), clock=clock) == {}


def test_the_pay_page_is_at_our_public_address(clock: FixedClock) -> None:
    request = payment_request("pay_1", Money.of("1.00", "CNY"), clock)
    cases = [
        ({"public_base_url": "https://shop.example"}, "https://shop.example/sandbox/pay/"),
        (
            {"public_base_url": "https://shop.example", "sandbox_gateway_base_url": "http://x"},
            "http://x/sandbox/pay/",
        ),
    ]
    for values, prefix in cases:
        sandbox = build_gateways(settings(**values), clock=clock)["sandbox"]
        assert (sandbox.start(request).url or "").startswith(prefix)


def test_in_production_the_sandbox_needs_asking_and_a_secret(clock: FixedClock) -> None:
    production = {"env": "production", "jwt_secret": PRODUCTION_JWT}
    assert build_gateways(settings(**production), clock=clock) == {}
    with pytest.raises(GatewayConfigurationError, match="AGORA_SANDBOX_GATEWAY_SECRET"):
        build_gateways(settings(**production, sandbox_gateway_enabled=True), clock=clock)
    enabled = settings(**production, sandbox_gateway_enabled=True, sandbox_gateway_secret="s" * 40)
    assert sorted(build_gateways(enabled, clock=clock)) == ["sandbox"]


def test_a_partial_configuration_names_what_is_missing(clock: FixedClock) -> None:
    partial = alipay_settings("https://openapi.alipay.com/gateway.do")
    del partial["alipay_public_key"]
    with pytest.raises(GatewayConfigurationError, match="AGORA_ALIPAY_PUBLIC_KEY"):
        build_gateways(settings(**partial), clock=clock)
    with pytest.raises(GatewayConfigurationError, match="AGORA_WECHATPAY_API_V3_KEY"):
        build_gateways(settings(wechatpay_mch_id=wechatpay.MCH_ID), clock=clock)


def test_alipay_from_settings(clock: FixedClock) -> None:
    fake = alipay.FakeAlipay(clock)
    trade = fake.capture("pay_1", Money.of("88.80", "CNY").amount)
    with serve(fake.handle, fake.errors) as base_url, httpx.Client(timeout=5) as client:
        values = alipay_settings(f"{base_url}/gateway.do")
        gateways = build_gateways(settings(**values), clock=clock, http_client=client)
        assert sorted(gateways) == ["alipay", "sandbox"]
        result = gateways["alipay"].refund(
            RefundRequest("rfd_1", "pay_1", trade.trade_no, Money.of("8.80", "CNY"),
                          Money.of("88.80", "CNY"), "settings")
        )  # fmt: skip
    assert result.phase is TransactionPhase.SUCCESS
    assert fake.errors == []


def test_wechatpay_from_the_environment(
    clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = wechatpay.FakeWechatPay(clock)
    key_file = tmp_path / "apiclient_key.pem"
    key_file.write_text(private_pem(rsa_key("wechat-merchant")))
    platform = {wechatpay.PLATFORM_SERIAL: public_pem(rsa_key("wechat-platform"))}
    with serve(fake.handle, fake.errors) as base_url, httpx.Client(timeout=5) as client:
        for name, value in {
            "MCH_ID": wechatpay.MCH_ID,
            "APP_ID": wechatpay.APP_ID,
            "MERCHANT_SERIAL_NO": wechatpay.MERCHANT_SERIAL,
            "MERCHANT_PRIVATE_KEY": str(key_file),
            "API_V3_KEY": wechatpay.API_V3_KEY.decode(),
            "PLATFORM_KEYS": json.dumps(platform),
            "BASE_URL": base_url,
        }.items():
            monkeypatch.setenv(f"AGORA_WECHATPAY_{name}", value)
        gateways = build_gateways(
            settings(sandbox_gateway_enabled=False), clock=clock, http_client=client
        )
        assert sorted(gateways) == ["wechatpay"]
        action = gateways["wechatpay"].start(
            payment_request("pay_1", Money.of("1.00", "CNY"), clock)
        )
    assert action.kind is ActionKind.QR_CODE
    assert fake.errors == []


def test_bad_key_material_stops_start_up(clock: FixedClock) -> None:
    values = alipay_settings("https://openapi.alipay.com/gateway.do")
    values["alipay_public_key"] = "/nonexistent/alipay_public_key.pem"
    with pytest.raises(GatewayConfigurationError, match="Alipay public key"):
        build_gateways(settings(**values), clock=clock)
