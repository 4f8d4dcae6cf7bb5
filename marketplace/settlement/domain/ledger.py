"""The double-entry ledger: accounts, postings, journal entries and the posting rules.
Standard library only.

A posting's amount is signed: a debit is positive, a credit negative. An entry whose
postings do not sum to zero in every currency cannot be built, so nothing unbalanced can
ever reach the database. Accounts are identified by code:

- funding accounts, where the buyer's money sits: ``gateway:<name>`` (alipay, wechatpay,
  sandbox...), ``wallet`` (store credit, a liability to the buyer) and
  ``receivable:credit_terms`` (B2B net terms);
- ``merchant_payable:<merchant_id>``: what the platform owes the merchant;
- ``platform:commission``: the platform's revenue;
- ``bank:payouts``: money sent (or being sent) to merchants' bank accounts.

Posting rules (one entry per business fact, unique by (kind, reference)):

- capture: Dr funding (total) / Cr merchant_payable:m (gross - commission) and
  Cr platform:commission (commission), for each merchant's order;
- refund: the reverse, for the refunded part;
- payout: Dr merchant_payable:m / Cr bank:payouts; a failed payout is reversed.

Payable and commission postings carry the merchant and order they come from, so that a
statement can show gross, commission and refunds per order from the postings alone.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from marketplace.settlement.domain.errors import (
    InvalidAccountError,
    InvalidEntryError,
    InvalidShareError,
    UnbalancedEntryError,
)
from marketplace.shared.currency import Currency
from marketplace.shared.money import Money, sum_money

PLATFORM_COMMISSION = "platform:commission"
BANK_PAYOUTS = "bank:payouts"
BANK_COLLECTIONS = "bank:collections"  # B2B invoices paid to the platform's account
WALLET = "wallet"
CREDIT_TERMS = "receivable:credit_terms"
PAYABLE_PREFIX = "merchant_payable:"
MAX_REFERENCE_LENGTH = 200
MAX_ACCOUNT_LENGTH = 100
MAX_MEMO_LENGTH = 500

_GATEWAY = re.compile(r"^gateway:[a-z0-9][a-z0-9_-]{0,39}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}$")


class EntryKind(StrEnum):
    PAYMENT_CAPTURED = "payment_captured"
    REFUND = "refund"
    PAYOUT = "payout"
    PAYOUT_REVERSAL = "payout_reversal"
    INVOICE_SETTLED = "invoice_settled"


def merchant_payable(merchant_id: str) -> str:
    """The code of what the platform owes one merchant."""
    if not _ID.match(merchant_id or ""):
        raise InvalidAccountError(f"{merchant_id!r} is not a merchant id.", field="merchant_id")
    return PAYABLE_PREFIX + merchant_id


def payable_merchant(account: str) -> str | None:
    """The merchant of a ``merchant_payable:`` code, else None."""
    return account[len(PAYABLE_PREFIX) :] if account.startswith(PAYABLE_PREFIX) else None


def funding_account(code: str) -> str:
    """A valid place for a buyer's money, or ``invalid_funding_account``."""
    if code in (WALLET, CREDIT_TERMS) or _GATEWAY.match(code or ""):
        return code
    raise InvalidAccountError(
        f"{code!r} is not a funding account (gateway:<name>, wallet, receivable:credit_terms).",
        code="invalid_funding_account",
        account=code,
    )


def is_account(code: str) -> bool:
    """Whether ``code`` names an account of this ledger."""
    if code in (PLATFORM_COMMISSION, BANK_PAYOUTS, BANK_COLLECTIONS, WALLET, CREDIT_TERMS):
        return True
    merchant = payable_merchant(code)
    return bool(_GATEWAY.match(code)) or (merchant is not None and bool(_ID.match(merchant)))


@dataclass(frozen=True)
class Posting:
    """One line of an entry: ``amount`` is signed (debit positive, credit negative)."""

    account: str
    amount: Money
    merchant_id: str | None = None
    order_id: str | None = None

    @property
    def key(self) -> tuple[str, int, str, str | None, str | None]:
        return (self.account, self.amount.minor, self.amount.currency.code,
                self.merchant_id, self.order_id)  # fmt: skip


@dataclass(frozen=True)
class JournalEntry:
    """One business fact as balanced postings; refuses to exist unbalanced."""

    id: str
    kind: EntryKind
    reference: str  # the payment, refund or payout id: unique per kind
    occurred_at: datetime  # when it happened (the caller's time)
    posted_at: datetime  # when the ledger recorded it: statements use this
    postings: tuple[Posting, ...]
    payment_id: str | None = None  # captures and refunds: the payment concerned
    memo: str | None = None

    def __post_init__(self) -> None:
        if not self.reference or len(self.reference) > MAX_REFERENCE_LENGTH:
            raise InvalidEntryError("An entry needs a reference of 1..200 characters.")
        if self.occurred_at.tzinfo is None or self.posted_at.tzinfo is None:
            raise InvalidEntryError("Entry times need a time zone.")
        if self.memo is not None and len(self.memo) > MAX_MEMO_LENGTH:
            raise InvalidEntryError("The memo is too long.")
        if len(self.postings) < 2:
            raise UnbalancedEntryError("An entry has at least two postings.")
        for posting in self.postings:
            if not is_account(posting.account):
                raise InvalidAccountError(f"{posting.account!r} is not an account.")
            if posting.amount.is_zero:
                raise InvalidEntryError(f"A posting to {posting.account} has no amount.")
        for currency, total in _sums(self.postings).items():
            if total:
                raise UnbalancedEntryError(
                    f"The postings are off by {total} minor units of {currency}.",
                    currency=currency,
                )

    def same_postings(self, other: Sequence[Posting]) -> bool:
        """Whether ``other`` holds the same postings, in any order."""
        return Counter(p.key for p in self.postings) == Counter(p.key for p in other)

    def debits(self) -> dict[str, Money]:
        """The entry's size per currency: the sum of its debits."""
        found: dict[str, Money] = {}
        for posting in self.postings:
            if not posting.amount.is_negative:
                code = posting.amount.currency.code
                found[code] = found.get(code, Money.zero(code)) + posting.amount
        return found


def _sums(postings: Sequence[Posting]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for posting in postings:
        totals[posting.amount.currency.code] += posting.amount.minor
    return totals


@dataclass(frozen=True)
class MerchantShare:
    """What one merchant's order contributes to a payment or a refund."""

    merchant_id: str
    order_id: str
    gross: Money  # captured (or refunded) for this order, shipping included
    commission: Money  # the platform's part of gross


def validate_shares(shares: Sequence[MerchantShare]) -> Currency:
    """Shares of one payment: one currency, positive gross, 0 <= commission <= gross."""
    if not shares:
        raise InvalidShareError("A payment or refund needs at least one merchant share.")
    currency = shares[0].gross.currency
    seen: set[tuple[str, str]] = set()
    for share in shares:
        merchant_payable(share.merchant_id)
        if not _ID.match(share.order_id or ""):
            raise InvalidShareError(f"{share.order_id!r} is not an order id.")
        if {share.gross.currency, share.commission.currency} != {currency}:
            raise InvalidShareError(
                "All shares of one payment are in one currency.", code="mixed_currencies"
            )
        if share.gross.is_negative or share.gross.is_zero:
            raise InvalidShareError(f"Order {share.order_id}: the gross must be positive.")
        if share.commission.is_negative or share.commission > share.gross:
            raise InvalidShareError(
                f"Order {share.order_id}: the commission lies between 0 and the gross.",
                order_id=share.order_id,
            )
        if (share.merchant_id, share.order_id) in seen:
            raise InvalidShareError(f"Order {share.order_id} appears twice.")
        seen.add((share.merchant_id, share.order_id))
    return currency


def capture_postings(funding: str, shares: Sequence[MerchantShare]) -> tuple[Posting, ...]:
    """Dr funding (total) / Cr each merchant's payable (net) and the platform (commission)."""
    currency = validate_shares(shares)
    total = sum_money((s.gross for s in shares), currency)
    return (Posting(funding_account(funding), total), *_share_postings(shares, sign=-1))


def refund_postings(funding: str, shares: Sequence[MerchantShare]) -> tuple[Posting, ...]:
    """The reverse of a capture, for the refunded part."""
    currency = validate_shares(shares)
    total = sum_money((s.gross for s in shares), currency)
    return (Posting(funding_account(funding), -total), *_share_postings(shares, sign=1))


def _share_postings(shares: Sequence[MerchantShare], *, sign: int) -> list[Posting]:
    postings: list[Posting] = []
    for share in shares:
        net = share.gross - share.commission
        payable = merchant_payable(share.merchant_id)
        for account, amount in ((payable, net), (PLATFORM_COMMISSION, share.commission)):
            if amount:  # a zero commission (or a 100 % one) leaves that line out
                signed = amount if sign > 0 else -amount
                postings.append(Posting(account, signed, share.merchant_id, share.order_id))
    return postings


def payout_postings(merchant_id: str, amount: Money) -> tuple[Posting, ...]:
    """Dr merchant_payable:m / Cr bank:payouts."""
    return (
        Posting(merchant_payable(merchant_id), amount, merchant_id),
        Posting(BANK_PAYOUTS, -amount),
    )


def payout_reversal_postings(merchant_id: str, amount: Money) -> tuple[Posting, ...]:
    """A failed payout's money comes back: Dr bank:payouts / Cr merchant_payable:m."""
    return (
        Posting(BANK_PAYOUTS, amount),
        Posting(merchant_payable(merchant_id), -amount, merchant_id),
    )


def invoice_settled_postings(amount: Money) -> tuple[Posting, ...]:
    """A B2B buyer paid an invoice: Dr bank:collections / Cr receivable:credit_terms."""
    return (Posting(BANK_COLLECTIONS, amount), Posting(CREDIT_TERMS, -amount))
