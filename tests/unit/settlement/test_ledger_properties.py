"""Hypothesis: over random sequences of captures, partial refunds and payouts (some of them
beyond what is allowed), money in equals money out and nothing is ever overdrawn.

The sequence runs through the real services on in-memory fakes of the ports; a small
model tracks what should hold, and the ledger is checked against it after every step.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.settlement import services
from marketplace.settlement.domain import (
    BANK_PAYOUTS,
    PLATFORM_COMMISSION,
    CommissionRefundError,
    InsufficientPayableBalanceError,
    MerchantShare,
    RefundExceedsCaptureError,
    merchant_payable,
)
from marketplace.settlement.ports import SettlementUnitOfWork
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from tests.unit.settlement.fakes import FakeSettlementUow

T0 = datetime(2026, 3, 1, tzinfo=UTC)
MERCHANTS = ("mer_a", "mer_b", "mer_c")
FUNDING = ("gateway:alipay", "gateway:wechatpay", "wallet", "receivable:credit_terms")


def cny(minor: int) -> Money:
    return Money.from_minor(minor, "CNY")


capture_op = st.tuples(
    st.just("capture"),
    st.sampled_from(FUNDING),
    st.lists(
        st.tuples(st.sampled_from(MERCHANTS), st.integers(1, 10**7), st.integers(0, 10_000)),
        min_size=1, max_size=3, unique_by=lambda share: share[0],
    ),
)  # fmt: skip
# How much of what is left to take: a part of it, all of it, or more than there is.
HOW_MUCH = st.tuples(st.sampled_from(["part", "all", "over"]), st.floats(0, 1))
refund_op = st.tuples(
    st.just("refund"),
    st.integers(0, 50),
    st.integers(0, 2),
    HOW_MUCH,
    st.sampled_from(["plan", "proportional", "arbitrary"]),
)
payout_op = st.tuples(st.just("payout"), st.sampled_from(MERCHANTS), HOW_MUCH, st.booleans())


def amount_of(left: int, how: tuple[str, float]) -> int:
    """A positive amount: a part of ``left``, all of it, or beyond it."""
    mode, ratio = how
    if mode == "all" and left > 0:
        return left
    if mode == "part" and left > 1:
        return max(1, int((left - 1) * ratio))
    return max(left, 0) + 1 + int(ratio * 1000)


@dataclass
class Model:
    captures: list[tuple[str, list[MerchantShare]]] = field(default_factory=list)
    captured: int = 0
    refunded: int = 0
    refunded_by_order: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    payouts: list[tuple[str, int]] = field(default_factory=list)


class Run:
    """Applies operations through the services and checks the ledger against a model."""

    def __init__(self, uow: SettlementUnitOfWork | None = None, clock: FixedClock | None = None):
        self.clock = clock or FixedClock(T0)
        fake = FakeSettlementUow(self.clock)
        fake.state.merchants.update(MERCHANTS)
        self.fake = fake
        self.uow: SettlementUnitOfWork = uow or fake
        self.model = Model()
        self.refunds = 0

    def balance(self, account: str) -> int:
        """The account's balance in CNY (debit positive)."""
        with self.uow:
            return self.uow.ledger.balance(account, "CNY")

    def sum_of_all_postings(self) -> int:
        return sum(p.amount.minor for e in self.fake.state.entries.values() for p in e.postings)

    def capture(self, funding: str, raw: list[tuple[str, int, int]]) -> None:
        payment = f"pay_{len(self.model.captures)}"
        shares = [
            MerchantShare(m, f"ord_{payment}_{m}", cny(g), cny(g * rate // 10_000))
            for m, g, rate in raw
        ]
        with self.uow:
            services.post_payment_captured(
                uow=self.uow, payment_id=payment, funding_account=funding, shares=shares,
                at=self.clock.now(),
            )  # fmt: skip
            self.uow.commit()
        self.model.captures.append((payment, shares))
        self.model.captured += sum(s.gross.minor for s in shares)

    def refund(self, index: int, which: int, how: tuple[str, float], way: str) -> None:
        if not self.model.captures:
            return
        payment, shares = self.model.captures[index % len(self.model.captures)]
        share = shares[which % len(shares)]
        key = (share.merchant_id, share.order_id)
        done_gross, done_commission = self.model.refunded_by_order[key]
        amount = amount_of(share.gross.minor - done_gross, how)
        self.refunds += 1
        refund_id = f"ref_{self.refunds}"
        try:
            with self.uow:
                refund_shares = self._refund_shares(payment, share, amount, way, how[1])
                services.post_refund(
                    uow=self.uow, refund_id=refund_id, payment_id=payment,
                    funding_account="wallet", shares=refund_shares, at=self.clock.now(),
                )  # fmt: skip
                self.uow.commit()
        except RefundExceedsCaptureError:
            assert done_gross + amount > share.gross.minor
            return
        except CommissionRefundError:
            assert way != "plan"  # the helper's commission always fits
            return
        assert done_gross + amount <= share.gross.minor
        self.model.refunded += amount
        self.model.refunded_by_order[key] = [
            done_gross + amount,
            done_commission + refund_shares[0].commission.minor,
        ]

    def _refund_shares(
        self, payment: str, share: MerchantShare, amount: int, way: str, ratio: float
    ) -> list[MerchantShare]:
        """The refund's shares, its commission worked out by the helper from the ledger,
        by the caller without the running gross, or picked at random (maybe too much)."""
        key = (share.merchant_id, share.order_id)
        if way == "plan":
            return services.plan_refund_shares(
                uow=self.uow, payment_id=payment, amounts={key: cny(amount)}
            )
        if way == "proportional":
            commission = services.refundable_commission(
                commission=share.commission, gross=share.gross, refund=cny(amount),
                already_refunded_commission=cny(self.model.refunded_by_order[key][1]),
            )  # fmt: skip
        else:
            commission = cny(min(amount, int(ratio * (share.commission.minor + 3))))
        return [MerchantShare(share.merchant_id, share.order_id, cny(amount), commission)]

    def payout(self, merchant: str, how: tuple[str, float], fail: bool) -> None:
        available = -self.balance(merchant_payable(merchant))
        amount = amount_of(available, how)
        self.clock.advance(timedelta(minutes=1))
        try:
            payout = services.create_payout(
                services.CreatePayout(merchant, cny(amount)), uow=self.uow
            )
        except InsufficientPayableBalanceError:
            assert amount > available
            return
        assert amount <= available
        if fail:
            services.mark_payout_failed(services.MovePayout(payout.id), uow=self.uow)
        else:
            self.model.payouts.append((merchant, amount))

    def check(self) -> None:
        assert self.sum_of_all_postings() == 0
        funding = sum(self.balance(f) for f in FUNDING)
        assert funding == self.model.captured - self.model.refunded
        held = sum(self.balance(merchant_payable(m)) for m in MERCHANTS)
        held += self.balance(PLATFORM_COMMISSION) + self.balance(BANK_PAYOUTS)
        assert held == -funding
        assert -self.balance(BANK_PAYOUTS) == sum(a for _, a in self.model.payouts)
        for _, shares in self.model.captures:
            for share in shares:
                gross, commission = self.model.refunded_by_order[
                    (share.merchant_id, share.order_id)
                ]
                assert gross <= share.gross.minor
                assert commission <= share.commission.minor
                if gross == share.gross.minor:
                    assert commission == share.commission.minor


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(capture_op, refund_op, payout_op), max_size=30))
def test_money_in_equals_money_out_over_any_sequence(ops: list[tuple[object, ...]]) -> None:
    run = Run()
    for op in ops:
        getattr(run, str(op[0]))(*op[1:])
        run.check()
