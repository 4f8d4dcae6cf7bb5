"""Offers copy catalog facts (title, category, attributes, search text) so that offer
search is one indexed query. This consumer keeps the copies current: on
``product.updated`` it refreshes the offers of the product's SKUs, in the consumer's
transaction (``events.consumers.handle_once``), once per event."""

from __future__ import annotations

from marketplace.events.domain import DomainEvent, Topic
from marketplace.sourcing.ports import SourcingUnitOfWork
from marketplace.sourcing.services import refresh_listings

LISTINGS_KEEPER = "sourcing-listings"  # consumer group and consumed_events name


def refresh_product_offers(event: DomainEvent, uow: SourcingUnitOfWork) -> None:
    if event.topic is not Topic.PRODUCT_UPDATED:
        return
    sku_ids = [str(s) for s in event.payload.get("sku_ids", [])]
    merchant_id = str(event.payload["merchant_id"])
    if sku_ids:
        refresh_listings(uow, uow.offers.ids_of(merchant_id, sku_ids=sku_ids))
