"""RFQ and quote rules, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.purchasing.commands import RequestLine
from marketplace.rfq.domain import (
    IllegalRfqTransitionError,
    Quote,
    QuoteExpiredError,
    QuoteLine,
    QuoteNotOpenError,
    QuoteStatus,
    QuoteValidationError,
    Rfq,
    RfqClosedError,
    RfqDeadlinePassedError,
    RfqItem,
    RfqStatus,
    RfqValidationError,
    check_items,
    check_quote,
)
from marketplace.rfq.services import AcceptedQuote, purchase_request_for
from marketplace.shared.money import Money

NOW = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def rfq(status: RfqStatus = RfqStatus.DRAFT, deadline: datetime = NOW + 7 * DAY) -> Rfq:
    return Rfq(
        id="rfq_1", company_id="cmp_1", created_by="usr_1", title="Bolts", notes="",
        currency="CNY", deadline=deadline, location_id="loc_1", status=status,
        items=(RfqItem(1, 500, "pcs", spec="M8 bolt"), RfqItem(2, 20, "kg", sku_id="sku_x")),
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def quote(status: QuoteStatus = QuoteStatus.SUBMITTED, valid_until: datetime = NOW + DAY) -> Quote:
    lines = (QuoteLine(1, "sku_a", cny("0.40"), 500, 7), QuoteLine(2, "sku_b", cny("3.05"), 20, 12))
    return Quote(id="quo_1", rfq_id="rfq_1", merchant_id="mer_a", status=status,
                 currency="CNY", lines=lines, valid_until=valid_until, notes="",
                 submitted_at=NOW)  # fmt: skip


def test_a_quote_totals_its_lines_and_takes_the_longest_lead_time() -> None:
    q = quote()
    assert q.total == cny("261.00")  # 500 x 0.40 + 20 x 3.05
    assert q.lead_time_days == 12


def test_a_quote_expires_at_its_valid_until() -> None:
    q = quote(valid_until=NOW + DAY)
    assert q.is_open(NOW)
    assert not q.is_expired(NOW)
    assert q.is_expired(NOW + DAY)
    assert q.display_status(NOW + DAY) == "expired"
    assert quote(QuoteStatus.ACCEPTED).display_status(NOW + 9 * DAY) == "accepted"


def test_sending_fixes_the_invitees_once() -> None:
    r = rfq()
    r.send(["mer_a", "mer_b", "mer_a"], NOW)
    assert (r.status, r.supplier_ids, r.sent_at) == (RfqStatus.SENT, ("mer_a", "mer_b"), NOW)
    assert r.is_invited("mer_a")
    assert not r.is_invited("mer_c")
    with pytest.raises(IllegalRfqTransitionError):
        r.send(["mer_c"], NOW)


@pytest.mark.parametrize(
    ("suppliers", "deadline", "error"),
    [
        ([], NOW + DAY, RfqValidationError),
        ([f"mer_{i}" for i in range(51)], NOW + DAY, RfqValidationError),
        (["mer_a"], NOW, RfqDeadlinePassedError),
    ],
)
def test_sending_needs_suppliers_and_a_future_deadline(
    suppliers: list[str], deadline: datetime, error: type[Exception]
) -> None:
    r = rfq(deadline=deadline)
    with pytest.raises(error):
        r.send(suppliers, NOW)
    assert r.status is RfqStatus.DRAFT


def test_a_draft_invites_nobody_and_quotes_close_at_the_deadline() -> None:
    draft = rfq()
    draft.supplier_ids = ("mer_a",)
    assert not draft.is_invited("mer_a")
    sent = rfq(RfqStatus.SENT)
    assert sent.accepts_quotes(NOW)
    assert not sent.accepts_quotes(sent.deadline)


def test_award_rules() -> None:
    r = rfq(RfqStatus.SENT)
    with pytest.raises(QuoteExpiredError):
        r.check_awardable(quote(valid_until=NOW), NOW)
    for status in (QuoteStatus.WITHDRAWN, QuoteStatus.SUPERSEDED, QuoteStatus.DECLINED):
        with pytest.raises(QuoteNotOpenError):
            r.check_awardable(quote(status), NOW)
    r.check_awardable(
        quote(valid_until=NOW + 9 * DAY), NOW + 8 * DAY
    )  # past the deadline, while the quote is valid
    r.award("quo_1", "usr_1", NOW)
    assert (r.status, r.awarded_quote_id, r.closed_at) == (RfqStatus.AWARDED, "quo_1", NOW)
    with pytest.raises(RfqClosedError):
        r.check_awardable(quote(), NOW)
    with pytest.raises(RfqClosedError):
        r.cancel(NOW)


def test_a_sent_rfq_reads_expired_once_nothing_is_left_to_accept() -> None:
    r = rfq(RfqStatus.SENT, deadline=NOW + DAY)
    assert r.display_status(NOW + DAY, [quote(valid_until=NOW + 2 * DAY)]) == "sent"
    assert r.display_status(NOW + 2 * DAY, [quote(valid_until=NOW + 2 * DAY)]) == "expired"
    assert r.display_status(NOW + DAY, []) == "expired"
    assert rfq(RfqStatus.CANCELLED).display_status(NOW + 30 * DAY, []) == "cancelled"


@pytest.mark.parametrize(
    "item",
    [
        RfqItem(1, 1, "pcs"),  # neither SKU nor spec
        RfqItem(1, 0, "pcs", spec="x"),
        RfqItem(1, 1, "", spec="x"),
        RfqItem(1, 1, "pcs", spec="x" * 2001),
    ],
)
def test_bad_items_are_refused(item: RfqItem) -> None:
    with pytest.raises(RfqValidationError):
        check_items([item])


def test_a_quote_answers_every_item_once_in_the_rfq_currency() -> None:
    r, until = rfq(RfqStatus.SENT), NOW + DAY
    good = list(quote().lines)
    check_quote(r, good, until, NOW)
    bad_sets = [
        good[:1],
        [*good, good[0]],
        [good[0], QuoteLine(2, "sku_b", Money.of("3.05", "USD"), 20, 1)],
        [good[0], QuoteLine(2, "sku_b", cny("0"), 20, 1)],
        [good[0], QuoteLine(2, "sku_b", cny("1"), 20, -1)],
    ]
    for lines in bad_sets:
        with pytest.raises(QuoteValidationError):
            check_quote(r, lines, until, NOW)
    for valid_until in (NOW, NOW + 366 * DAY):
        with pytest.raises(QuoteValidationError):
            check_quote(r, good, valid_until, NOW)


def test_the_purchase_request_carries_the_quoted_prices() -> None:
    line = RequestLine("sku_a", 500, cny("0.40"), "quote:quo_1")
    accepted = AcceptedQuote("rfq_1", "quo_1", "cmp_1", "mer_a", "loc_1", "usr_1", (line,),
                             cny("200.00"), NOW)  # fmt: skip
    request = purchase_request_for(accepted, requester_id="usr_1", payment_method="wallet")
    assert request.lines == (line,)
    assert (request.company_id, request.location_id, request.payment_method) == (
        "cmp_1", "loc_1", "wallet",
    )  # fmt: skip
    assert (request.source, request.idempotency_key) == ("rfq:rfq_1", "quote:quo_1")
