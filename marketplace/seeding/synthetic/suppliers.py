"""Supplier profiles of the synthetic suppliers, with their planted lead times.

Written through the sourcing services (not the bulk layer, which has no supplier records):
each supplier serves the whole of China with its lead time from the ground truth, and
ships from its own province two days sooner. A profile that exists already is left alone,
so a re-run changes nothing.
"""

from __future__ import annotations

from marketplace.bootstrap import Marketplace
from marketplace.seeding.synthetic.records import RecordMaker
from marketplace.shared.money import Money
from marketplace.sourcing import services as sourcing
from marketplace.sourcing.domain import ServedRegion


def seed_supplier_profiles(maker: RecordMaker, *, app: Marketplace) -> int:
    """Profiles for the suppliers of ``maker``'s world that have none; how many were made."""
    made = 0
    currency = maker.currency
    for merchant in maker.world.merchants:
        if merchant.kind != "supplier" or merchant.lead_time_days is None:
            continue
        merchant_id = maker.merchant_ids[merchant.index]
        with app.uow() as uow:
            if uow.suppliers.get(merchant_id) is not None:
                continue
        lead = merchant.lead_time_days
        regions = (
            ServedRegion("CN", "", lead, Money.of("2.00", currency), Money.of("10.00", currency)),
            ServedRegion("CN", merchant.region, max(0, lead - 2), Money.zero(currency),
                         Money.of("5.00", currency)),
        )  # fmt: skip
        sourcing.put_supplier_profile(
            sourcing.PutSupplierProfile(
                merchant_id=merchant_id,
                description=f"Synthetic supplier in {merchant.city}, {merchant.region}.",
                currency=currency,
                regions=regions,
            ),
            uow=app.uow(),
        )
        made += 1
    return made
