"""Ports of the advice area: its repositories, and the units of work its services need
(the catalog's for suggestions, since accepting one changes prices in the same transaction;
a small one for the pricing policy and inputs)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from marketplace.advice.domain import (
    DemandForecast,
    PriceSuggestion,
    PricingPolicy,
    SkuPricingInputs,
    SuggestionStatus,
)
from marketplace.catalog.ports import CatalogUnitOfWork, MerchantDirectory
from marketplace.shared.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class SkuFacts:
    """What recording advice needs to know of a catalog SKU."""

    merchant_id: str
    product_id: str
    list_currencies: frozenset[str]  # currencies it has a list price in


class PriceSuggestionRepository(Protocol):
    def add_many(self, suggestions: Sequence[PriceSuggestion]) -> None:
        """Insert new pending suggestions (a pending one of the same SKU and currency must
        have left pending first)."""
        ...

    def get(self, suggestion_id: str, *, for_update: bool = False) -> PriceSuggestion | None:
        """``for_update`` locks the row: every decision on a suggestion is serialized."""
        ...

    def pending_of(self, keys: Collection[tuple[str, str]]) -> list[PriceSuggestion]:
        """The pending suggestions of these (sku_id, currency) pairs, locked."""
        ...

    def save_decision(self, suggestion: PriceSuggestion, *, expected: SuggestionStatus) -> bool:
        """Write status and decision fields if the stored status is still ``expected``.
        True if written."""
        ...

    def close_pending(
        self, suggestion_ids: Collection[str], *, target: SuggestionStatus, now: datetime
    ) -> int:
        """Move those still pending to ``target`` (superseded, expired) at ``now``."""
        ...

    def pending_expired(self, now: datetime, *, limit: int) -> list[str]:
        """Ids of pending suggestions whose expiry has passed, oldest first."""
        ...

    def skus(self, sku_ids: Collection[str]) -> dict[str, SkuFacts]:
        """The SKUs that exist among ``sku_ids``."""
        ...


class DemandForecastRepository(Protocol):
    def generated_at(self, sku_ids: Collection[str]) -> dict[str, datetime]:
        """When the stored forecast of each of these SKUs was made (those that have one)."""
        ...

    def put(self, forecast: DemandForecast, *, now: datetime) -> None:
        """Store ``forecast`` as the SKU's only forecast (insert or replace)."""
        ...

    def get(self, sku_id: str) -> DemandForecast | None: ...

    def skus(self, sku_ids: Collection[str]) -> dict[str, SkuFacts]: ...


class AdviceUnitOfWork(CatalogUnitOfWork, Protocol):
    @property
    def price_suggestions(self) -> PriceSuggestionRepository: ...

    @property
    def demand_forecasts(self) -> DemandForecastRepository: ...


class PricingPolicyRepository(Protocol):
    def get(self, merchant_id: str) -> PricingPolicy | None:
        """The merchant's stored policy; None when it never set one (the defaults apply)."""
        ...

    def put(self, policy: PricingPolicy) -> None:
        """Store ``policy`` as the merchant's only one (insert or replace, atomically)."""
        ...


class SkuPricingInputsRepository(Protocol):
    def get(self, sku_id: str) -> SkuPricingInputs | None: ...

    def put(self, inputs: SkuPricingInputs) -> None:
        """Store ``inputs`` as the SKU's only ones (insert or replace, atomically)."""
        ...

    def sku(self, sku_id: str) -> SkuFacts | None:
        """The catalog SKU, if it exists."""
        ...


class PricingInputsUnitOfWork(UnitOfWork, Protocol):
    @property
    def merchants(self) -> MerchantDirectory: ...

    @property
    def pricing_policies(self) -> PricingPolicyRepository: ...

    @property
    def sku_pricing_inputs(self) -> SkuPricingInputsRepository: ...
