"""Price suggestions through the services, on SQLite and PostgreSQL: recording supersedes,
accepting changes the price through the catalog (tiers and member prices rescaled) with
its events and audit fields, and every refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from marketplace.advice import services
from marketplace.advice.adapters.tables import price_suggestions
from marketplace.advice.commands import AcceptPriceSuggestion, RejectPriceSuggestion
from marketplace.advice.domain import (
    InvalidPriceSuggestionError,
    PriceSuggestion,
    PriceSuggestionNotFoundError,
    SuggestionCurrencyMismatchError,
    SuggestionExpiredError,
    SuggestionNotPendingError,
    SuggestionPriceNotPositiveError,
    SuggestionSkuNotOwnedError,
    SuggestionStaleError,
    SuggestionStatus,
)
from marketplace.catalog.domain import MemberLevel
from marketplace.events.domain import Topic
from marketplace.shared.errors import DomainError
from marketplace.shared.money import Money
from tests.factories import db_snapshot
from tests.integration.advice.seed import Advice, suggestion_input


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def _accept(advice: Advice, s: PriceSuggestion, merchant_id: str | None = None,
            actor: str = "usr_owner") -> PriceSuggestion:  # fmt: skip
    app = advice.market.app
    cmd = AcceptPriceSuggestion(merchant_id or s.merchant_id, s.id, actor_id=actor)
    return services.accept_price_suggestion(cmd, uow=app.uow(), cache=app.cache)


def _reject(advice: Advice, s: PriceSuggestion, note: str = "") -> PriceSuggestion:
    cmd = RejectPriceSuggestion(s.merchant_id, s.id, actor_id="usr_owner", note=note)
    return services.reject_price_suggestion(cmd, uow=advice.market.app.uow())


def _pending(advice: Advice, sku_id: str) -> int:
    with advice.engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).select_from(price_suggestions)
            .where(price_suggestions.c.sku_id == sku_id, price_suggestions.c.status == "pending")
        ).scalar_one())  # fmt: skip


# -- recording ------------------------------------------------------------------------------
def test_a_new_suggestion_supersedes_the_pending_one_of_its_sku(advice: Advice) -> None:
    seller = advice.market.seller({"dress": "100.00", "shirt": "50.00"})
    dress, shirt = seller.skus["dress"], seller.skus["shirt"]
    first, other = advice.record(seller.merchant_id, suggestion_input(dress, "100.00", "95.00"),
                                 suggestion_input(shirt, "50.00", "55.00"))  # fmt: skip
    advice.market.later(hours=1)
    second = advice.suggest(seller.merchant_id, dress, "100.00", "92.00")

    old = advice.stored(first.id)
    assert (old.status, old.decided_at, old.decided_by) == (
        SuggestionStatus.SUPERSEDED, advice.market.clock.now(), None
    )  # fmt: skip
    assert second.supersedes_id == first.id
    assert advice.stored(other.id).status is SuggestionStatus.PENDING  # another SKU
    assert (_pending(advice, dress), _pending(advice, shirt)) == (1, 1)
    stored = advice.stored(second.id)
    assert stored.expected_effects["profit"] == {"expected": "40.10", "low": "-12.00",
                                                 "high": "95.00"}  # fmt: skip
    assert (stored.elasticity, stored.elasticity_ci_low, stored.binding_guardrails) == (
        -1.8, -2.4, ("max_step",)
    )  # fmt: skip

    # A pending one past its expiry is closed as expired, not superseded.
    advice.market.later(days=8)
    third = advice.suggest(seller.merchant_id, dress, "100.00", "97.00")
    assert advice.stored(second.id).status is SuggestionStatus.EXPIRED
    assert third.supersedes_id == second.id


def test_refused_batches_change_nothing(advice: Advice) -> None:
    seller = advice.market.seller({"dress": "100.00"})
    rival = advice.market.seller({"bag": "300.00"})
    dress, bag = seller.skus["dress"], rival.skus["bag"]
    advice.suggest(seller.merchant_id, dress, "100.00", "95.00")
    good = suggestion_input(dress, "100.00", "90.00")
    cases: list[tuple[Any, type[DomainError], str]] = [
        ([good, suggestion_input(bag, "300.00", "280.00")], SuggestionSkuNotOwnedError,
         "suggestion_sku_not_owned"),
        ([suggestion_input("sku_missing", "1.00", "2.00")], SuggestionSkuNotOwnedError,
         "suggestion_sku_not_owned"),
        ([suggestion_input(dress, "14.00", "13.00", currency="USD")],
         SuggestionCurrencyMismatchError, "suggestion_currency_mismatch"),  # no USD price
        ([suggestion_input(dress, "100.00", "90.00", currency="USD")],
         SuggestionCurrencyMismatchError, "suggestion_currency_mismatch"),  # CNY amounts
        ([suggestion_input(dress, "100.00", "0.00")], SuggestionPriceNotPositiveError,
         "suggestion_price_not_positive"),
        ([good, good], InvalidPriceSuggestionError, "invalid_price_suggestion"),
        ([suggestion_input(dress, "100.00", "90.00", elasticity_ci=(-1.0, -0.5))],
         InvalidPriceSuggestionError, "invalid_price_suggestion"),
        ([suggestion_input(dress, "100.00", "90.00", binding_guardrails=("Max Step",))],
         InvalidPriceSuggestionError, "invalid_price_suggestion"),
        ([suggestion_input(dress, "100.00", "90.00", objective="margin")],
         InvalidPriceSuggestionError, "invalid_price_suggestion"),
    ]  # fmt: skip
    before = db_snapshot(advice.market.app)
    for items, error, code in cases:
        with pytest.raises(error) as refused:
            advice.record(seller.merchant_id, *items)
        assert refused.value.code == code
    assert db_snapshot(advice.market.app) == before


# -- accepting --------------------------------------------------------------------------------
def test_accepting_changes_the_price_keeps_discount_ratios_and_records_why(
    advice: Advice,
) -> None:
    seller = advice.market.seller({"dress": "100.00"})
    sku = seller.skus["dress"]
    advice.set_prices(seller.merchant_id, sku, "100.00", tiers=((10, "90.00"), (50, "80.00")),
                      members=(("gold", "85.00"),))  # fmt: skip
    suggestion = advice.suggest(seller.merchant_id, sku, "100.00", "110.00")
    advice.market.later(minutes=5)

    accepted = _accept(advice, suggestion)

    prices = advice.prices(sku)
    assert prices.list_price == cny("110.00")
    assert [(t.min_quantity, t.amount) for t in prices.tiers] == [(10, cny("99.00")),
                                                                  (50, cny("88.00"))]  # fmt: skip
    assert [(m.level, m.amount) for m in prices.member_prices] == [(MemberLevel.GOLD,
                                                                     cny("93.50"))]  # fmt: skip
    now = advice.market.clock.now()
    stored = advice.stored(suggestion.id)
    assert (stored.status, stored.decided_at, stored.decided_by) == (
        SuggestionStatus.ACCEPTED, now, "usr_owner"
    )  # fmt: skip
    assert accepted.status is SuggestionStatus.ACCEPTED

    changed = advice.events(Topic.PRICE_CHANGED)[-1]
    assert changed["key"] == sku
    assert changed["payload"]["source"] == {"kind": "price_suggestion", "id": suggestion.id}
    assert changed["payload"]["previous"]["list_price"] == {"amount": "100.00", "currency": "CNY"}
    assert changed["payload"]["prices"]["list_price"] == {"amount": "110.00", "currency": "CNY"}
    # A merchant's own change says so: no source.
    assert advice.events(Topic.PRICE_CHANGED)[0]["payload"]["source"] is None
    [decided] = advice.events(Topic.PRICE_SUGGESTION_DECIDED)
    assert (decided["key"], decided["merchant_id"]) == (suggestion.id, seller.merchant_id)
    assert {k: decided["payload"][k] for k in ("decision", "price_changed", "decided_by",
                                               "sku_id", "decided_at")} == {
        "decision": "accepted", "price_changed": True, "decided_by": "usr_owner",
        "sku_id": sku, "decided_at": now.isoformat(),
    }  # fmt: skip


def test_accepting_again_replays_without_a_second_change(advice: Advice) -> None:
    seller = advice.market.seller({"dress": "100.00"})
    suggestion = advice.suggest(seller.merchant_id, seller.skus["dress"], "100.00", "95.00")
    first = _accept(advice, suggestion)
    before = db_snapshot(advice.market.app)
    advice.market.later(minutes=1)
    again = _accept(advice, suggestion, actor="usr_staff")
    assert (again.status, again.decided_at, again.decided_by) == (
        first.status, first.decided_at, "usr_owner"
    )  # fmt: skip
    assert db_snapshot(advice.market.app) == before


def test_a_suggestion_that_keeps_the_price_is_accepted_without_a_price_change(
    advice: Advice,
) -> None:
    seller = advice.market.seller({"dress": "100.00"})
    sku = seller.skus["dress"]
    keep = advice.suggest(seller.merchant_id, sku, "100.00", "100.00", reason="already_optimal")
    changes = len(advice.events(Topic.PRICE_CHANGED))
    _accept(advice, keep)
    assert advice.stored(keep.id).status is SuggestionStatus.ACCEPTED
    assert len(advice.events(Topic.PRICE_CHANGED)) == changes
    assert advice.events(Topic.PRICE_SUGGESTION_DECIDED)[-1]["payload"]["price_changed"] is False


def test_refused_decisions_change_nothing(advice: Advice) -> None:
    seller = advice.market.seller({"dress": "100.00", "shirt": "50.00", "hat": "20.00",
                                   "sock": "5.00"})  # fmt: skip
    rival = advice.market.seller({"bag": "300.00"})
    m, skus = seller.merchant_id, seller.skus
    stale = advice.suggest(m, skus["dress"], "100.00", "95.00")
    advice.set_prices(m, skus["dress"], "105.00")  # the merchant changed it since
    expiring = advice.suggest(
        m,
        skus["shirt"],
        "50.00",
        "45.00",
        expires_at=advice.market.clock.now() + timedelta(hours=1),
    )
    rejected = advice.suggest(m, skus["hat"], "20.00", "22.00")
    _reject(advice, rejected, "too expensive")
    superseded = advice.suggest(m, skus["sock"], "5.00", "5.50")
    advice.suggest(m, skus["sock"], "5.00", "5.20")
    foreign = advice.suggest(rival.merchant_id, rival.skus["bag"], "300.00", "280.00")
    advice.market.later(hours=2)

    before = db_snapshot(advice.market.app)
    cases: list[tuple[Any, type[DomainError]]] = [
        (lambda: _accept(advice, stale), SuggestionStaleError),
        (lambda: _accept(advice, expiring), SuggestionExpiredError),
        (lambda: _reject(advice, expiring), SuggestionExpiredError),
        (lambda: _accept(advice, rejected), SuggestionNotPendingError),
        (lambda: _accept(advice, superseded), SuggestionNotPendingError),
        (lambda: _reject(advice, superseded), SuggestionNotPendingError),
        (lambda: _accept(advice, foreign, merchant_id=m), PriceSuggestionNotFoundError),
        (lambda: _reject(advice, stale, "x" * 1001), InvalidPriceSuggestionError),
    ]
    for call, error in cases:
        with pytest.raises(error):
            call()
    assert db_snapshot(advice.market.app) == before
    assert advice.prices(skus["dress"]).list_price == cny("105.00")


def test_rejecting_records_the_note_and_a_replay_changes_nothing(advice: Advice) -> None:
    seller = advice.market.seller({"dress": "100.00"})
    suggestion = advice.suggest(seller.merchant_id, seller.skus["dress"], "100.00", "120.00")
    rejected = _reject(advice, suggestion, "  too big a jump  ")
    assert (rejected.status, rejected.decision_note, rejected.decided_by) == (
        SuggestionStatus.REJECTED, "too big a jump", "usr_owner"
    )  # fmt: skip
    [decided] = advice.events(Topic.PRICE_SUGGESTION_DECIDED)
    assert (decided["payload"]["decision"], decided["payload"]["note"]) == (
        "rejected", "too big a jump"
    )  # fmt: skip
    before = db_snapshot(advice.market.app)
    assert _reject(advice, suggestion).decision_note == "too big a jump"
    assert db_snapshot(advice.market.app) == before
    assert advice.prices(seller.skus["dress"]).list_price == cny("100.00")


def test_the_sweep_marks_overdue_suggestions_expired(advice: Advice) -> None:
    seller = advice.market.seller({"dress": "100.00", "shirt": "50.00"})
    now = advice.market.clock.now()
    soon = advice.suggest(seller.merchant_id, seller.skus["dress"], "100.00", "95.00",
                          expires_at=now + timedelta(hours=1))  # fmt: skip
    later = advice.suggest(seller.merchant_id, seller.skus["shirt"], "50.00", "45.00",
                           expires_at=now + timedelta(days=3))  # fmt: skip
    advice.market.later(hours=2)
    assert services.expire_price_suggestions(uow=advice.market.app.uow()) == 1
    assert services.expire_price_suggestions(uow=advice.market.app.uow()) == 0
    gone = advice.stored(soon.id)
    assert (gone.status, gone.decided_at) == (SuggestionStatus.EXPIRED, advice.market.clock.now())
    assert advice.stored(later.id).status is SuggestionStatus.PENDING
