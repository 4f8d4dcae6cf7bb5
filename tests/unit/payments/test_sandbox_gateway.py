"""Sandbox specifics: the pay-page token, the simulator's outcomes, the replay window and
the deterministic refund triggers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from marketplace.payments.adapters.sandbox import (
    SIGNATURE_HEADER,
    SandboxGateway,
    SandboxTokenError,
)
from marketplace.payments.adapters.sandbox_sim import SandboxOutcome, SandboxSimulator
from marketplace.payments.domain.gateway import (
    ActionKind,
    GatewayConfigurationError,
    InvalidNotificationError,
    RefundRequest,
    TransactionKind,
    TransactionPhase,
)
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from tests.unit.payments.vendors.sandbox import BASE_URL, NOTIFY_URL, SECRET, payment_request

CAPTURED = (TransactionKind.CAPTURE, TransactionPhase.SUCCESS)


@pytest.fixture
def gateway(clock: FixedClock) -> SandboxGateway:
    return SandboxGateway(SECRET, BASE_URL, clock)


@pytest.fixture
def simulator(gateway: SandboxGateway) -> SandboxSimulator:
    return SandboxSimulator(gateway)


def token_of(gateway: SandboxGateway, clock: FixedClock, amount: str = "66.60") -> str:
    action = gateway.start(payment_request("pay_1", Money.of(amount, "CNY"), clock))
    assert action.url is not None
    return parse_qs(urlsplit(action.url).query)["t"][0]


def meaning(gateway: SandboxGateway, headers: dict[str, str], body: bytes) -> tuple[str, str]:
    notification = gateway.verify_notification(headers, body)
    return notification.kind, notification.phase


# -- the pay-page token -----------------------------------------------------------------------
def test_start_redirects_to_the_pay_page(gateway: SandboxGateway, clock: FixedClock) -> None:
    action = gateway.start(payment_request("pay_1", Money.of("66.60", "CNY"), clock))
    assert action.kind is ActionKind.REDIRECT
    assert action.url is not None
    assert action.url.startswith(f"{BASE_URL}/sandbox/pay/pay_1?t=")
    charge = gateway.read_token(token_of(gateway, clock))
    assert (charge.payment_id, charge.amount) == ("pay_1", Money.of("66.60", "CNY"))
    assert (charge.notify_url, charge.subject) == (NOTIFY_URL, "Agora order")
    assert charge.expires_at == clock.now() + timedelta(minutes=30)
    assert charge.reference == gateway.payment_reference("pay_1") == action.data["reference"]


def test_a_token_with_another_amount_is_refused(gateway: SandboxGateway, clock: FixedClock) -> None:
    payload, mac = token_of(gateway, clock).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["a"] = "0.01"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(SandboxTokenError) as err:
        gateway.read_token(f"{forged}.{mac}")
    assert err.value.code == "invalid_sandbox_token"


@pytest.mark.parametrize("token", ["", "abc", "abc.def", "....", "é.é"])
def test_junk_tokens_are_refused(gateway: SandboxGateway, token: str) -> None:
    with pytest.raises(SandboxTokenError):
        gateway.read_token(token)


def test_a_token_of_another_sandbox_is_refused(gateway: SandboxGateway, clock: FixedClock) -> None:
    other = SandboxGateway("another-secret-0123456789", BASE_URL, clock)
    with pytest.raises(SandboxTokenError):
        gateway.read_token(token_of(other, clock))


def test_an_expired_token_is_refused(gateway: SandboxGateway, clock: FixedClock) -> None:
    token = token_of(gateway, clock)
    clock.advance(timedelta(minutes=30))
    with pytest.raises(SandboxTokenError) as err:
        gateway.read_token(token)
    assert err.value.code == "sandbox_token_expired"


def test_a_short_secret_is_a_configuration_error(clock: FixedClock) -> None:
    with pytest.raises(GatewayConfigurationError):
        SandboxGateway("short", BASE_URL, clock)


# -- the simulator ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (SandboxOutcome.SUCCEED, [CAPTURED]),
        (SandboxOutcome.FAIL, [(TransactionKind.CAPTURE, TransactionPhase.FAILURE)]),
        (SandboxOutcome.CANCEL, [(TransactionKind.CANCEL, TransactionPhase.SUCCESS)]),
        (SandboxOutcome.TIMEOUT, []),
        (SandboxOutcome.NOTIFY_TWICE, [CAPTURED, CAPTURED]),
        (
            SandboxOutcome.OUT_OF_ORDER,
            [(TransactionKind.CANCEL, TransactionPhase.SUCCESS), CAPTURED],
        ),
    ],
)
def test_each_outcome_sends_its_notifications(
    gateway: SandboxGateway,
    simulator: SandboxSimulator,
    clock: FixedClock,
    outcome: SandboxOutcome,
    expected: list[tuple[str, str]],
) -> None:
    deliveries = simulator.pay(token_of(gateway, clock), outcome)
    assert [meaning(gateway, dict(d.headers), d.body) for d in deliveries] == expected
    assert all(d.url == NOTIFY_URL for d in deliveries)


def test_notify_twice_sends_the_same_bytes(
    gateway: SandboxGateway, simulator: SandboxSimulator, clock: FixedClock
) -> None:
    first, second = simulator.pay(token_of(gateway, clock), "notify_twice")
    assert (first.body, dict(first.headers)) == (second.body, dict(second.headers))
    one = gateway.verify_notification(first.headers, first.body)
    assert one.dedup_key == gateway.verify_notification(second.headers, second.body).dedup_key
    assert one.amount == Money.of("66.60", "CNY")


def test_the_simulator_refuses_a_forged_token(simulator: SandboxSimulator) -> None:
    with pytest.raises(SandboxTokenError):
        simulator.pay("eyJhIjoiMSJ9.bm9wZQ", SandboxOutcome.SUCCEED)


# -- the signature and its window ---------------------------------------------------------------
def test_the_signature_is_hmac_sha256_over_t_dot_body(
    gateway: SandboxGateway, simulator: SandboxSimulator, clock: FixedClock
) -> None:
    [delivery] = simulator.pay(token_of(gateway, clock), SandboxOutcome.SUCCEED)
    t, v1 = (part.split("=", 1)[1] for part in delivery.headers[SIGNATURE_HEADER].split(","))
    assert int(t) == int(clock.now().timestamp())
    key = hmac.digest(SECRET.encode(), b"agora-sandbox-notify", "sha256")
    assert v1 == hmac.new(key, f"{t}.".encode() + delivery.body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(("shift", "accepted"), [(300, True), (301, False), (-301, False)])
def test_the_replay_window(
    gateway: SandboxGateway,
    simulator: SandboxSimulator,
    clock: FixedClock,
    shift: int,
    accepted: bool,
) -> None:
    [delivery] = simulator.pay(token_of(gateway, clock), SandboxOutcome.SUCCEED)
    clock.advance(timedelta(seconds=shift))
    if accepted:
        gateway.verify_notification(delivery.headers, delivery.body)
        return
    with pytest.raises(InvalidNotificationError) as err:
        gateway.verify_notification(delivery.headers, delivery.body)
    assert err.value.details["reason"] == "stale"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "t=,v1=ab",
        "v1=ab",
        "t=1,t=2,v1=ab",
        "t=x,v1=a",
        "junk",
        "t=999999999999,v1=ab",
        "t=١,v1=a",
    ],
)
def test_malformed_signature_headers_are_refused(gateway: SandboxGateway, value: str) -> None:
    with pytest.raises(InvalidNotificationError):
        gateway.verify_notification({SIGNATURE_HEADER: value}, b"{}")


def test_any_matching_v1_is_enough(
    gateway: SandboxGateway, simulator: SandboxSimulator, clock: FixedClock
) -> None:
    """Several v1 values let a sender sign with an old and a new secret during a rotation."""
    [delivery] = simulator.pay(token_of(gateway, clock), SandboxOutcome.SUCCEED)
    value = delivery.headers[SIGNATURE_HEADER].replace("v1=", "v1=" + "0" * 64 + ",v1=")
    assert meaning(gateway, {SIGNATURE_HEADER: value}, delivery.body) == CAPTURED


# -- refunds ----------------------------------------------------------------------------------
def refund(amount: str, *, refund_id: str = "rfd_1", total: str = "100.00") -> RefundRequest:
    return RefundRequest(
        refund_id=refund_id,
        payment_id="pay_1",
        gateway_reference="sbx_1",
        amount=Money.of(amount, "CNY"),
        payment_total=Money.of(total, "CNY"),
        reason="test",
    )


@pytest.mark.parametrize(
    ("amount", "phase"),
    [
        ("10.00", TransactionPhase.SUCCESS),
        ("12.13", TransactionPhase.FAILURE),
        ("0.13", TransactionPhase.FAILURE),
        ("12.14", TransactionPhase.REQUEST),
        ("12.31", TransactionPhase.SUCCESS),
        ("100.00", TransactionPhase.SUCCESS),
        ("100.01", TransactionPhase.FAILURE),
    ],
)
def test_refund_triggers(gateway: SandboxGateway, amount: str, phase: TransactionPhase) -> None:
    result = gateway.refund(refund(amount))
    assert result.phase is phase
    assert result.gateway_reference == gateway.refund_reference("rfd_1")
    assert (result.message is None) == (phase is TransactionPhase.SUCCESS)


def test_the_trigger_counts_minor_units_in_any_currency(
    gateway: SandboxGateway,
) -> None:
    yen = RefundRequest("rfd_y", "pay_y", "sbx_y", Money.of(1513, "JPY"), Money.of(2000, "JPY"), "")
    assert gateway.refund(yen).phase is TransactionPhase.FAILURE


def test_refund_references_are_stable_and_distinct(gateway: SandboxGateway) -> None:
    assert gateway.refund(refund("1.00")) == gateway.refund(refund("1.00"))
    other = gateway.refund(refund("1.00", refund_id="rfd_2")).gateway_reference
    assert other != gateway.refund(refund("1.00")).gateway_reference


def test_a_pending_refund_is_settled_by_its_notification(
    gateway: SandboxGateway, simulator: SandboxSimulator
) -> None:
    pending = gateway.refund(refund("12.14"))
    delivery = simulator.refund(
        payment_id="pay_1",
        refund_id="rfd_1",
        amount=Money.of("12.14", "CNY"),
        notify_url=NOTIFY_URL,
    )
    settled = gateway.verify_notification(delivery.headers, delivery.body)
    assert (settled.kind, settled.phase) == (TransactionKind.REFUND, TransactionPhase.SUCCESS)
    assert (settled.refund_id, settled.payment_id) == ("rfd_1", "pay_1")
    assert settled.gateway_reference == pending.gateway_reference
