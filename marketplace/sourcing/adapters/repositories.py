"""SQL repositories of sourcing (SQLAlchemy Core), bound to one unit of work."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from marketplace.catalog.adapters.tables import product_translations, products, skus
from marketplace.ordering.adapters.tables import order_status_history, orders
from marketplace.parties.adapters.tables import merchants
from marketplace.shared.money import Money
from marketplace.sourcing.adapters.tables import (
    TIER_SLOTS,
    contract_prices,
    offers,
    supplier_profiles,
    supplier_regions,
)
from marketplace.sourcing.domain import (
    Certification,
    ContractPrice,
    FulfilmentRecord,
    Offer,
    OfferListing,
    PriceTier,
    ServedRegion,
    SupplierMetrics,
    SupplierProfile,
)
from marketplace.sourcing.ports import MerchantFacts

_BP, _CENTI = Decimal("10000"), Decimal("100")


# -- mapping ------------------------------------------------------------------------------------
def certifications_json(certs: Sequence[Certification]) -> list[dict[str, Any]]:
    return [
        {"name": c.name, "issuer": c.issuer,
         "valid_until": c.valid_until.isoformat() if c.valid_until else None}
        for c in certs
    ]  # fmt: skip


def certifications_of(data: Any) -> tuple[Certification, ...]:
    return tuple(
        Certification(c["name"], c["issuer"],
                      date.fromisoformat(c["valid_until"]) if c.get("valid_until") else None)
        for c in data or ()
    )  # fmt: skip


def metrics_of(m: Any) -> SupplierMetrics:
    on_time, rating = m["on_time_bp"], m["rating_centi"]
    return SupplierMetrics(
        fulfilled_orders=int(m["fulfilled_orders"]),
        on_time_rate=None if on_time is None else (Decimal(on_time) / _BP).quantize(_BP**-1),
        rating=None if rating is None else (Decimal(rating) / _CENTI).quantize(_CENTI**-1),
        refreshed_at=m["metrics_at"],
    )


def region_of(m: Any, currency: str) -> ServedRegion:
    return ServedRegion(
        country=m["country"], region=m["region"], lead_time_days=int(m["lead_time_days"]),
        shipping_per_unit=Money.from_minor(int(m["shipping_per_unit_minor"]), currency),
        shipping_per_order=Money.from_minor(int(m["shipping_per_order_minor"]), currency),
    )  # fmt: skip


def regions_of(conn: Connection, merchant_id: str, currency: str) -> tuple[ServedRegion, ...]:
    rows = conn.execute(
        select(supplier_regions)
        .where(supplier_regions.c.merchant_id == merchant_id)
        .order_by(supplier_regions.c.country, supplier_regions.c.region)
    )
    return tuple(region_of(row._mapping, currency) for row in rows)


def profile_of(row: Row[Any], regions: tuple[ServedRegion, ...]) -> SupplierProfile:
    m = row._mapping
    return SupplierProfile(
        merchant_id=m["merchant_id"], currency=m["currency"], default_moq=int(m["default_moq"]),
        created_at=m["created_at"], updated_at=m["updated_at"], description=m["description"],
        certifications=certifications_of(m["certifications"]), regions=regions,
        is_verified=bool(m["is_verified"]), verified_at=m["verified_at"],
        verified_by=m["verified_by"], metrics=metrics_of(m),
    )  # fmt: skip


def tier_values(tiers: Sequence[PriceTier]) -> dict[str, Any]:
    values: dict[str, Any] = {"moq": tiers[0].min_quantity}
    for n in range(1, TIER_SLOTS + 1):
        tier = tiers[n - 1] if n <= len(tiers) else None
        if n > 1:
            values[f"min_quantity_{n}"] = tier.min_quantity if tier else None
        values[f"unit_price_{n}_minor"] = tier.unit_price.minor if tier else None
    return values


def tiers_of(m: Any) -> tuple[PriceTier, ...]:
    currency = m["currency"]
    tiers = [PriceTier(int(m["moq"]), Money.from_minor(int(m["unit_price_1_minor"]), currency))]
    for n in range(2, TIER_SLOTS + 1):
        if m[f"min_quantity_{n}"] is not None:
            price = Money.from_minor(int(m[f"unit_price_{n}_minor"]), currency)
            tiers.append(PriceTier(int(m[f"min_quantity_{n}"]), price))
    return tuple(tiers)


def offer_of(row: Row[Any]) -> Offer:
    m = row._mapping
    return Offer(
        id=m["id"], merchant_id=m["merchant_id"], sku_id=m["sku_id"], currency=m["currency"],
        tiers=tiers_of(m), is_active=bool(m["is_active"]), created_at=m["created_at"],
        updated_at=m["updated_at"], lead_time_days=m["lead_time_days"],
    )  # fmt: skip


def contract_of(row: Row[Any]) -> ContractPrice:
    m = row._mapping
    return ContractPrice(
        id=m["id"], company_id=m["company_id"], sku_id=m["sku_id"], merchant_id=m["merchant_id"],
        unit_price=Money.from_minor(int(m["unit_price_minor"]), m["currency"]),
        valid_from=m["valid_from"], valid_until=m["valid_until"], created_by=m["created_by"],
        created_at=m["created_at"],
    )  # fmt: skip


# -- repositories -------------------------------------------------------------------------------
class SqlSupplierRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def merchant(self, merchant_id: str) -> MerchantFacts | None:
        row = self._conn.execute(
            select(merchants.c.kind, merchants.c.status, merchants.c.default_currency).where(
                merchants.c.id == merchant_id
            )
        ).first()
        return MerchantFacts(*row) if row else None

    def get(self, merchant_id: str) -> SupplierProfile | None:
        row = self._conn.execute(
            select(supplier_profiles).where(supplier_profiles.c.merchant_id == merchant_id)
        ).first()
        if row is None:
            return None
        return profile_of(row, regions_of(self._conn, merchant_id, row._mapping["currency"]))

    def save(self, profile: SupplierProfile) -> None:
        values = {
            "currency": profile.currency, "default_moq": profile.default_moq,
            "description": profile.description,
            "certifications": certifications_json(profile.certifications),
            "updated_at": profile.updated_at,
        }  # fmt: skip
        t = supplier_profiles
        done = self._conn.execute(
            update(t).where(t.c.merchant_id == profile.merchant_id).values(**values)
        )
        if done.rowcount == 0:
            self._conn.execute(
                insert(t).values(
                    merchant_id=profile.merchant_id,
                    is_verified=profile.is_verified,
                    verified_at=profile.verified_at,
                    verified_by=profile.verified_by,
                    fulfilled_orders=0,
                    created_at=profile.created_at,
                    **values,
                )
            )
        self.replace_regions(profile.merchant_id, profile.regions)

    def replace_regions(self, merchant_id: str, regions: Sequence[ServedRegion]) -> None:
        t = supplier_regions
        self._conn.execute(delete(t).where(t.c.merchant_id == merchant_id))
        rows = [
            {"merchant_id": merchant_id, "country": r.country, "region": r.region,
             "lead_time_days": r.lead_time_days,
             "shipping_per_unit_minor": r.shipping_per_unit.minor,
             "shipping_per_order_minor": r.shipping_per_order.minor}
            for r in regions
        ]  # fmt: skip
        if rows:
            self._conn.execute(insert(t), rows)

    def set_verified(self, merchant_id: str, *, by: str | None, at: datetime) -> bool:
        t = supplier_profiles
        done = self._conn.execute(
            update(t)
            .where(t.c.merchant_id == merchant_id, t.c.is_verified.is_(False))
            .values(is_verified=True, verified_at=at, verified_by=by, updated_at=at)
        )
        return bool(done.rowcount)

    def set_metrics(self, merchant_id: str, metrics: SupplierMetrics) -> None:
        on_time, rating = metrics.on_time_rate, metrics.rating
        self._conn.execute(
            update(supplier_profiles)
            .where(supplier_profiles.c.merchant_id == merchant_id)
            .values(
                fulfilled_orders=metrics.fulfilled_orders,
                on_time_bp=None if on_time is None else int(on_time * _BP),
                rating_centi=None if rating is None else int(rating * _CENTI),
                metrics_at=metrics.refreshed_at,
            )
        )

    def fulfilment_records(self, merchant_id: str) -> list[FulfilmentRecord]:
        h = order_status_history
        own = select(orders.c.id).where(orders.c.merchant_id == merchant_id)
        shipped = (
            select(h.c.order_id, func.min(h.c.created_at).label("shipped_at"))
            .where(h.c.to_status == "shipped", h.c.order_id.in_(own))
            .group_by(h.c.order_id)
            .subquery()
        )
        rows = self._conn.execute(
            select(orders.c.paid_at, orders.c.address, orders.c.refunded_minor,
                   orders.c.status, shipped.c.shipped_at)
            .join(shipped, shipped.c.order_id == orders.c.id)
        )  # fmt: skip
        return [
            FulfilmentRecord(
                paid_at=r.paid_at,
                shipped_at=r.shipped_at,
                country=str((r.address or {}).get("country") or ""),
                region=str((r.address or {}).get("region") or ""),
                refunded=int(r.refunded_minor) > 0 or r.status == "refunded",
            )
            for r in rows
        ]

    def profile_ids(self) -> list[str]:
        t = supplier_profiles
        return list(self._conn.execute(select(t.c.merchant_id).order_by(t.c.merchant_id)).scalars())


class SqlOfferRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def listing(self, merchant_id: str, sku_id: str) -> OfferListing | None:
        row = self._conn.execute(
            select(skus.c.product_id, skus.c.sku_code, skus.c.sales_attributes,
                   products.c.category_id, products.c.default_locale, products.c.attributes,
                   products.c.search_text)
            .join(products, products.c.id == skus.c.product_id)
            .where(skus.c.id == sku_id, skus.c.merchant_id == merchant_id)
        ).first()  # fmt: skip
        if row is None:
            return None
        t = product_translations
        query = select(t.c.locale, t.c.title).where(t.c.product_id == row.product_id)
        titles = {str(locale): str(title) for locale, title in self._conn.execute(query)}
        sales = {str(k): str(v) for k, v in (row.sales_attributes or {}).items()}
        attributes = {str(k): str(v) for k, v in (row.attributes or {}).items()} | sales
        text = " ".join([row.search_text, row.sku_code, *sales.values()]).lower()
        return OfferListing(
            product_id=row.product_id, category_id=row.category_id, sku_code=row.sku_code,
            default_locale=row.default_locale, titles=titles,
            attributes=attributes, search_text=text,
        )  # fmt: skip

    @staticmethod
    def _values(offer: Offer, listing: OfferListing) -> dict[str, Any]:
        return {
            "currency": offer.currency, **tier_values(offer.tiers),
            "lead_time_days": offer.lead_time_days, "is_active": offer.is_active,
            "product_id": listing.product_id, "category_id": listing.category_id,
            "sku_code": listing.sku_code, "default_locale": listing.default_locale,
            "titles": listing.titles, "attributes": listing.attributes,
            "search_text": listing.search_text, "updated_at": offer.updated_at,
        }  # fmt: skip

    def add(self, offer: Offer, listing: OfferListing) -> bool:
        values = self._values(offer, listing)
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    insert(offers).values(
                        id=offer.id,
                        merchant_id=offer.merchant_id,
                        sku_id=offer.sku_id,
                        created_at=offer.created_at,
                        **values,
                    )
                )
        except IntegrityError:
            return False
        return True

    def get(self, merchant_id: str, offer_id: str) -> Offer | None:
        row = self._conn.execute(
            select(offers).where(offers.c.id == offer_id, offers.c.merchant_id == merchant_id)
        ).first()
        return offer_of(row) if row else None

    def update(self, offer: Offer, listing: OfferListing) -> None:
        self._conn.execute(
            update(offers).where(offers.c.id == offer.id).values(**self._values(offer, listing))
        )

    def delete(self, merchant_id: str, offer_id: str) -> bool:
        done = self._conn.execute(
            delete(offers).where(offers.c.id == offer_id, offers.c.merchant_id == merchant_id)
        )
        return bool(done.rowcount)

    def count_of(self, merchant_id: str) -> int:
        query = select(func.count()).where(offers.c.merchant_id == merchant_id)
        return int(self._conn.execute(query).scalar_one())

    def active_for_skus(self, sku_ids: Collection[str]) -> dict[str, Offer]:
        rows = self._conn.execute(
            select(offers)
            .join(merchants, merchants.c.id == offers.c.merchant_id)
            .where(offers.c.sku_id.in_(list(sku_ids)), offers.c.is_active.is_(True),
                   merchants.c.status == "approved")
        )  # fmt: skip
        return {row._mapping["sku_id"]: offer_of(row) for row in rows}

    def ids_of(
        self, merchant_id: str | None, *, sku_ids: Sequence[str] | None = None
    ) -> list[tuple[str, str, str]]:
        query = select(offers.c.merchant_id, offers.c.id, offers.c.sku_id).order_by(offers.c.id)
        if merchant_id is not None:
            query = query.where(offers.c.merchant_id == merchant_id)
        if sku_ids is not None:
            query = query.where(offers.c.sku_id.in_(list(sku_ids)))
        return [(m, o, s) for m, o, s in self._conn.execute(query)]


class SqlContractPriceRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, contract: ContractPrice) -> None:
        self._conn.execute(
            insert(contract_prices).values(
                id=contract.id,
                company_id=contract.company_id,
                sku_id=contract.sku_id,
                merchant_id=contract.merchant_id,
                currency=contract.unit_price.currency.code,
                unit_price_minor=contract.unit_price.minor,
                valid_from=contract.valid_from,
                valid_until=contract.valid_until,
                created_by=contract.created_by,
                created_at=contract.created_at,
            )
        )

    def delete(self, merchant_id: str, contract_id: str) -> bool:
        t = contract_prices
        done = self._conn.execute(
            delete(t).where(t.c.id == contract_id, t.c.merchant_id == merchant_id)
        )
        return bool(done.rowcount)

    def for_company(self, company_id: str, sku_ids: Collection[str]) -> list[ContractPrice]:
        t = contract_prices
        rows = self._conn.execute(
            select(t).where(t.c.company_id == company_id, t.c.sku_id.in_(list(sku_ids)))
        )
        return [contract_of(row) for row in rows]


__all__ = ["SqlContractPriceRepository", "SqlOfferRepository", "SqlSupplierRepository"]
