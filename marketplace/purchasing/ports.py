"""Ports of purchasing: its repository and the unit of work its services need."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from marketplace.companies.ports import CompaniesUnitOfWork
from marketplace.payments.ports import PaymentsUnitOfWork
from marketplace.purchasing.domain import ApprovalRule, PurchaseRequest, RequestEvent
from marketplace.sourcing.ports import SourcingUnitOfWork


class PurchaseRequestRepository(Protocol):
    def add(self, request: PurchaseRequest) -> None:
        """Insert; raise ``DuplicateRequestError`` when the idempotency key was used."""
        ...

    def save(self, request: PurchaseRequest, *, lines_changed: bool = False) -> None: ...

    def get(self, request_id: str, *, for_update: bool = False) -> PurchaseRequest | None: ...

    def id_for_key(self, company_id: str, key: str) -> str | None: ...

    def by_group(self, group_id: str) -> PurchaseRequest | None: ...

    def expired_ids(self, now: datetime, *, limit: int) -> list[str]: ...

    def stuck_placing_ids(self, older_than: datetime, *, limit: int) -> list[str]: ...

    def record(self, events: Sequence[RequestEvent]) -> None: ...

    def events(self, request_id: str) -> list[RequestEvent]: ...

    def add_rule(self, rule: ApprovalRule) -> None: ...

    def save_rule(self, rule: ApprovalRule) -> None: ...

    def get_rule(self, rule_id: str) -> ApprovalRule | None: ...

    def rules(self, company_id: str, *, active_only: bool = False) -> list[ApprovalRule]: ...


class PurchasingUnitOfWork(CompaniesUnitOfWork, PaymentsUnitOfWork, SourcingUnitOfWork, Protocol):
    @property
    def purchase_requests(self) -> PurchaseRequestRepository: ...
