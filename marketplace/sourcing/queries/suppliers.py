"""Supplier profiles and a merchant's own lists (offers, contract prices)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    func,
    select,
)

from marketplace.parties.adapters.tables import merchants
from marketplace.sourcing.adapters.repositories import (
    contract_of,
    offer_of,
    profile_of,
    regions_of,
)
from marketplace.sourcing.adapters.tables import (
    contract_prices,
    offers,
    supplier_profiles,
)
from marketplace.sourcing.domain import (
    ContractPrice,
    Offer,
    SupplierProfile,
)


@dataclass(frozen=True)
class PublicSupplier:
    name: str
    kind: str
    profile: SupplierProfile
    active_offers: int


def public_supplier(conn: Connection, merchant_id: str) -> PublicSupplier | None:
    """An approved supplier's profile, regions, metrics and offer count (None: not one)."""
    p = supplier_profiles
    row = conn.execute(
        select(p, merchants.c.name, merchants.c.kind)
        .join(merchants, merchants.c.id == p.c.merchant_id)
        .where(p.c.merchant_id == merchant_id, merchants.c.status == "approved")
    ).first()
    if row is None:
        return None
    m = row._mapping
    count = conn.execute(
        select(func.count()).where(offers.c.merchant_id == merchant_id, offers.c.is_active)
    ).scalar_one()
    profile = profile_of(row, regions_of(conn, merchant_id, m["currency"]))
    return PublicSupplier(m["name"], m["kind"], profile, int(count))


def supplier_profile(conn: Connection, merchant_id: str) -> SupplierProfile | None:
    row = conn.execute(select(supplier_profiles).where(
        supplier_profiles.c.merchant_id == merchant_id)).first()  # fmt: skip
    if row is None:
        return None
    return profile_of(row, regions_of(conn, merchant_id, row._mapping["currency"]))


def merchant_offers(
    conn: Connection, merchant_id: str, *, limit: int, after_id: str | None = None
) -> list[Offer]:
    """The merchant's offers, oldest first (``limit + 1`` rows tell a next page)."""
    query = select(offers).where(offers.c.merchant_id == merchant_id)
    if after_id:
        query = query.where(offers.c.id > after_id)
    return [offer_of(r) for r in conn.execute(query.order_by(offers.c.id).limit(limit + 1))]


def merchant_offer(conn: Connection, merchant_id: str, offer_id: str) -> Offer | None:
    row = conn.execute(
        select(offers).where(offers.c.id == offer_id, offers.c.merchant_id == merchant_id)
    ).first()
    return offer_of(row) if row else None


def merchant_contract_prices(
    conn: Connection, merchant_id: str, *, company_id: str | None = None, limit: int,
    after_id: str | None = None,
) -> list[ContractPrice]:  # fmt: skip
    """The merchant's contract prices, oldest first (``limit + 1`` rows)."""
    c = contract_prices
    query = select(c).where(c.c.merchant_id == merchant_id)
    if company_id:
        query = query.where(c.c.company_id == company_id)
    if after_id:
        query = query.where(c.c.id > after_id)
    return [contract_of(r) for r in conn.execute(query.order_by(c.c.id).limit(limit + 1))]
