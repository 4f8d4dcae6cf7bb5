"""Commands: what an admin asks the settlement services to do (validated by them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from marketplace.shared.money import Money


@dataclass(frozen=True)
class CreateCommissionRule:
    scope: str  # platform | category | merchant
    rate: str | Decimal  # "0.05"; floats are refused
    scope_id: str | None = None  # the category or merchant; None for the platform
    floors: Sequence[Money] = ()
    caps: Sequence[Money] = ()
    is_active: bool = True
    effective_from: datetime | None = None
    effective_to: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class UpdateCommissionRule:
    """Only the fields in ``changes`` change: rate, floors, caps, is_active,
    effective_from, effective_to, note (None clears the optional ones)."""

    rule_id: str
    changes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CreatePayout:
    merchant_id: str
    amount: Money
    actor: str | None = None  # the admin who asked
    memo: str | None = None


@dataclass(frozen=True)
class MovePayout:
    payout_id: str
    external_reference: str | None = None
    failure_reason: str | None = None


@dataclass(frozen=True)
class CloseStatement:
    merchant_id: str
    currency: str
    start: datetime
    end: datetime
    actor: str | None = None
