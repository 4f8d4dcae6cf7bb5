"""What advice tests stand on: the ordering test market (merchants with priced, stocked
SKUs, buyers, checkouts), plus helpers to record suggestions, pay orders and read back
prices and events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from marketplace.advice import services
from marketplace.advice.commands import RecordPriceSuggestions, SuggestionInput
from marketplace.advice.domain import PriceSuggestion
from marketplace.catalog import services as catalog
from marketplace.catalog.domain import PriceSet
from marketplace.catalog.domain.commands import MemberPriceInput, SetSkuPrices, TierInput
from marketplace.events.adapters.tables import outbox_events
from marketplace.events.domain import Topic
from marketplace.payments.domain import GatewayNotification, TransactionKind, TransactionPhase
from marketplace.payments.services import StartPayment, apply_notification, start_payment
from marketplace.shared.money import Money
from tests.integration.ordering.seed import Market

EFFECTS: dict[str, Any] = {
    "units": {"expected": 12.5, "low": 3.0, "high": 20.0},
    "revenue": {"expected": "120.50", "low": "-30.00", "high": "260.00"},
    "profit": {"expected": "40.10", "low": "-12.00", "high": "95.00"},
    "interval_level": 0.9,
    "horizon_days": 28,
}


def suggestion_input(
    sku_id: str, current: str, suggested: str, *, currency: str = "CNY", **kw: Any
) -> SuggestionInput:
    fields: dict[str, Any] = {
        "objective": "profit", "expected_effects": EFFECTS, "elasticity": -1.8,
        "elasticity_ci": (-2.4, -1.2), "binding_guardrails": ("max_step",),
    }  # fmt: skip
    return SuggestionInput(
        sku_id=sku_id, currency=currency, current_price=Money.of(current, currency),
        suggested_price=Money.of(suggested, currency), **(fields | kw),
    )  # fmt: skip


@dataclass
class Advice:
    """The advice use cases on a test market."""

    market: Market

    @property
    def engine(self) -> Engine:
        return self.market.engine

    def record(
        self, merchant_id: str, *items: SuggestionInput, version: str = "1"
    ) -> list[PriceSuggestion]:
        cmd = RecordPriceSuggestions(merchant_id, "elasticity_glm", version, tuple(items))
        return services.record_price_suggestions(cmd, uow=self.market.app.uow())

    def suggest(self, merchant_id: str, sku_id: str, current: str, suggested: str,
                **kw: Any) -> PriceSuggestion:  # fmt: skip
        return self.record(merchant_id, suggestion_input(sku_id, current, suggested, **kw))[0]

    def set_prices(
        self, merchant_id: str, sku_id: str, list_price: str, *,
        tiers: tuple[tuple[int, str], ...] = (), members: tuple[tuple[str, str], ...] = (),
    ) -> None:  # fmt: skip
        cmd = SetSkuPrices(
            merchant_id, sku_id, "CNY", list_price,
            tiers=tuple(TierInput(q, a) for q, a in tiers),
            member_prices=tuple(MemberPriceInput(level, a) for level, a in members),
        )  # fmt: skip
        catalog.set_sku_prices(cmd, uow=self.market.app.uow(), cache=self.market.app.cache)

    def prices(self, sku_id: str, currency: str = "CNY") -> PriceSet:
        with self.market.app.uow() as uow:
            product = uow.products.get_by_sku(sku_id)
            assert product is not None
            return product.sku(sku_id).prices[currency]

    def stored(self, suggestion_id: str) -> PriceSuggestion:
        with self.market.app.uow() as uow:
            found = uow.price_suggestions.get(suggestion_id)
        assert found is not None
        return found

    def events(self, topic: Topic) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(outbox_events).where(outbox_events.c.topic == topic.value)
                .order_by(outbox_events.c.id)
            ).mappings()  # fmt: skip
            return [dict(r) for r in rows]

    def pay(self, buyer: str, group_id: str) -> None:
        app = self.market.app
        payment, _ = start_payment(
            StartPayment(buyer_id=buyer, method="sandbox", group_id=group_id), uow=app.uow(),
            gateways=app.gateways, notify_url=app.notify_url,
        )  # fmt: skip
        apply_notification(GatewayNotification(
            gateway="sandbox", payment_id=payment.id, gateway_reference=f"SBX-{payment.id}",
            kind=TransactionKind.CAPTURE, phase=TransactionPhase.SUCCESS, amount=payment.amount,
        ), uow=app.uow())  # fmt: skip
