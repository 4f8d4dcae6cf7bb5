"""Races on PostgreSQL: two accepts of one suggestion change the price once; an accept
racing a new batch for the same SKU ends with exactly one of them winning."""

from __future__ import annotations

from typing import Any

from marketplace.advice import services
from marketplace.advice.commands import AcceptPriceSuggestion
from marketplace.advice.domain import PriceSuggestion, SuggestionNotPendingError, SuggestionStatus
from marketplace.events.domain import Topic
from marketplace.shared.money import Money
from tests.factories import race
from tests.integration.advice.seed import Advice, suggestion_input

ROUNDS = 5


def _accept(advice: Advice, s: PriceSuggestion) -> PriceSuggestion:
    app = advice.market.app
    cmd = AcceptPriceSuggestion(s.merchant_id, s.id, actor_id="usr_owner")
    return services.accept_price_suggestion(cmd, uow=app.uow(), cache=app.cache)


def _events_about(advice: Advice, topic: Topic, suggestion_id: str) -> int:
    return sum(
        1 for e in advice.events(topic)
        if suggestion_id in (e["key"], (e["payload"].get("source") or {}).get("id"))
    )  # fmt: skip


def test_two_concurrent_accepts_change_the_price_once(pg_advice: Advice) -> None:
    seller = pg_advice.market.seller({"dress": "100.00"})
    sku = seller.skus["dress"]
    price = Money.of("100.00", "CNY")
    for _ in range(ROUNDS):
        suggested = price * "1.05"
        suggestion = pg_advice.suggest(seller.merchant_id, sku, str(price.amount),
                                       str(suggested.amount))  # fmt: skip
        results = race(2, lambda _i, s=suggestion: _accept(pg_advice, s))
        assert all(isinstance(r, PriceSuggestion) for r in results), results
        assert {(r.status, r.decided_at) for r in results} == {
            (SuggestionStatus.ACCEPTED, pg_advice.market.clock.now())
        }
        assert _events_about(pg_advice, Topic.PRICE_CHANGED, suggestion.id) == 1
        assert _events_about(pg_advice, Topic.PRICE_SUGGESTION_DECIDED, suggestion.id) == 1
        assert pg_advice.prices(sku).list_price == suggested
        price = suggested
        pg_advice.market.later(minutes=1)


def test_an_accept_racing_a_new_batch_one_wins(pg_advice: Advice) -> None:
    seller = pg_advice.market.seller({"dress": "100.00"})
    sku = seller.skus["dress"]
    for round_no in range(ROUNDS):
        current = str(pg_advice.prices(sku).list_price.amount)
        suggestion = pg_advice.suggest(seller.merchant_id, sku, current, "90.00")

        def work(
            i: int, s: PriceSuggestion = suggestion, current: str = current, n: int = round_no
        ) -> Any:
            if i == 0:
                return _accept(pg_advice, s)
            item = suggestion_input(sku, current, "80.00")
            return pg_advice.record(seller.merchant_id, item, version=str(n))

        accepted, recorded = race(2, work)
        assert isinstance(recorded, list), recorded  # the batch always goes in
        final = pg_advice.stored(suggestion.id).status
        if isinstance(accepted, PriceSuggestion):
            assert final is SuggestionStatus.ACCEPTED
            assert pg_advice.prices(sku).list_price == Money.of("90.00", "CNY")
            assert recorded[0].supersedes_id is None
        else:
            assert isinstance(accepted, SuggestionNotPendingError), accepted
            assert final is SuggestionStatus.SUPERSEDED
            assert recorded[0].supersedes_id == suggestion.id
        pg_advice.set_prices(seller.merchant_id, sku, "100.00")
        pg_advice.market.later(minutes=1)
