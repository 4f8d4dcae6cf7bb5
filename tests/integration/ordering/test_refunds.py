"""Refunds and after-sales: partial refunds sum exactly, never beyond what was paid, the
merchant decides, returns come back first, and the ledger still balances."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.ordering.domain import OrderStatus
from marketplace.payments.domain import (
    CreditLimitExceededError,
    GatewayNotification,
    InsufficientBalanceError,
    InvalidRefundError,
    OrdersNotPayableError,
    PaymentStatus,
    RefundKind,
    RefundNotAllowedError,
    RefundStatus,
    TransactionKind,
    TransactionPhase,
)
from marketplace.payments.services import (
    DecideRefund,
    RequestRefund,
    StartPayment,
    apply_notification,
    confirm_return,
    decide_refund,
    process_refund,
    request_refund,
    start_payment,
)
from marketplace.settlement.adapters.tables import ledger_postings
from marketplace.shared.money import Money
from tests.integration.ordering.seed import Market


def _paid_order(
    market: Market, prices: dict[str, str], lines: dict[str, int], method: str = "sandbox"
):  # type: ignore[no-untyped-def]
    seller = market.seller(prices)
    buyer = market.buyer()
    if method == "wallet":
        assert market.app.wallet is not None
        market.app.wallet.top_up(buyer, Money.of("1000.00", "CNY"), reference="gift-1")
    group = market.checkout(buyer, [(seller.skus[k], q) for k, q in lines.items()])
    payment, _action = start_payment(
        StartPayment(buyer_id=buyer, method=method, group_id=group.id), uow=market.app.uow(),
        gateways=market.app.gateways, notify_url=market.app.notify_url,
    )  # fmt: skip
    if method == "sandbox":
        apply_notification(GatewayNotification(
            gateway="sandbox", payment_id=payment.id, gateway_reference="SBX",
            kind=TransactionKind.CAPTURE, phase=TransactionPhase.SUCCESS, amount=payment.amount,
        ), uow=market.app.uow())  # fmt: skip
    with market.app.uow() as uow:
        order = uow.orders.of_group(group.id)[0]
    return seller, buyer, order, payment


def _ledger_balance(market: Market) -> int:
    with market.engine.connect() as conn:
        return int(conn.execute(select(func.sum(ledger_postings.c.amount_minor))).scalar_one())


def _approve_and_send(market: Market, refund_id: str, merchant_id: str) -> RefundStatus:
    decide_refund(DecideRefund(refund_id, merchant_id, approve=True), uow=market.app.uow())
    refund = process_refund(refund_id, uow=market.app.uow(), gateways=market.app.gateways)
    return refund.status


def test_partial_refunds_add_up_to_the_order(market: Market) -> None:
    seller, buyer, order, payment = _paid_order(market, {"pen": "10.00"}, {"pen": 3})
    line = order.lines[0]  # 3 x 10.00 + 8.00 shipping = 38.00
    first = request_refund(RequestRefund(order.id, "broken", lines={line.id: 1}, buyer_id=buyer),
                           uow=market.app.uow())  # fmt: skip
    assert first.amount == Money.of("10.00", "CNY")
    assert first.status is RefundStatus.REQUESTED
    assert _approve_and_send(market, first.id, seller.merchant_id) is RefundStatus.SUCCEEDED

    rest = request_refund(RequestRefund(order.id, "changed my mind", buyer_id=buyer),
                          uow=market.app.uow())  # fmt: skip
    assert rest.amount == Money.of("28.00", "CNY")  # 2 pens and the shipping
    with pytest.raises(InvalidRefundError):  # every unit is asked for (pending counts)
        request_refund(RequestRefund(order.id, "again", buyer_id=buyer), uow=market.app.uow())
    assert _approve_and_send(market, rest.id, seller.merchant_id) is RefundStatus.SUCCEEDED

    with market.app.uow() as uow:
        final = uow.orders.get(order.id)
        stored = uow.payments.get(payment.id)
    assert final is not None
    assert final.status is OrderStatus.REFUNDED
    assert final.refunded == final.total
    assert final.lines[0].refunded_quantity == 3
    assert stored is not None
    assert stored.status is PaymentStatus.REFUNDED
    assert stored.refunded == stored.captured
    assert _ledger_balance(market) == 0
    with pytest.raises(RefundNotAllowedError):
        request_refund(RequestRefund(order.id, "more"), uow=market.app.uow())


def test_rejected_request_frees_the_amount_and_bad_lines_are_refused(market: Market) -> None:
    seller, buyer, order, _ = _paid_order(market, {"pen": "10.00"}, {"pen": 2})
    refund = request_refund(RequestRefund(order.id, "meh", buyer_id=buyer), uow=market.app.uow())
    decided = decide_refund(DecideRefund(refund.id, seller.merchant_id, approve=False,
                                         note="used"), uow=market.app.uow())  # fmt: skip
    assert decided.status is RefundStatus.REJECTED
    assert decided.note == "used"
    with pytest.raises(RefundNotAllowedError):
        decide_refund(DecideRefund(refund.id, seller.merchant_id, approve=True),
                      uow=market.app.uow())  # fmt: skip
    with pytest.raises(InvalidRefundError):
        request_refund(RequestRefund(order.id, "x", lines={order.lines[0].id: 3}),
                       uow=market.app.uow())  # fmt: skip
    with pytest.raises(InvalidRefundError):
        request_refund(RequestRefund(order.id, "x", lines={"oln_nope": 1}), uow=market.app.uow())
    again = request_refund(RequestRefund(order.id, "ok then"), uow=market.app.uow())
    assert again.amount == order.total  # the rejected one no longer counts


def test_return_then_refund_restocks(market: Market) -> None:
    seller, buyer, order, _ = _paid_order(market, {"pen": "10.00"}, {"pen": 2})
    assert market.stock(seller, "pen") == (8, 0)
    refund = request_refund(
        RequestRefund(order.id, "wrong size", lines={order.lines[0].id: 1},
                      kind=RefundKind.RETURN_AND_REFUND, buyer_id=buyer),
        uow=market.app.uow(),
    )  # fmt: skip
    approved = decide_refund(DecideRefund(refund.id, seller.merchant_id, approve=True),
                             uow=market.app.uow())  # fmt: skip
    assert approved.status is RefundStatus.AWAITING_RETURN
    confirm_return(refund.id, merchant_id=seller.merchant_id, uow=market.app.uow())
    done = process_refund(refund.id, uow=market.app.uow(), gateways=market.app.gateways)
    assert done.status is RefundStatus.SUCCEEDED
    assert market.stock(seller, "pen") == (9, 0)
    assert _ledger_balance(market) == 0


def test_wallet_pays_at_once_and_refunds_to_the_wallet(market: Market) -> None:
    seller, buyer, order, payment = _paid_order(market, {"pen": "10.00"}, {"pen": 1}, "wallet")
    wallet = market.app.wallet
    assert wallet is not None
    assert payment.status is PaymentStatus.CAPTURED
    assert order.status is OrderStatus.PAID
    assert wallet.balance(buyer, "CNY") == Money.of("982.00", "CNY")
    refund = request_refund(RequestRefund(order.id, "x", buyer_id=buyer), uow=market.app.uow())
    assert _approve_and_send(market, refund.id, seller.merchant_id) is RefundStatus.SUCCEEDED
    assert wallet.balance(buyer, "CNY") == Money.of("1000.00", "CNY")
    assert _ledger_balance(market) == 0


def test_wallet_and_credit_refuse_what_they_cannot_cover(market: Market) -> None:
    seller = market.seller({"pen": "10.00"})
    buyer = market.buyer()
    group = market.checkout(buyer, [(seller.skus["pen"], 1)])
    cmd = StartPayment(buyer_id=buyer, method="wallet", group_id=group.id)
    kwargs = {"gateways": market.app.gateways, "notify_url": market.app.notify_url}
    with pytest.raises(InsufficientBalanceError):
        start_payment(cmd, uow=market.app.uow(), **kwargs)  # type: ignore[arg-type]
    with market.engine.connect() as conn:  # one transaction: no payment is left behind
        from marketplace.payments.adapters.tables import payments

        assert conn.execute(select(func.count()).select_from(payments)).scalar_one() == 0
    terms = StartPayment(buyer_id=buyer, method="credit_terms", group_id=group.id)
    with pytest.raises(CreditLimitExceededError):
        start_payment(terms, uow=market.app.uow(), **kwargs)  # type: ignore[arg-type]
    assert market.app.credit_terms is not None
    assert market.app.credit_terms.set_account(buyer, Money.of("500", "CNY"), terms_days=30)
    payment, _ = start_payment(terms, uow=market.app.uow(), **kwargs)  # type: ignore[arg-type]
    assert payment.status is PaymentStatus.CAPTURED
    with pytest.raises(OrdersNotPayableError):  # paid already: no second invoice
        start_payment(terms, uow=market.app.uow(), **kwargs)  # type: ignore[arg-type]


def test_credit_terms_invoice_is_settled_once(market: Market) -> None:
    from marketplace.payments.services.invoices import InvoiceNotOpenError, settle_invoice

    seller = market.seller({"pen": "10.00"})
    buyer = market.buyer()
    credit = market.app.credit_terms
    assert credit is not None
    assert credit.set_account(buyer, Money.of("100", "CNY"), terms_days=30)
    group = market.checkout(buyer, [(seller.skus["pen"], 2)])  # 20.00 + 8.00
    start_payment(
        StartPayment(buyer_id=buyer, method="credit_terms", group_id=group.id),
        uow=market.app.uow(), gateways=market.app.gateways, notify_url=market.app.notify_url,
    )  # fmt: skip
    with market.app.uow() as uow:
        (invoice,) = uow.invoices.of_buyer(buyer)
    assert invoice.status == "open"
    assert invoice.outstanding == Money.of("28.00", "CNY")
    assert invoice.due_at == market.clock.now() + timedelta(days=30)
    with pytest.raises(CreditLimitExceededError):  # 28 used of 100: 80 more does not fit
        credit.start(_request(buyer, "80.00", market))

    paid = settle_invoice(invoice.id, uow=market.app.uow())
    assert paid.status == "paid"
    with pytest.raises(InvoiceNotOpenError):
        settle_invoice(invoice.id, uow=market.app.uow())
    credit.start(_request(buyer, "80.00", market))  # the credit is free again
    assert _ledger_balance(market) == 0
    with market.engine.connect() as conn:
        collected = conn.execute(
            select(func.sum(ledger_postings.c.amount_minor)).where(
                ledger_postings.c.account == "bank:collections"
            )
        ).scalar_one()
    assert collected == 2800


def _request(buyer: str, amount: str, market: Market):  # type: ignore[no-untyped-def]
    from marketplace.payments.domain import PaymentRequest
    from marketplace.shared.ids import new_id

    payment_id = new_id("pay")
    # The invoice row references a payment: create one the way the core would.
    from sqlalchemy import insert

    from marketplace.payments.adapters.tables import payments

    now = market.clock.now()
    with market.engine.begin() as conn:
        conn.execute(insert(payments).values(
            id=payment_id, buyer_id=buyer, method="credit_terms", status="pending",
            currency="CNY", amount_minor=Money.of(amount, "CNY").minor, captured_minor=0,
            refunded_minor=0, gateway_reference=None, expires_at=now + timedelta(hours=1),
            version=1, created_at=now, updated_at=now,
        ))  # fmt: skip
    return PaymentRequest(payment_id=payment_id, amount=Money.of(amount, "CNY"),
                          subject="t", buyer_id=buyer, expires_at=now + timedelta(hours=1),
                          notify_url="http://x")  # fmt: skip


def test_a_wallet_debit_whose_capture_was_lost_is_finished_by_the_sweeper(
    market: Market,
) -> None:
    from marketplace.payments.domain import PaymentRequest
    from marketplace.payments.services import finish_collected_payments
    from marketplace.payments.services.payments import _open_or_new, _payable_orders

    seller = market.seller({"pen": "10.00"})
    buyer = market.buyer()
    wallet = market.app.wallet
    assert wallet is not None
    wallet.top_up(buyer, Money.of("100.00", "CNY"), reference="t")
    group = market.checkout(buyer, [(seller.skus["pen"], 1)])
    cmd = StartPayment(buyer_id=buyer, method="wallet", group_id=group.id)
    with market.app.uow() as uow:  # what start_payment does, up to the crash
        payment = _open_or_new(uow, cmd, _payable_orders(uow, cmd))
        uow.commit()
    wallet.start(PaymentRequest(payment.id, payment.amount, "t", buyer, payment.expires_at, "x"))
    assert wallet.balance(buyer, "CNY") == Money.of("82.00", "CNY")  # debited, not applied
    sweep = {"uow": market.app.uow(), "gateways": market.app.gateways}

    assert finish_collected_payments(**sweep) == 0  # type: ignore[arg-type]  # too recent
    market.later(minutes=1)
    assert finish_collected_payments(**sweep) == 1  # type: ignore[arg-type]
    assert finish_collected_payments(**sweep) == 0  # type: ignore[arg-type]
    with market.app.uow() as uow:
        stored = uow.payments.get(payment.id)
        order = uow.orders.of_group(group.id)[0]
    assert stored is not None
    assert stored.status is PaymentStatus.CAPTURED
    assert order.status is OrderStatus.PAID
    assert wallet.balance(buyer, "CNY") == Money.of("82.00", "CNY")
