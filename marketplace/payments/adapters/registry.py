"""Which vendor gateways run, built from settings (``AGORA_*``; docs/payments/gateways.md).

A vendor with none of its settings is simply off. One with only some of them is a mistake
that would otherwise surface at the first payment, so it stops start-up with the names of
the missing settings. The sandbox is on outside production unless disabled, and in
production only when enabled explicitly and given a real secret.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from marketplace.config import Settings
from marketplace.payments.adapters.alipay import AlipayConfig, AlipayGateway
from marketplace.payments.adapters.sandbox import SandboxGateway
from marketplace.payments.adapters.signing import load_private_key, load_public_key
from marketplace.payments.adapters.wechatpay import WechatPayConfig, WechatPayGateway
from marketplace.payments.domain.gateway import GatewayConfigurationError
from marketplace.payments.ports import PaymentGateway
from marketplace.shared.clock import Clock

HttpFactory = Callable[[], httpx.Client]


def build_gateways(
    settings: Settings, *, clock: Clock, http_client: httpx.Client | None = None
) -> dict[str, PaymentGateway]:
    """The enabled vendor gateways by name. One HTTP client is shared by those that call
    out; pass ``http_client`` to choose its transport, timeouts or proxies."""
    shared: list[httpx.Client] = [http_client] if http_client is not None else []

    def http() -> httpx.Client:
        if not shared:
            shared.append(httpx.Client(timeout=settings.payment_gateway_timeout_seconds))
        return shared[0]

    gateways: dict[str, PaymentGateway] = {}
    sandbox = _sandbox(settings, clock)
    if sandbox is not None:
        gateways[sandbox.name] = sandbox
    alipay = _alipay(settings, clock, http)
    if alipay is not None:
        gateways[alipay.name] = alipay
    wechatpay = _wechatpay(settings, clock, http)
    if wechatpay is not None:
        gateways[wechatpay.name] = wechatpay
    return gateways


def _complete(vendor: str, values: Mapping[str, object]) -> bool:
    """False when none is set; True when all are; otherwise an error naming the missing."""
    missing = sorted(name for name, value in values.items() if not value)
    if len(missing) == len(values):
        return False
    if missing:
        names = ", ".join(f"AGORA_{name.upper()}" for name in missing)
        raise GatewayConfigurationError(f"{vendor} is partly configured; also set {names}.")
    return True


def _sandbox(settings: Settings, clock: Clock) -> SandboxGateway | None:
    enabled = settings.sandbox_gateway_enabled
    if enabled is None:
        enabled = settings.env != "production"
    if not enabled:
        return None
    secret = settings.sandbox_gateway_secret.get_secret_value()
    if settings.env == "production" and (secret.startswith("dev-only") or len(secret) < 32):
        raise GatewayConfigurationError(
            "AGORA_SANDBOX_GATEWAY_SECRET must be set (32+ characters) to run it in production."
        )
    # The pay page is ours, so it lives at our public address unless told otherwise.
    explicit = "sandbox_gateway_base_url" in settings.model_fields_set
    base_url = settings.sandbox_gateway_base_url if explicit else settings.public_base_url
    return SandboxGateway(secret, base_url, clock)


def _alipay(settings: Settings, clock: Clock, http: HttpFactory) -> AlipayGateway | None:
    private_key = settings.alipay_app_private_key
    values = {
        "alipay_app_id": settings.alipay_app_id,
        "alipay_app_private_key": private_key.get_secret_value() if private_key else None,
        "alipay_public_key": settings.alipay_public_key,
    }
    if not _complete("Alipay", values):
        return None
    config = AlipayConfig(
        app_id=str(values["alipay_app_id"]),
        app_private_key=load_private_key(
            str(values["alipay_app_private_key"]), what="Alipay app private key"
        ),
        alipay_public_key=load_public_key(
            str(values["alipay_public_key"]), what="Alipay public key"
        ),
        gateway_url=settings.alipay_gateway_url,
        product=settings.alipay_product,
        seller_id=settings.alipay_seller_id,
        timeout_seconds=settings.payment_gateway_timeout_seconds,
    )
    return AlipayGateway(config, clock=clock, http_client=http())


def _wechatpay(settings: Settings, clock: Clock, http: HttpFactory) -> WechatPayGateway | None:
    private_key, api_v3_key = settings.wechatpay_merchant_private_key, settings.wechatpay_api_v3_key
    values = {
        "wechatpay_mch_id": settings.wechatpay_mch_id,
        "wechatpay_app_id": settings.wechatpay_app_id,
        "wechatpay_merchant_serial_no": settings.wechatpay_merchant_serial_no,
        "wechatpay_merchant_private_key": private_key.get_secret_value() if private_key else None,
        "wechatpay_api_v3_key": api_v3_key.get_secret_value() if api_v3_key else None,
        "wechatpay_platform_keys": settings.wechatpay_platform_keys,
    }
    if not _complete("WeChat Pay", values):
        return None
    platform_keys = {
        serial: load_public_key(source, what=f"WeChat Pay platform key {serial}")
        for serial, source in settings.wechatpay_platform_keys.items()
    }
    config = WechatPayConfig(
        mch_id=str(values["wechatpay_mch_id"]),
        app_id=str(values["wechatpay_app_id"]),
        merchant_serial_no=str(values["wechatpay_merchant_serial_no"]),
        merchant_private_key=load_private_key(
            str(values["wechatpay_merchant_private_key"]), what="WeChat Pay merchant key"
        ),
        api_v3_key=str(values["wechatpay_api_v3_key"]).encode("utf-8"),
        platform_keys=platform_keys,
        base_url=settings.wechatpay_base_url,
        timeout_seconds=settings.payment_gateway_timeout_seconds,
    )
    return WechatPayGateway(config, clock=clock, http_client=http())
