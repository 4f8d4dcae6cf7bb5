"""Schemas of settlement: commission rules, balances, payouts and statements.

Money is ``{"amount": "12.30", "currency": "CNY"}`` with a string amount; rates are
decimal strings too ("0.05"); numbers are refused for both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from marketplace.settlement.domain import (
    CommissionRule,
    Payout,
    PayoutStatus,
    SettlementStatement,
    StatementLine,
)
from marketplace.settlement.queries import MerchantBalance
from marketplace.shared.money import Money
from serving.api.schemas.fx import MoneyRead

_MER = "mer_01JD3X8Q6V9M2K4N7P0R5T8W1Y"
_CAT = "cat_01JD3X8Q6V9M2K4N7P0R5T8W1Y"
NEXT_CURSOR = Field(description="Pass as ?cursor= for the next page; null on the last page")


class MoneyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str = Field(min_length=1, max_length=40, examples=["12.30"],
                        description="Decimal string at the currency's minor unit")  # fmt: skip
    currency: str = Field(min_length=3, max_length=3, examples=["CNY"])

    def money(self) -> Money:
        return Money.of(self.amount, self.currency)


def _money(items: list[MoneyIn] | None) -> tuple[Money, ...]:
    return tuple(item.money() for item in items or ())


# -- commission rules -------------------------------------------------------------------------
class CommissionRuleCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"scope": "platform", "rate": "0.05"},
                {"scope": "category", "scope_id": _CAT, "rate": "0.08",
                 "floors": [{"amount": "1.00", "currency": "CNY"}],
                 "caps": [{"amount": "500.00", "currency": "CNY"}]},
            ]
        },
    )  # fmt: skip

    scope: Literal["platform", "category", "merchant"]
    scope_id: str | None = Field(None, max_length=40, description="The category or merchant")
    rate: str = Field(min_length=1, max_length=20, description="0..1, at most 4 decimals")
    floors: list[MoneyIn] = Field(default_factory=list, max_length=30,
                                  description="Minimum commission per currency")  # fmt: skip
    caps: list[MoneyIn] = Field(default_factory=list, max_length=30,
                                description="Maximum commission per currency")  # fmt: skip
    is_active: bool = True
    effective_from: datetime | None = Field(None, description="Inclusive; with a time zone")
    effective_to: datetime | None = Field(None, description="Exclusive; with a time zone")
    note: str | None = Field(None, max_length=500)

    def floor_money(self) -> tuple[Money, ...]:
        return _money(self.floors)

    def cap_money(self) -> tuple[Money, ...]:
        return _money(self.caps)


class CommissionRuleUpdate(BaseModel):
    """Only the fields sent change; scope and target never do."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"rate": "0.06"}, {"is_active": False}]}
    )

    rate: str | None = Field(None, min_length=1, max_length=20)
    floors: list[MoneyIn] | None = Field(None, max_length=30)
    caps: list[MoneyIn] | None = Field(None, max_length=30)
    is_active: bool | None = None
    effective_from: datetime | None = None
    effective_to: datetime | None = None
    note: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _required_fields_not_null(self) -> Self:
        for name in ("rate", "is_active"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, object]:
        changes: dict[str, object] = {name: getattr(self, name) for name in self.model_fields_set}
        for name in ("floors", "caps"):
            if name in changes:
                changes[name] = _money(getattr(self, name))
        return changes


class CommissionRuleRead(BaseModel):
    id: str
    scope: str
    scope_id: str | None
    rate: str
    floors: list[MoneyRead]
    caps: list[MoneyRead]
    is_active: bool
    effective_from: datetime | None
    effective_to: datetime | None
    note: str | None
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None

    @classmethod
    def of(cls, rule: CommissionRule) -> CommissionRuleRead:
        return cls(
            id=rule.id, scope=rule.scope.value, scope_id=rule.scope_id,
            rate=format(rule.rate, "f"), floors=[MoneyRead.of(m) for m in rule.floors],
            caps=[MoneyRead.of(m) for m in rule.caps], is_active=rule.is_active,
            effective_from=rule.effective_from, effective_to=rule.effective_to, note=rule.note,
            created_at=rule.created_at, updated_at=rule.updated_at, archived_at=rule.archived_at,
        )  # fmt: skip


class CommissionRulePage(BaseModel):
    items: list[CommissionRuleRead]
    next_cursor: str | None = NEXT_CURSOR


# -- balances -------------------------------------------------------------------------------
class CurrencyBalanceRead(BaseModel):
    currency: str
    available: MoneyRead = Field(description="Owed to the merchant and free to pay out")
    in_flight: MoneyRead = Field(description="Payouts pending or processing")
    paid_out: MoneyRead = Field(description="Payouts marked paid")

    @classmethod
    def of(cls, balance: MerchantBalance) -> CurrencyBalanceRead:
        return cls(
            currency=balance.currency, available=MoneyRead.of(balance.available),
            in_flight=MoneyRead.of(balance.in_flight), paid_out=MoneyRead.of(balance.paid_out),
        )  # fmt: skip


class MerchantBalanceRead(BaseModel):
    merchant_id: str
    balances: list[CurrencyBalanceRead] = Field(description="One entry per currency")


class AccountBalanceRead(BaseModel):
    account: str = Field(examples=["platform:commission"])
    balances: list[MoneyRead] = Field(description="Per currency; debit positive")


# -- payouts --------------------------------------------------------------------------------
class PayoutCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"merchant_id": _MER, "amount": {"amount": "950.00", "currency": "CNY"}}]
        },
    )

    merchant_id: str = Field(min_length=1, max_length=40)
    amount: MoneyIn
    memo: str | None = Field(None, max_length=500)


class PayoutMark(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"external_reference": "ICBC-20260301-0042"}]})  # fmt: skip

    external_reference: str | None = Field(
        None, min_length=1, max_length=200, description="The bank's or provider's transfer id"
    )


class PayoutFail(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"reason": "Beneficiary account closed"}]})  # fmt: skip

    reason: str | None = Field(None, min_length=1, max_length=500)
    external_reference: str | None = Field(None, min_length=1, max_length=200)


class PayoutRead(BaseModel):
    id: str
    merchant_id: str
    amount: MoneyRead
    status: PayoutStatus
    memo: str | None
    external_reference: str | None
    failure_reason: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    processing_at: datetime | None
    paid_at: datetime | None
    failed_at: datetime | None

    @classmethod
    def of(cls, payout: Payout) -> PayoutRead:
        fields = {name: getattr(payout, name) for name in cls.model_fields if name != "amount"}
        return cls(amount=MoneyRead.of(payout.amount), **fields)


class PayoutPage(BaseModel):
    items: list[PayoutRead]
    next_cursor: str | None = NEXT_CURSOR


# -- statements -------------------------------------------------------------------------------
class StatementClose(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"merchant_id": _MER, "currency": "CNY",
                                         "start": "2026-03-01T00:00:00Z",
                                         "end": "2026-04-01T00:00:00Z"}]},
    )  # fmt: skip

    merchant_id: str = Field(min_length=1, max_length=40)
    currency: str = Field(min_length=3, max_length=3)
    start: datetime = Field(description="Inclusive, with a time zone")
    end: datetime = Field(description="Exclusive, with a time zone")


class StatementLineRead(BaseModel):
    order_id: str
    gross: MoneyRead
    commission: MoneyRead
    refunds: MoneyRead
    commission_refunded: MoneyRead
    net: MoneyRead

    @classmethod
    def of(cls, line: StatementLine) -> StatementLineRead:
        return cls(
            order_id=line.order_id, gross=MoneyRead.of(line.gross),
            commission=MoneyRead.of(line.commission), refunds=MoneyRead.of(line.refunds),
            commission_refunded=MoneyRead.of(line.commission_refunded),
            net=MoneyRead.of(line.net),
        )  # fmt: skip


_FIGURES = ("opening", "gross", "commission", "refunds", "commission_refunded", "net",
            "payouts", "closing")  # fmt: skip


class StatementRead(BaseModel):
    id: str | None = Field(description="null for a period that is not closed")
    merchant_id: str
    currency: str
    period_start: datetime
    period_end: datetime
    opening: MoneyRead = Field(description="Payable balance at period_start")
    gross: MoneyRead = Field(description="Captured for the merchant's orders")
    commission: MoneyRead = Field(description="Commission on those captures")
    refunds: MoneyRead = Field(description="Refunded gross")
    commission_refunded: MoneyRead = Field(description="Commission given back with refunds")
    net: MoneyRead = Field(description="gross - commission - refunds + commission_refunded")
    payouts: MoneyRead = Field(description="Paid out, less failed payouts reversed")
    closing: MoneyRead = Field(description="opening + net - payouts")
    closed_at: datetime | None
    closed_by: str | None
    lines: list[StatementLineRead] | None = Field(
        description="Per order; null in lists, where lines are not loaded"
    )

    @classmethod
    def of(cls, statement: SettlementStatement, *, with_lines: bool = True) -> StatementRead:
        figures = {name: MoneyRead.of(getattr(statement, name)) for name in _FIGURES}
        return cls(
            id=statement.id, merchant_id=statement.merchant_id, currency=statement.currency,
            period_start=statement.period_start, period_end=statement.period_end,
            closed_at=statement.closed_at, closed_by=statement.closed_by,
            lines=[StatementLineRead.of(line) for line in statement.lines]
            if with_lines else None,
            **figures,
        )  # fmt: skip


class StatementPage(BaseModel):
    items: list[StatementRead]
    next_cursor: str | None = NEXT_CURSOR
