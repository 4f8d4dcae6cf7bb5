"""Alipay under the contract suite: the fake Alipay plays the vendor side."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest

from marketplace.payments.adapters.alipay import AlipayGateway
from marketplace.payments.domain.gateway import (
    PaymentAction,
    RefundRequest,
    TransactionKind,
    TransactionPhase,
)
from marketplace.shared.money import Money
from tests.unit.payments.vendors.alipay import (
    FakeAlipay,
    alipay_string,
    alipay_vendor,
    beijing,
    encode,
    trade_no_for,
)
from tests.unit.payments.vendors.harness import Notice, Occurrence, request_clock
from tests.unit.payments.vendors.keys import rsa_key, sign, verifies

_STATUS = {
    (TransactionKind.CAPTURE, TransactionPhase.SUCCESS): "TRADE_SUCCESS",
    (TransactionKind.CAPTURE, TransactionPhase.REQUEST): "WAIT_BUYER_PAY",
    (TransactionKind.CANCEL, TransactionPhase.SUCCESS): "TRADE_CLOSED",
}


class AlipayHarness:
    currency = "CNY"
    notifies = True

    def __init__(self, fake: FakeAlipay, gateway: AlipayGateway) -> None:
        self.fake = fake
        self.gateway = gateway

    def charged_by(self, action: PaymentAction) -> tuple[str, Money]:
        assert action.url is not None
        params = dict(parse_qsl(urlsplit(action.url).query, keep_blank_values=True))
        content = alipay_string(params, exclude={"sign"}).encode("utf-8")
        assert verifies(self.fake.app_public_key, content, params["sign"]), "forged request"
        assert params["method"] == "alipay.trade.page.pay"
        biz = json.loads(params["biz_content"])
        return biz["out_trade_no"], Money.of(biz["total_amount"], "CNY")

    def vendor_state(self) -> object:
        return self.fake.state()

    def occurrences(self, payment_id: str, amount: Money) -> list[Occurrence]:
        return [
            *(Occurrence(kind, phase, payment_id, amount) for kind, phase in _STATUS),
            Occurrence(
                TransactionKind.REFUND, TransactionPhase.SUCCESS, payment_id, amount, "rfd_1"
            ),
        ]

    def _fields(self, occurrence: Occurrence) -> dict[str, str]:
        now = beijing(self.fake.clock.now())
        fields = {
            "out_trade_no": occurrence.payment_id,
            "trade_no": trade_no_for(occurrence.payment_id),
            "total_amount": f"{occurrence.amount.amount:.2f}",
        }
        if occurrence.kind is TransactionKind.REFUND:
            assert occurrence.refund_id is not None
            # A full refund closes the trade; refund_fee is the total refunded.
            return fields | {
                "trade_status": "TRADE_CLOSED",
                "refund_fee": fields["total_amount"],
                "gmt_refund": now + ".123",
                "out_biz_no": occurrence.refund_id,
                "gmt_payment": now,
                "gmt_close": now,
            }
        status = _STATUS[(occurrence.kind, occurrence.phase)]
        time_field = {"TRADE_CLOSED": "gmt_close", "TRADE_SUCCESS": "gmt_payment"}.get(status)
        return fields | {"trade_status": status} | ({time_field: now} if time_field else {})

    def notify(self, occurrence: Occurrence) -> Notice:
        params = self.fake.notification(self._fields(occurrence))
        return Notice({}, encode(params), params["trade_no"], {"params": params})

    def notify_as_stranger(self, occurrence: Occurrence) -> Notice:
        params = self.fake.notification(self._fields(occurrence), key=rsa_key("stranger"))
        return Notice({}, encode(params), params["trade_no"], {"params": params})

    def _altered(self, notice: Notice, **changes: str | None) -> Notice:
        params = dict(notice.meta["params"])  # type: ignore[call-overload]
        for name, value in changes.items():
            if value is None:
                params.pop(name, None)
            else:
                params[name] = value
        return Notice({}, encode(params), notice.reference, {"params": params})

    def tamper(self, notice: Notice) -> Notice:
        return self._altered(notice, total_amount="0.01", refund_fee=None)

    def break_signature(self, notice: Notice) -> Notice:
        return self._altered(notice, sign=sign(self.fake.platform_key, b"something else"))

    def strip_signature(self, notice: Notice) -> Notice:
        return self._altered(notice, sign=None)

    def notify_unknown(self, payment_id: str, amount: Money) -> Notice:
        occurrence = Occurrence(
            TransactionKind.CAPTURE, TransactionPhase.SUCCESS, payment_id, amount
        )
        params = self.fake.notification(self._fields(occurrence) | {"trade_status": "TRADE_ODD"})
        return Notice({}, encode(params), params["trade_no"], {"params": params})

    def refund_request(self, payment_id: str, amount: Money, *, granted: bool) -> RefundRequest:
        trade = self.fake.capture(payment_id, amount.amount)
        # Declined the way Alipay declines it: more than the trade has left to refund.
        this = amount if granted else amount + Money.of("0.01", "CNY")
        return RefundRequest(
            refund_id=f"rfd_{payment_id}",
            payment_id=payment_id,
            gateway_reference=trade.trade_no,
            amount=this,
            payment_total=amount,
            reason="contract suite",
        )

    def refunded(self, payment_id: str) -> Money | None:
        trade = self.fake.trades.get(payment_id)
        total = sum(trade.refunds.values(), Decimal(0)) if trade else Decimal(0)
        return Money.of(total, "CNY")


@contextmanager
def alipay_harness(request: pytest.FixtureRequest) -> Iterator[AlipayHarness]:
    with alipay_vendor(request_clock(request)) as (fake, gateway):
        yield AlipayHarness(fake, gateway)
