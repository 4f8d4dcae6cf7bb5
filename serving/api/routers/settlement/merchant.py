"""A merchant reads its own settlement: balance, statements and payouts (``MerchantScope``:
another merchant's scope is 403, another merchant's statement or payout 404)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from marketplace.settlement import queries
from marketplace.settlement.domain import (
    PayoutNotFoundError,
    PayoutStatus,
    StatementNotFoundError,
    StatementPeriod,
)
from serving.api.deps import App
from serving.api.routers.settlement.common import (
    SCOPED,
    Cursor,
    Limit,
    cursor_key,
    next_cursor,
    statement_cursor,
)
from serving.api.schemas.settlement import (
    CurrencyBalanceRead,
    MerchantBalanceRead,
    PayoutPage,
    PayoutRead,
    StatementPage,
    StatementRead,
)
from serving.api.security import MerchantScope

router = APIRouter(tags=["settlement"])

_Currency = Annotated[str, Query(min_length=3, max_length=3, description="ISO 4217 code")]


@router.get(
    "/merchants/{merchant_id}/settlement/balance",
    summary="What the platform owes the merchant, per currency, and payouts in flight",
    responses=SCOPED,
)
def balance(scope: MerchantScope, container: App) -> MerchantBalanceRead:
    balances = queries.merchant_balances(container.engine, scope.merchant_id)
    return MerchantBalanceRead(
        merchant_id=scope.merchant_id, balances=[CurrencyBalanceRead.of(b) for b in balances]
    )


@router.get(
    "/merchants/{merchant_id}/settlement/statements",
    summary="Closed settlement statements, latest period first (without lines)",
    responses=SCOPED,
)
def list_statements(
    scope: MerchantScope,
    container: App,
    currency: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> StatementPage:
    page = queries.list_statements(
        container.engine, scope.merchant_id, currency=currency, limit=limit,
        before=statement_cursor(cursor),
    )  # fmt: skip
    last = page.items[-1] if page.has_more else None
    return StatementPage(
        items=[StatementRead.of(s, with_lines=False) for s in page.items],
        next_cursor=(
            next_cursor("statements", start=last.period_start.isoformat(), id=last.id or "")
            if last
            else None
        ),
    )


@router.get(
    "/merchants/{merchant_id}/settlement/statements/{statement_id}",
    summary="One closed statement with its lines by order",
    responses={**SCOPED, 404: {"description": "merchant_not_found / statement_not_found"}},
)
def get_statement(statement_id: str, scope: MerchantScope, container: App) -> StatementRead:
    found = queries.get_statement(container.engine, statement_id, merchant_id=scope.merchant_id)
    if found is None:
        raise StatementNotFoundError("No such statement.", statement_id=statement_id)
    return StatementRead.of(found)


@router.get(
    "/merchants/{merchant_id}/settlement/preview",
    summary="The statement of any period as the ledger has it now (not closed)",
    responses={**SCOPED, 422: {"description": "invalid_statement_period"}},
)
def preview_statement(
    scope: MerchantScope,
    container: App,
    currency: _Currency,
    start: Annotated[datetime, Query(description="Inclusive, with a time zone")],
    end: Annotated[datetime, Query(description="Exclusive, with a time zone")],
) -> StatementRead:
    period = StatementPeriod(start, end)
    statement = queries.preview_statement(container.engine, scope.merchant_id, currency, period)
    return StatementRead.of(statement)


@router.get(
    "/merchants/{merchant_id}/payouts",
    summary="The merchant's payouts, newest first",
    responses=SCOPED,
)
def list_payouts(
    scope: MerchantScope,
    container: App,
    payout_status: Annotated[PayoutStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> PayoutPage:
    before = cursor_key("payouts", cursor, id=str)
    page = queries.list_payouts(
        container.engine, merchant_id=scope.merchant_id, status=payout_status, limit=limit,
        before=before["id"] if before else None,
    )  # fmt: skip
    last = page.items[-1] if page.has_more else None
    return PayoutPage(
        items=[PayoutRead.of(p) for p in page.items],
        next_cursor=next_cursor("payouts", id=last.id) if last else None,
    )


@router.get(
    "/merchants/{merchant_id}/payouts/{payout_id}",
    summary="One of the merchant's payouts",
    responses={**SCOPED, 404: {"description": "merchant_not_found / payout_not_found"}},
)
def get_payout(payout_id: str, scope: MerchantScope, container: App) -> PayoutRead:
    payout = queries.get_payout(container.engine, payout_id, merchant_id=scope.merchant_id)
    if payout is None:
        raise PayoutNotFoundError("No such payout.", payout_id=payout_id)
    return PayoutRead.of(payout)
