"""Ports of RFQs: the repository, and the unit of work its services need."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from marketplace.companies.ports import CompanyRepository
from marketplace.events.ports import Outbox
from marketplace.rfq.domain import Quote, QuoteStatus, Rfq, RfqStatus
from marketplace.shared.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class SkuFacts:
    """What the RFQ rules need to know of a catalog SKU."""

    merchant_id: str
    is_active: bool


@dataclass(frozen=True, slots=True)
class MerchantFacts:
    name: str
    kind: str  # parties.MerchantKind value
    status: str  # parties.MerchantStatus value


class RfqRepository(Protocol):
    def add(self, rfq: Rfq) -> None:
        """Insert the RFQ with its items (a draft: no invitees yet)."""
        ...

    def get(self, rfq_id: str, *, for_update: bool = False) -> Rfq | None:
        """The RFQ with its items and invitees; ``for_update`` locks its row, which
        serializes every quote, withdrawal and award on it."""
        ...

    def save(self, rfq: Rfq, *, expected: RfqStatus | None = None) -> bool:
        """Write the status, award and timestamps (items never change); with
        ``expected``, only if the stored status is that one. True if written."""
        ...

    def add_invitations(
        self, rfq_id: str, merchant_ids: Sequence[str], *, now: datetime
    ) -> None: ...

    def add_quote(self, quote: Quote) -> None: ...

    def get_quote(self, quote_id: str) -> Quote | None: ...

    def quotes(self, rfq_id: str) -> list[Quote]: ...

    def open_quote_of(self, rfq_id: str, merchant_id: str) -> Quote | None: ...

    def set_quote_status(
        self, quote_ids: Collection[str], *, expected: QuoteStatus, target: QuoteStatus,
        now: datetime,
    ) -> int:  # fmt: skip
        """Move those quotes still in ``expected`` to ``target``; returns how many moved."""
        ...

    def skus(self, sku_ids: Collection[str]) -> dict[str, SkuFacts]:
        """The SKUs that exist among ``sku_ids``."""
        ...

    def merchants(self, merchant_ids: Collection[str]) -> dict[str, MerchantFacts]:
        """The merchants that exist among ``merchant_ids``."""
        ...

    def categories_exist(self, category_ids: Collection[str]) -> set[str]:
        """Those of ``category_ids`` that exist."""
        ...


class RfqUnitOfWork(UnitOfWork, Protocol):
    @property
    def rfqs(self) -> RfqRepository: ...

    @property
    def companies(self) -> CompanyRepository: ...

    @property
    def outbox(self) -> Outbox: ...
