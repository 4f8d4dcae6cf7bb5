"""Events the catalog records in the outbox (see marketplace.events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marketplace.catalog.domain.pricing import PriceSet
from marketplace.catalog.domain.products import Product, Sku
from marketplace.events.domain import DomainEvent, Topic


def _price_set(prices: PriceSet) -> dict[str, Any]:
    return {
        "list_price": prices.list_price.to_dict(),
        "tiers": [
            {"min_quantity": t.min_quantity, "price": t.amount.to_dict()} for t in prices.tiers
        ],
        "member_prices": [
            {"level": m.level.value, "price": m.amount.to_dict()} for m in prices.member_prices
        ],
    }


@dataclass(frozen=True, slots=True)
class PriceSource:
    """What changed a price other than the merchant's own edit (``price.changed``'s
    ``source``): ``kind`` "price_suggestion" with the suggestion's id."""

    kind: str
    id: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id}


def price_changed(
    sku: Sku, prices: PriceSet, previous: PriceSet | None, *, now: datetime,
    source: PriceSource | None = None,
) -> DomainEvent:  # fmt: skip
    """A SKU's prices in one currency were replaced: the new set, the old one (None when
    the SKU had no price in that currency) and what replaced them (None: the merchant)."""
    return DomainEvent(
        topic=Topic.PRICE_CHANGED,
        key=sku.id,
        merchant_id=sku.merchant_id,
        occurred_at=now,
        payload={
            "sku_id": sku.id,
            "product_id": sku.product_id,
            "merchant_id": sku.merchant_id,
            "currency": prices.currency.code,
            "prices": _price_set(prices),
            "previous": _price_set(previous) if previous is not None else None,
            "source": source.to_dict() if source is not None else None,
        },
    )


def product_updated(product: Product, *, now: datetime) -> DomainEvent:
    """A product's details, status or one of its SKUs changed (prices have their own
    event): what copies of the catalog (offer listings, search) refresh from."""
    return DomainEvent(
        topic=Topic.PRODUCT_UPDATED,
        key=product.id,
        merchant_id=product.merchant_id,
        occurred_at=now,
        payload={
            "product_id": product.id,
            "merchant_id": product.merchant_id,
            "status": str(product.status),
            "sku_ids": sorted(s.id for s in product.skus),
            "version": product.version,
        },
    )
