"""Ports of sourcing: its repositories and unit of work."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from marketplace.shared.ports import UnitOfWork
from marketplace.sourcing.domain import (
    ContractPrice,
    FulfilmentRecord,
    Offer,
    OfferListing,
    ServedRegion,
    SupplierMetrics,
    SupplierProfile,
)


class MerchantFacts(NamedTuple):
    kind: str
    status: str
    default_currency: str


class SupplierRepository(Protocol):
    def merchant(self, merchant_id: str) -> MerchantFacts | None: ...

    def get(self, merchant_id: str) -> SupplierProfile | None: ...

    def save(self, profile: SupplierProfile) -> None:
        """Insert or update the profile and replace its regions."""
        ...

    def replace_regions(self, merchant_id: str, regions: Sequence[ServedRegion]) -> None: ...

    def set_verified(self, merchant_id: str, *, by: str | None, at: datetime) -> bool: ...

    def set_metrics(self, merchant_id: str, metrics: SupplierMetrics) -> None: ...

    def fulfilment_records(self, merchant_id: str) -> list[FulfilmentRecord]:
        """Every order of the merchant that was shipped (read from ordering's tables)."""
        ...

    def profile_ids(self) -> list[str]: ...


class OfferRepository(Protocol):
    def listing(self, merchant_id: str, sku_id: str) -> OfferListing | None:
        """The catalog facts of the merchant's SKU (None: no such SKU of this merchant)."""
        ...

    def add(self, offer: Offer, listing: OfferListing) -> bool:
        """False, writing nothing, when the SKU already has an offer."""
        ...

    def get(self, merchant_id: str, offer_id: str) -> Offer | None: ...

    def update(self, offer: Offer, listing: OfferListing) -> None: ...

    def delete(self, merchant_id: str, offer_id: str) -> bool: ...

    def count_of(self, merchant_id: str) -> int: ...

    def active_for_skus(self, sku_ids: Collection[str]) -> dict[str, Offer]:
        """Active offers of approved merchants, by SKU."""
        ...

    def ids_of(
        self, merchant_id: str | None, *, sku_ids: Sequence[str] | None = None
    ) -> list[tuple[str, str, str]]:
        """(merchant_id, offer_id, sku_id) of every offer (of one merchant, of some SKUs)."""
        ...


class ContractPriceRepository(Protocol):
    def add(self, contract: ContractPrice) -> None: ...

    def delete(self, merchant_id: str, contract_id: str) -> bool: ...

    def for_company(self, company_id: str, sku_ids: Collection[str]) -> list[ContractPrice]: ...


class SourcingUnitOfWork(UnitOfWork, Protocol):
    @property
    def suppliers(self) -> SupplierRepository: ...

    @property
    def offers(self) -> OfferRepository: ...

    @property
    def contract_prices(self) -> ContractPriceRepository: ...
