"""The ledger's domain and posting services, with hand-computed figures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marketplace.settlement import services
from marketplace.settlement.domain import (
    PLATFORM_COMMISSION,
    CommissionRefundError,
    EntryKind,
    InvalidAccountError,
    InvalidEntryError,
    InvalidShareError,
    JournalEntry,
    LedgerReferenceReusedError,
    MerchantShare,
    PaymentNotCapturedError,
    Posting,
    RefundExceedsCaptureError,
    UnbalancedEntryError,
    funding_account,
)
from marketplace.settlement.domain.ledger import capture_postings, refund_postings
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from tests.unit.settlement.fakes import FakeSettlementUow

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def entry(*postings: Posting) -> JournalEntry:
    return JournalEntry("je_1", EntryKind.PAYMENT_CAPTURED, "pay_1", T0, T0, postings)


SHARES = (
    MerchantShare("mer_a", "ord_1", cny("100.00"), cny("5.00")),
    MerchantShare("mer_b", "ord_2", cny("50.50"), cny("0.00")),
)


def test_an_unbalanced_entry_cannot_be_built() -> None:
    with pytest.raises(UnbalancedEntryError) as caught:
        entry(Posting("wallet", cny("10.00")), Posting(PLATFORM_COMMISSION, cny("-9.99")))
    assert caught.value.details["currency"] == "CNY"
    # Balanced in total but not per currency.
    with pytest.raises(UnbalancedEntryError):
        entry(
            Posting("wallet", cny("10.00")), Posting("wallet", Money.of("-10.00", "USD")),
            Posting(PLATFORM_COMMISSION, Money.of("10.00", "USD")),
            Posting(PLATFORM_COMMISSION, cny("-10.00")), Posting("wallet", cny("1.00")),
        )  # fmt: skip
    with pytest.raises(UnbalancedEntryError):
        entry(Posting("wallet", cny("0.01")))


def test_entries_refuse_zero_postings_unknown_accounts_and_naive_times() -> None:
    with pytest.raises(InvalidEntryError):
        entry(Posting("wallet", cny("0.00")), Posting(PLATFORM_COMMISSION, cny("0.00")))
    with pytest.raises(InvalidAccountError):
        entry(Posting("cash", cny("1.00")), Posting(PLATFORM_COMMISSION, cny("-1.00")))
    with pytest.raises(InvalidEntryError):
        JournalEntry(
            "je", EntryKind.REFUND, "r", datetime(2026, 1, 1), T0,
            (Posting("wallet", cny("1.00")), Posting(PLATFORM_COMMISSION, cny("-1.00"))),
        )  # fmt: skip


@pytest.mark.parametrize("good", ["gateway:alipay", "gateway:wechatpay", "wallet",
                                  "receivable:credit_terms", "gateway:sandbox"])  # fmt: skip
def test_funding_accounts(good: str) -> None:
    assert funding_account(good) == good


@pytest.mark.parametrize("bad", ["gateway:", "bank:payouts", "platform:commission", "cash",
                                 "merchant_payable:mer_1", "gateway:Ali Pay"])  # fmt: skip
def test_other_accounts_cannot_fund_a_payment(bad: str) -> None:
    with pytest.raises(InvalidAccountError) as caught:
        funding_account(bad)
    assert caught.value.code == "invalid_funding_account"


def test_capture_postings_by_hand() -> None:
    postings = capture_postings("gateway:alipay", SHARES)
    assert [(p.account, p.amount, p.merchant_id, p.order_id) for p in postings] == [
        ("gateway:alipay", cny("150.50"), None, None),
        ("merchant_payable:mer_a", cny("-95.00"), "mer_a", "ord_1"),
        (PLATFORM_COMMISSION, cny("-5.00"), "mer_a", "ord_1"),
        ("merchant_payable:mer_b", cny("-50.50"), "mer_b", "ord_2"),  # no zero commission line
    ]


def test_refund_postings_are_the_reverse() -> None:
    share = MerchantShare("mer_a", "ord_1", cny("40.00"), cny("2.00"))
    postings = refund_postings("wallet", [share])
    assert [(p.account, p.amount) for p in postings] == [
        ("wallet", cny("-40.00")),
        ("merchant_payable:mer_a", cny("38.00")),
        (PLATFORM_COMMISSION, cny("2.00")),
    ]


@pytest.mark.parametrize(
    ("share", "code"),
    [
        (MerchantShare("mer_a", "ord_1", cny("0.00"), cny("0.00")), "invalid_merchant_share"),
        (MerchantShare("mer_a", "ord_1", cny("5.00"), cny("6.00")), "invalid_merchant_share"),
        (MerchantShare("mer_a", "ord_1", cny("5.00"), cny("-1.00")), "invalid_merchant_share"),
        (MerchantShare("mer_a", "ord_1", cny("5.00"), Money.of("1.00", "USD")),
         "mixed_currencies"),
        (MerchantShare("", "ord_1", cny("5.00"), cny("1.00")), "invalid_ledger_account"),
    ],
)  # fmt: skip
def test_bad_shares_are_refused(share: MerchantShare, code: str) -> None:
    with pytest.raises((InvalidShareError, InvalidAccountError)) as caught:
        capture_postings("wallet", [share])
    assert caught.value.code == code


def test_shares_of_one_payment_are_one_currency_without_duplicates() -> None:
    usd = MerchantShare("mer_b", "ord_2", Money.of("1.00", "USD"), Money.of("0.00", "USD"))
    with pytest.raises(InvalidShareError):
        capture_postings("wallet", [SHARES[0], usd])
    with pytest.raises(InvalidShareError):
        capture_postings("wallet", [SHARES[0], SHARES[0]])
    with pytest.raises(InvalidShareError):
        capture_postings("wallet", [])


# -- services -----------------------------------------------------------------------------------
@pytest.fixture
def uow() -> FakeSettlementUow:
    return FakeSettlementUow(FixedClock(T0))


def capture(uow: FakeSettlementUow, payment: str = "pay_1", **kw: object) -> JournalEntry:
    with uow:
        posted = services.post_payment_captured(
            uow=uow, payment_id=payment, funding_account=kw.pop("funding", "gateway:alipay"),  # type: ignore[arg-type]
            shares=kw.pop("shares", SHARES), at=T0,  # type: ignore[arg-type]
        )  # fmt: skip
        uow.commit()
    return posted


def refund(uow: FakeSettlementUow, refund_id: str, *shares: MerchantShare) -> JournalEntry:
    with uow:
        posted = services.post_refund(
            uow=uow, refund_id=refund_id, payment_id="pay_1", funding_account="gateway:alipay",
            shares=shares, at=T0,
        )  # fmt: skip
        uow.commit()
    return posted


def test_posting_a_capture_twice_returns_the_first_entry(uow: FakeSettlementUow) -> None:
    first = capture(uow)
    again = capture(uow)
    assert again == first
    assert len(uow.state.entries) == 1
    with pytest.raises(LedgerReferenceReusedError):
        capture(uow, shares=SHARES[:1])
    assert len(uow.state.entries) == 1


def test_refunds_within_the_capture_are_posted(uow: FakeSettlementUow) -> None:
    capture(uow)
    first = refund(uow, "ref_1", MerchantShare("mer_a", "ord_1", cny("60.00"), cny("3.00")))
    assert refund(uow, "ref_1", MerchantShare("mer_a", "ord_1", cny("60.00"), cny("3.00"))) == first
    refund(uow, "ref_2", MerchantShare("mer_a", "ord_1", cny("40.00"), cny("2.00")))
    assert uow.state.locks == ["payment_captured:pay_1"] * 3  # every refund locks the capture
    assert uow.ledger.balance("merchant_payable:mer_a", "CNY") == 0
    assert uow.ledger.balance(PLATFORM_COMMISSION, "CNY") == 0
    assert uow.ledger.balance("gateway:alipay", "CNY") == 5050


@pytest.mark.parametrize(
    ("share", "error", "code"),
    [
        (MerchantShare("mer_a", "ord_1", cny("100.01"), cny("0.00")), RefundExceedsCaptureError,
         "refund_exceeds_capture"),
        (MerchantShare("mer_a", "ord_9", cny("1.00"), cny("0.00")), RefundExceedsCaptureError,
         "refund_exceeds_capture"),
        (MerchantShare("mer_b", "ord_2", cny("10.00"), cny("0.01")), CommissionRefundError,
         "commission_refund_exceeds_commission"),
        (MerchantShare("mer_a", "ord_1", cny("100.00"), cny("4.99")), CommissionRefundError,
         "commission_refund_incomplete"),
    ],
)  # fmt: skip
def test_refunds_beyond_the_capture_are_refused_and_change_nothing(
    uow: FakeSettlementUow, share: MerchantShare, error: type[Exception], code: str
) -> None:
    capture(uow)
    before = dict(uow.state.entries)
    with pytest.raises(error) as caught:
        refund(uow, "ref_x", share)
    assert caught.value.code == code  # type: ignore[attr-defined]
    assert uow.state.entries == before


def test_a_refund_of_an_uncaptured_payment_is_refused(uow: FakeSettlementUow) -> None:
    with pytest.raises(PaymentNotCapturedError):
        refund(uow, "ref_1", SHARES[0])
    assert uow.state.entries == {}


def test_a_refund_in_another_currency_is_refused(uow: FakeSettlementUow) -> None:
    capture(uow)
    usd = MerchantShare("mer_a", "ord_1", Money.of("1.00", "USD"), Money.of("0.00", "USD"))
    with pytest.raises(InvalidShareError):
        refund(uow, "ref_1", usd)
    assert len(uow.state.entries) == 1


def test_plan_refund_shares_splits_commission_proportionally(uow: FakeSettlementUow) -> None:
    capture(uow)
    with uow:
        planned = services.plan_refund_shares(
            uow=uow, payment_id="pay_1", amounts={("mer_a", "ord_1"): cny("33.33")}
        )
    # 5.00 x 33.33 / 100.00 = 1.6665 -> 1.67
    assert planned == [MerchantShare("mer_a", "ord_1", cny("33.33"), cny("1.67"))]
    refund(uow, "ref_1", *planned)
    with uow:
        rest = services.plan_refund_shares(
            uow=uow, payment_id="pay_1", amounts={("mer_a", "ord_1"): cny("66.67")}
        )
    assert rest[0].commission == cny("3.33")  # ends exactly at 5.00
    refund(uow, "ref_2", *rest)
    assert uow.ledger.balance("merchant_payable:mer_a", "CNY") == 0
