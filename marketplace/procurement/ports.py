"""Ports of procurement: its repository and the unit of work its services need (they
place drafts through purchasing, so its unit of work extends purchasing's)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import NamedTuple, Protocol

from marketplace.procurement.domain import AuditEntry, Conversation, Draft, NewAuditEntry
from marketplace.purchasing.ports import PurchasingUnitOfWork


class OfferRef(NamedTuple):
    merchant_id: str
    sku_id: str


class ProcurementRepository(Protocol):
    def add_conversation(self, conversation: Conversation) -> None: ...

    def get_conversation(self, conversation_id: str) -> Conversation | None: ...

    def add_draft(self, draft: Draft) -> None:
        """Insert; raise ``SuccessorExistsError`` when ``previous_id`` has a successor."""
        ...

    def save_draft(self, draft: Draft) -> None: ...

    def get_draft(self, draft_id: str, *, for_update: bool = False) -> Draft | None: ...

    def successor_of(self, draft_id: str) -> str | None: ...

    def stuck_placing_ids(self, older_than: datetime, *, limit: int) -> list[str]: ...

    def append_audit(self, entry: NewAuditEntry) -> AuditEntry:
        """Append with the conversation's next seq (one atomic increment)."""
        ...

    def audit(self, conversation_id: str) -> list[AuditEntry]: ...

    def offer_refs(self, offer_ids: Collection[str]) -> dict[str, OfferRef]:
        """The merchant and SKU of each existing offer (active or not)."""
        ...


class ProcurementUnitOfWork(PurchasingUnitOfWork, Protocol):
    @property
    def procurement(self) -> ProcurementRepository: ...
