"""The ledger, commission rules, payouts and statements on real PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from marketplace.db.uow import SqlUnitOfWork
from marketplace.settlement import queries, services
from marketplace.settlement.adapters.tables import ledger_accounts, ledger_entries
from marketplace.settlement.domain import (
    BANK_PAYOUTS,
    PLATFORM_COMMISSION,
    CommissionInput,
    CommissionRefundError,
    CommissionScope,
    InsufficientPayableBalanceError,
    LedgerReferenceReusedError,
    MerchantShare,
    PaymentNotCapturedError,
    PayoutStatus,
    RefundExceedsCaptureError,
    StatementPeriod,
    StatementPeriodOverlapError,
)
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from tests.integration.settlement_seed import (
    T0,
    balance,
    capture,
    cny,
    refund,
    seed_category,
    seed_merchant,
    snapshot,
    total_of_all_postings,
)


def test_a_capture_posts_balanced_and_only_once(any_engine: Engine) -> None:
    a, b = seed_merchant(any_engine), seed_merchant(any_engine)
    shares = (MerchantShare(a, "ord_1", cny("100.00"), cny("5.00")),
              MerchantShare(b, "ord_2", cny("20.00"), cny("0.00")))  # fmt: skip
    first = capture(any_engine, "pay_1", *shares)
    assert capture(any_engine, "pay_1", *shares).id == first.id
    assert balance(any_engine, "gateway:alipay") == 12000
    assert balance(any_engine, f"merchant_payable:{a}") == -9500
    assert balance(any_engine, f"merchant_payable:{b}") == -2000
    assert balance(any_engine, PLATFORM_COMMISSION) == -500
    assert total_of_all_postings(any_engine) == {"CNY": 0}

    before = snapshot(any_engine)
    with pytest.raises(LedgerReferenceReusedError):
        capture(any_engine, "pay_1", shares[0])
    assert snapshot(any_engine) == before

    uow = SqlUnitOfWork(any_engine, clock=FixedClock(T0))
    with uow:
        stored = uow.ledger.get(first.kind, "pay_1")
    assert stored is not None
    assert stored.same_postings(first.postings)
    assert (stored.occurred_at, stored.posted_at, stored.payment_id) == (T0, T0, "pay_1")
    with any_engine.connect() as conn:
        accounts = set(conn.execute(select(ledger_accounts.c.code)).scalars())
    assert accounts == {"gateway:alipay", PLATFORM_COMMISSION, f"merchant_payable:{a}",
                        f"merchant_payable:{b}"}  # fmt: skip


def test_refunds_are_checked_against_the_capture(any_engine: Engine) -> None:
    a = seed_merchant(any_engine)
    capture(any_engine, "pay_1", MerchantShare(a, "ord_1", cny("100.00"), cny("5.00")))
    refund(any_engine, "ref_1", "pay_1", MerchantShare(a, "ord_1", cny("30.00"), cny("1.50")))
    again = refund(
        any_engine, "ref_1", "pay_1", MerchantShare(a, "ord_1", cny("30.00"), cny("1.50"))
    )
    assert again.reference == "ref_1"

    before = snapshot(any_engine)
    refusals = [
        ("ref_2", "pay_1", MerchantShare(a, "ord_1", cny("70.01"), cny("0.00")),
         RefundExceedsCaptureError),
        ("ref_2", "pay_1", MerchantShare(a, "ord_1", cny("10.00"), cny("3.51")),
         CommissionRefundError),
        ("ref_2", "pay_1", MerchantShare(a, "ord_1", cny("70.00"), cny("3.00")),
         CommissionRefundError),  # completes the gross, not the commission
        ("ref_2", "pay_9", MerchantShare(a, "ord_1", cny("1.00"), cny("0.00")),
         PaymentNotCapturedError),
        ("ref_1", "pay_1", MerchantShare(a, "ord_1", cny("31.00"), cny("1.50")),
         LedgerReferenceReusedError),
    ]  # fmt: skip
    for refund_id, payment_id, share, error in refusals:
        with pytest.raises(error):
            refund(any_engine, refund_id, payment_id, share)
    assert snapshot(any_engine) == before

    refund(any_engine, "ref_2", "pay_1", MerchantShare(a, "ord_1", cny("70.00"), cny("3.50")))
    assert balance(any_engine, f"merchant_payable:{a}") == 0
    assert balance(any_engine, PLATFORM_COMMISSION) == 0
    assert balance(any_engine, "gateway:alipay") == 0


def test_commission_rules_match_on_both_databases(any_engine: Engine) -> None:
    merchant = seed_merchant(any_engine)
    root = seed_category(any_engine)
    leaf = seed_category(any_engine, root)
    clock = FixedClock(T0)

    def rule(scope: str, rate: str, scope_id: str | None = None, **extra: object) -> str:
        cmd = services.CreateCommissionRule(scope, rate, scope_id=scope_id, **extra)  # type: ignore[arg-type]
        return services.create_commission_rule(cmd, uow=SqlUnitOfWork(any_engine, clock=clock)).id

    platform = rule("platform", "0.05", floors=(cny("1.00"),), caps=(Money.of("9", "USD"),))
    category = rule("category", "0.1", root[0], caps=(cny("20.00"),))
    rule("merchant", "0.02", merchant, effective_from=T0 + timedelta(days=1))
    rule("category", "0.5", leaf[0], is_active=False)

    lines = [
        CommissionInput(merchant, (leaf[0], root[0]), cny("300.00")),
        CommissionInput("mer_other", ("cat_x",), cny("10.00")),
        CommissionInput("mer_other", (), Money.of("1000.00", "USD")),
    ]
    uow = SqlUnitOfWork(any_engine, clock=clock)
    with uow:
        quoted = services.quote_commissions(lines, uow=uow)
        later = services.quote_commissions(lines[:1], uow=uow, at=T0 + timedelta(days=2))
    assert [(q.rule_id, q.amount) for q in quoted] == [
        (category, cny("20.00")),  # 30.00 capped
        (platform, cny("1.00")),  # 0.50 raised to the CNY floor
        (platform, Money.of("9.00", "USD")),  # 50.00 capped in USD
    ]
    assert quoted[0].scope is CommissionScope.CATEGORY
    assert (later[0].rate, later[0].amount) == (Decimal("0.02"), cny("6.00"))

    listed = queries.list_commission_rules(any_engine, limit=2)
    assert (len(listed.items), listed.has_more) == (2, True)
    assert listed.items[0].floors == (cny("1.00"),)
    services.archive_commission_rule(category, uow=SqlUnitOfWork(any_engine, clock=clock))
    assert len(queries.list_commission_rules(any_engine).items) == 3
    with uow:
        assert services.quote_commissions(lines[:1], uow=uow)[0].rule_id == platform


def test_payouts_statements_and_balances(any_engine: Engine) -> None:
    merchant = seed_merchant(any_engine)
    clock = FixedClock(T0)

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(any_engine, clock=clock)

    capture(any_engine, "pay_1", MerchantShare(merchant, "ord_1", cny("100.00"), cny("5.00")),
            clock=clock)  # fmt: skip
    clock.advance(timedelta(days=1))
    refund(any_engine, "ref_1", "pay_1",
           MerchantShare(merchant, "ord_1", cny("40.00"), cny("2.00")), clock=clock)  # fmt: skip
    paid = services.create_payout(services.CreatePayout(merchant, cny("30.00")), uow=uow())
    failed = services.create_payout(services.CreatePayout(merchant, cny("20.00")), uow=uow())
    before = snapshot(any_engine)
    with pytest.raises(InsufficientPayableBalanceError):
        services.create_payout(services.CreatePayout(merchant, cny("7.01")), uow=uow())
    assert snapshot(any_engine) == before
    services.mark_payout_paid(services.MovePayout(paid.id, "BANK-1"), uow=uow())
    services.mark_payout_failed(services.MovePayout(failed.id, failure_reason="closed"),
                                uow=uow())  # fmt: skip
    assert balance(any_engine, BANK_PAYOUTS) == -3000
    [position] = queries.merchant_balances(any_engine, merchant)
    assert (position.available, position.in_flight, position.paid_out) == (
        cny("27.00"), cny("0.00"), cny("30.00"),
    )  # fmt: skip
    assert queries.get_payout(any_engine, failed.id).status is PayoutStatus.FAILED  # type: ignore[union-attr]

    end = T0 + timedelta(days=7)
    clock.advance(timedelta(days=30))
    statement, created = services.close_statement(
        services.CloseStatement(merchant, "CNY", T0, end, "adm_1"), uow=uow()
    )
    assert created
    stored = queries.get_statement(any_engine, statement.id or "", merchant_id=merchant)
    assert stored == statement
    assert (stored.gross, stored.commission, stored.refunds, stored.commission_refunded) == (
        cny("100.00"), cny("5.00"), cny("40.00"), cny("2.00"),
    )  # fmt: skip
    assert (stored.net, stored.payouts, stored.closing) == (cny("57.00"), cny("30.00"),
                                                            cny("27.00"))  # fmt: skip
    assert [(line.order_id, line.net) for line in stored.lines] == [("ord_1", cny("57.00"))]
    preview = queries.preview_statement(any_engine, merchant, "CNY", StatementPeriod(T0, end))
    assert preview.closing == statement.closing
    assert -balance(any_engine, f"merchant_payable:{merchant}") == statement.closing.minor

    again, created = services.close_statement(
        services.CloseStatement(merchant, "CNY", T0, end), uow=uow()
    )
    assert (again, created) == (statement, False)
    before = snapshot(any_engine)
    with pytest.raises(StatementPeriodOverlapError):
        services.close_statement(
            services.CloseStatement(merchant, "CNY", T0 - timedelta(days=1), T0 + timedelta(1)),
            uow=uow(),
        )
    assert snapshot(any_engine) == before
    page = queries.list_statements(any_engine, merchant)
    assert [s.id for s in page.items] == [statement.id]
    with any_engine.connect() as conn:
        kinds = sorted(conn.execute(select(ledger_entries.c.kind)).scalars())
    assert kinds == ["payment_captured", "payout", "payout", "payout_reversal", "refund"]
