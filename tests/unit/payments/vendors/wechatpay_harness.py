"""WeChat Pay under the contract suite: the fake WeChat Pay plays the vendor side."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from marketplace.payments.adapters.wechatpay import WechatPayGateway
from marketplace.payments.domain.gateway import (
    ActionKind,
    PaymentAction,
    RefundRequest,
    TransactionKind,
    TransactionPhase,
)
from marketplace.shared.money import Money
from tests.unit.payments.vendors.harness import Notice, Occurrence, request_clock
from tests.unit.payments.vendors.keys import rsa_key, sign
from tests.unit.payments.vendors.wechatpay import (
    APP_ID,
    MCH_ID,
    FakeWechatPay,
    rfc3339,
    transaction_id_for,
    wechatpay_vendor,
)

_TRADE_STATE = {
    (TransactionKind.CAPTURE, TransactionPhase.SUCCESS): "SUCCESS",
    (TransactionKind.CAPTURE, TransactionPhase.FAILURE): "PAYERROR",
    (TransactionKind.CANCEL, TransactionPhase.SUCCESS): "CLOSED",
}
_REFUND_STATUS = {TransactionPhase.SUCCESS: "SUCCESS", TransactionPhase.FAILURE: "ABNORMAL"}


def transaction_resource(payment_id: str, fen: int, state: str, now: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "mchid": MCH_ID,
        "appid": APP_ID,
        "out_trade_no": payment_id,
        "trade_type": "NATIVE",
        "trade_state": state,
        "trade_state_desc": state,
        "bank_type": "CMC",
        "attach": "",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": fen, "payer_total": fen, "currency": "CNY", "payer_currency": "CNY"},
    }
    if state != "CLOSED":  # an order closed unpaid has no WeChat transaction
        resource["transaction_id"] = transaction_id_for(payment_id)
    if state == "SUCCESS":
        resource["success_time"] = now
    return resource


def refund_resource(occurrence: Occurrence, status: str, now: str) -> dict[str, Any]:
    fen = occurrence.amount.minor
    resource: dict[str, Any] = {
        "mchid": MCH_ID,
        "out_trade_no": occurrence.payment_id,
        "transaction_id": transaction_id_for(occurrence.payment_id),
        "out_refund_no": occurrence.refund_id,
        "refund_id": "5000" + transaction_id_for(str(occurrence.refund_id))[4:],
        "refund_status": status,
        "user_received_account": "招商银行信用卡0403",
        "amount": {"total": fen, "refund": fen, "payer_total": fen, "payer_refund": fen},
    }
    if status == "SUCCESS":
        resource["success_time"] = now
    return resource


class WechatPayHarness:
    currency = "CNY"
    notifies = True

    def __init__(self, fake: FakeWechatPay, gateway: WechatPayGateway) -> None:
        self.fake = fake
        self.gateway = gateway

    def charged_by(self, action: PaymentAction) -> tuple[str, Money]:
        assert action.kind is ActionKind.QR_CODE
        [(payment_id, order)] = [
            (k, o) for k, o in self.fake.orders.items() if o.get("code_url") == action.url
        ]
        return payment_id, Money.from_minor(order["total"], "CNY")

    def vendor_state(self) -> object:
        return self.fake.state()

    def occurrences(self, payment_id: str, amount: Money) -> list[Occurrence]:
        payments = [Occurrence(k, p, payment_id, amount) for k, p in _TRADE_STATE]
        refunds = [
            Occurrence(TransactionKind.REFUND, phase, payment_id, amount, f"rfd_{phase}")
            for phase in _REFUND_STATUS
        ]
        return payments + refunds

    def _content(self, occurrence: Occurrence) -> tuple[str, dict[str, Any], str]:
        now = rfc3339(self.fake.clock.now())
        if occurrence.kind is TransactionKind.REFUND:
            status = _REFUND_STATUS[occurrence.phase]
            resource = refund_resource(occurrence, status, now)
            return f"REFUND.{status}", resource, resource["refund_id"]
        state = _TRADE_STATE[(occurrence.kind, occurrence.phase)]
        resource = transaction_resource(occurrence.payment_id, occurrence.amount.minor, state, now)
        reference = resource.get("transaction_id", occurrence.payment_id)
        return "TRANSACTION.SUCCESS", resource, reference

    def _notice(
        self, event_type: str, resource: dict[str, Any], reference: str, **kw: Any
    ) -> Notice:
        ad = "transaction" if event_type.startswith("TRANSACTION") else "refund"
        body = self.fake.envelope(event_type, resource, associated_data=ad)
        meta = {"event_type": event_type, "resource": resource}
        return Notice(self.fake.signed_headers(body, **kw), body, reference, meta)

    def notify(self, occurrence: Occurrence) -> Notice:
        return self._notice(*self._content(occurrence))

    def notify_as_stranger(self, occurrence: Occurrence) -> Notice:
        return self._notice(*self._content(occurrence), key=rsa_key("stranger"))

    def tamper(self, notice: Notice) -> Notice:
        resource = dict(notice.meta["resource"])  # type: ignore[call-overload]
        resource["amount"] = {"total": 1, "refund": 1, "currency": "CNY"}
        event_type = str(notice.meta["event_type"])
        ad = "transaction" if event_type.startswith("TRANSACTION") else "refund"
        body = self.fake.envelope(event_type, resource, associated_data=ad)
        return Notice(notice.headers, body, notice.reference, notice.meta)

    def break_signature(self, notice: Notice) -> Notice:
        wrong = sign(self.fake.platform_key, b"1767225600\nnonce\n{}\n")
        return Notice(
            notice.headers | {"Wechatpay-Signature": wrong}, notice.body, notice.reference
        )

    def strip_signature(self, notice: Notice) -> Notice:
        headers = {k: v for k, v in notice.headers.items() if k != "Wechatpay-Signature"}
        return Notice(headers, notice.body, notice.reference)

    def notify_unknown(self, payment_id: str, amount: Money) -> Notice:
        now = rfc3339(self.fake.clock.now())
        resource = transaction_resource(payment_id, amount.minor, "MYSTERY", now)
        return self._notice("TRANSACTION.SUCCESS", resource, payment_id)

    def refund_request(self, payment_id: str, amount: Money, *, granted: bool) -> RefundRequest:
        order = self.fake.capture(payment_id, amount.minor)
        # Declined the way WeChat Pay declines it: more than the order has left to refund.
        this = amount if granted else amount + Money.of("0.01", "CNY")
        return RefundRequest(
            refund_id=f"rfd_{payment_id}",
            payment_id=payment_id,
            gateway_reference=order["transaction_id"],
            amount=this,
            payment_total=amount,
            reason="contract suite",
            notify_url="https://agora.test/payments/notify/wechatpay",
        )

    def refunded(self, payment_id: str) -> Money | None:
        return Money.from_minor(self.fake.refunded_fen(payment_id), "CNY")


@contextmanager
def wechatpay_harness(request: pytest.FixtureRequest) -> Iterator[WechatPayHarness]:
    with wechatpay_vendor(request_clock(request)) as (fake, gateway):
        yield WechatPayHarness(fake, gateway)
