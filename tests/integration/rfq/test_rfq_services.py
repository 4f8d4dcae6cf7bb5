"""RFQ use cases on SQLite and PostgreSQL: send, quote, revise, withdraw, cancel, award."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.companies.domain import MemberRole, NotCompanyMemberError
from marketplace.events.adapters.tables import outbox_events as outbox
from marketplace.rfq import queries, services
from marketplace.rfq.commands import AcceptQuote, QuoteLineRequest, SubmitQuote
from marketplace.rfq.domain import (
    QuoteExpiredError,
    QuoteNotOpenError,
    QuoteStatus,
    QuoteValidationError,
    RfqClosedError,
    RfqDeadlinePassedError,
    RfqManagerRequiredError,
    RfqNotFoundError,
    RfqStatus,
    SupplierNotEligibleError,
)
from marketplace.shared.money import Money
from tests.factories import db_snapshot
from tests.integration.rfq.seed import Procurement


def _accept(
    world: Procurement, company_id: str, rfq_id: str, quote_id: str, actor: str
) -> services.AcceptedQuote:
    cmd = AcceptQuote(company_id, rfq_id, quote_id, actor_id=actor)
    return services.accept_quote(cmd, uow=world.app.uow())


def _topics(world: Procurement) -> list[str]:
    with world.engine.connect() as conn:
        return list(conn.execute(select(outbox.c.topic).order_by(outbox.c.id)).scalars())


def test_three_invited_two_quote_one_expires_the_other_is_awarded(world: Procurement) -> None:
    company = world.company()
    a, b, c = world.supplier(), world.supplier(kind="third_party"), world.supplier()
    rfq = world.rfq(company, quantity=500, sent_to=(a, b, c))
    short = world.quote(rfq, a, "0.40", valid=timedelta(days=1))
    long = world.quote(rfq, b, "0.45", valid=timedelta(days=10), lead_time_days=3)
    world.clock.advance(timedelta(days=2))

    before = db_snapshot(world.app)
    with pytest.raises(QuoteExpiredError) as refused:
        _accept(world, company.id, rfq.id, short.id, company.admin_id)
    assert refused.value.code == "quote_expired"
    assert db_snapshot(world.app) == before

    accepted = _accept(world, company.id, rfq.id, long.id, company.admin_id)
    assert (accepted.merchant_id, accepted.location_id) == (b.merchant_id, company.location_id)
    [line] = accepted.lines
    assert (line.sku_id, line.quantity) == (b.sku_id, 500)
    assert line.unit_price == Money.of("0.45", "CNY")
    assert line.price_source == f"quote:{long.id}"
    assert accepted.total == Money.of("225.00", "CNY")

    request = services.purchase_request_for(accepted, requester_id=company.admin_id,
                                            payment_method="credit_terms")  # fmt: skip
    assert request.source == f"rfq:{rfq.id}"
    assert request.idempotency_key == f"quote:{long.id}"
    assert request.lines == accepted.lines

    with world.engine.connect() as conn:
        view = queries.buyer_view(conn, company.id, rfq.id, world.clock.now())
    assert view is not None
    assert view["status"] == "awarded"
    statuses = {q["id"]: (q["status"], q["is_expired"]) for q in view["quotes"]}
    # The expired quote was still open when the award declined the open quotes.
    assert statuses == {long.id: ("accepted", False), short.id: ("declined", False)}
    assert {s["merchant_id"]: s["has_quoted"] for s in view["suppliers"]} == {
        a.merchant_id: True, b.merchant_id: True, c.merchant_id: False,
    }  # fmt: skip
    assert _topics(world).count("rfq.sent") == 3
    assert _topics(world)[-2:] == ["quote.accepted", "quote.declined"]


def test_comparison_shows_expiry_and_cheapest_open_quote(world: Procurement) -> None:
    company = world.company()
    a, b = world.supplier(), world.supplier()
    rfq = world.rfq(company, sent_to=(a, b))
    cheap = world.quote(rfq, a, "0.30", valid=timedelta(hours=1))
    dear = world.quote(rfq, b, "0.50")
    with world.engine.connect() as conn:
        fresh = queries.buyer_view(conn, company.id, rfq.id, world.clock.now())
        later = queries.buyer_view(conn, company.id, rfq.id, world.clock.now() + timedelta(hours=2))
    assert fresh is not None
    assert later is not None
    assert [q["id"] for q in fresh["quotes"]] == [cheap.id, dear.id]
    assert fresh["lowest_open_quote_id"] == cheap.id
    assert [q["id"] for q in later["quotes"]] == [dear.id, cheap.id]
    assert later["quotes"][1]["status"] == "expired"
    assert later["quotes"][1]["is_expired"]
    assert later["lowest_open_quote_id"] == dear.id
    assert later["quotes"][0]["supplier_name"].startswith("Merchant")


def test_accepting_is_idempotent_and_a_second_award_is_refused(world: Procurement) -> None:
    company = world.company()
    a, b = world.supplier(), world.supplier()
    rfq = world.rfq(company, sent_to=(a, b))
    qa, qb = world.quote(rfq, a, "1.00"), world.quote(rfq, b, "2.00")
    first = _accept(world, company.id, rfq.id, qa.id, company.admin_id)
    before = db_snapshot(world.app)
    world.clock.advance(timedelta(days=30))  # even once the quote's validity has passed
    assert _accept(world, company.id, rfq.id, qa.id, company.admin_id) == first
    with pytest.raises(RfqClosedError):
        _accept(world, company.id, rfq.id, qb.id, company.admin_id)
    assert db_snapshot(world.app) == before


def test_a_revision_supersedes_and_a_withdrawn_quote_cannot_win(world: Procurement) -> None:
    company = world.company()
    a = world.supplier()
    rfq = world.rfq(company, sent_to=(a,))
    first = world.quote(rfq, a, "1.00")
    second = world.quote(rfq, a, "0.90")
    assert second.supersedes_id == first.id
    with world.app.uow() as uow:
        assert uow.rfqs.get_quote(first.id).status is QuoteStatus.SUPERSEDED  # type: ignore[union-attr]
    withdrawn = services.withdraw_quote(a.merchant_id, rfq.id, second.id, uow=world.app.uow())
    assert withdrawn.status is QuoteStatus.WITHDRAWN
    before = db_snapshot(world.app)
    for quote_id in (first.id, second.id):
        with pytest.raises(QuoteNotOpenError):
            _accept(world, company.id, rfq.id, quote_id, company.admin_id)
    with pytest.raises(QuoteNotOpenError):
        services.withdraw_quote(a.merchant_id, rfq.id, second.id, uow=world.app.uow())
    assert db_snapshot(world.app) == before


def test_suppliers_quote_only_what_they_were_invited_to_before_the_deadline(
    world: Procurement,
) -> None:
    company = world.company()
    invited, outsider = world.supplier(), world.supplier()
    draft = world.rfq(company)
    rfq = world.rfq(company, sent_to=(invited,), deadline=timedelta(days=1))
    before = db_snapshot(world.app)
    with pytest.raises(RfqNotFoundError):
        world.quote(rfq, outsider, "1.00")
    with pytest.raises(RfqNotFoundError):
        world.quote(draft, invited, "1.00")
    line = QuoteLineRequest(1, outsider.sku_id, Money.of("1", "CNY"), 1)
    foreign = SubmitQuote(
        rfq.id, invited.merchant_id, (line,), valid_until=world.clock.now() + timedelta(days=3)
    )
    with pytest.raises(QuoteValidationError) as bad_sku:
        services.submit_quote(foreign, uow=world.app.uow())
    assert bad_sku.value.code == "invalid_quote_sku"
    with pytest.raises(QuoteValidationError):
        world.quote(rfq, invited, "1.00", valid=timedelta(0))
    with world.engine.connect() as conn:
        assert queries.supplier_view(conn, outsider.merchant_id, rfq.id, world.clock.now()) is None
        mine = queries.supplier_view(conn, invited.merchant_id, rfq.id, world.clock.now())
    assert mine is not None
    assert mine["delivery"]["city"] == "Hangzhou"
    assert "suppliers" not in mine  # who else was invited is not theirs to know
    world.clock.advance(timedelta(days=1))
    with pytest.raises(RfqDeadlinePassedError):
        world.quote(rfq, invited, "1.00")
    assert db_snapshot(world.app) == before


def test_only_approved_quoting_merchants_can_be_invited(world: Procurement) -> None:
    company = world.company()
    good = world.supplier()
    retail = world.supplier(kind="self_operated")
    pending = world.supplier(status="pending_review")
    rfq = world.rfq(company)
    before = db_snapshot(world.app)
    with pytest.raises(SupplierNotEligibleError) as refused:
        services.send_rfq(company.id, rfq.id, actor_id=company.admin_id, uow=world.app.uow(),
                          supplier_ids=[good.merchant_id, retail.merchant_id,
                                        pending.merchant_id, "mer_unknown"])  # fmt: skip
    assert sorted(refused.value.details["merchant_ids"]) == sorted(
        [retail.merchant_id, pending.merchant_id, "mer_unknown"]
    )
    assert db_snapshot(world.app) == before


def test_who_may_create_send_and_award(world: Procurement) -> None:
    company, other = world.company(), world.company("Other Co")
    requester = world.member(company, MemberRole.REQUESTER)
    colleague = world.member(company, MemberRole.APPROVER)
    a = world.supplier()
    rfq = world.rfq(company, by=requester, sent_to=(a,))  # any member drafts and sends theirs
    quote = world.quote(rfq, a, "1.00")
    before = db_snapshot(world.app)
    with pytest.raises(RfqManagerRequiredError):
        _accept(world, company.id, rfq.id, quote.id, colleague)
    with pytest.raises(NotCompanyMemberError):
        _accept(world, company.id, rfq.id, quote.id, other.admin_id)
    with pytest.raises(RfqNotFoundError):
        _accept(world, other.id, rfq.id, quote.id, other.admin_id)
    assert db_snapshot(world.app) == before
    assert _accept(world, company.id, rfq.id, quote.id, requester).accepted_by == requester


def test_cancelling_declines_open_quotes_and_closes_quoting(world: Procurement) -> None:
    company = world.company()
    a = world.supplier()
    rfq = world.rfq(company, sent_to=(a,))
    quote = world.quote(rfq, a, "1.00")
    cancelled = services.cancel_rfq(company.id, rfq.id, actor_id=company.admin_id,
                                    uow=world.app.uow())  # fmt: skip
    assert cancelled.status is RfqStatus.CANCELLED
    with world.app.uow() as uow:
        assert uow.rfqs.get_quote(quote.id).status is QuoteStatus.DECLINED  # type: ignore[union-attr]
    before = db_snapshot(world.app)
    with pytest.raises(RfqClosedError):
        world.quote(rfq, a, "0.90")
    with pytest.raises(RfqClosedError):
        services.cancel_rfq(company.id, rfq.id, actor_id=company.admin_id, uow=world.app.uow())
    assert db_snapshot(world.app) == before
    assert "rfq.cancelled" in _topics(world)


def test_a_sent_rfq_past_its_deadline_without_open_quotes_reads_expired(
    world: Procurement,
) -> None:
    company = world.company()
    a = world.supplier()
    rfq = world.rfq(company, sent_to=(a,), deadline=timedelta(days=1))
    world.quote(rfq, a, "1.00", valid=timedelta(days=2))
    with world.engine.connect() as conn:
        at_deadline = queries.buyer_view(
            conn, company.id, rfq.id, world.clock.now() + timedelta(days=1)
        )
        after_validity = queries.buyer_view(
            conn, company.id, rfq.id, world.clock.now() + timedelta(days=3)
        )
        page, _ = queries.list_company_rfqs(conn, company.id)
    assert at_deadline is not None
    assert at_deadline["status"] == "sent"  # still awardable
    assert not at_deadline["accepts_quotes"]
    assert after_validity is not None
    assert after_validity["status"] == "expired"
    assert [r["id"] for r in page] == [rfq.id]
