"""Platform admins pay merchants out, close settlement periods and read ledger balances."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from marketplace.settlement import queries, services
from marketplace.settlement.domain import (
    PayoutNotFoundError,
    PayoutStatus,
    StatementNotFoundError,
)
from serving.api.deps import App
from serving.api.routers.settlement.common import (
    ADMIN,
    Cursor,
    Limit,
    Responses,
    cursor_key,
    next_cursor,
)
from serving.api.schemas.fx import MoneyRead
from serving.api.schemas.settlement import (
    AccountBalanceRead,
    PayoutCreate,
    PayoutFail,
    PayoutMark,
    PayoutPage,
    PayoutRead,
    StatementClose,
    StatementRead,
)
from serving.api.security import PlatformAdmin, Principal

router = APIRouter(tags=["settlement admin"])

_PAYOUT_NOT_FOUND: Responses = {404: {"description": "payout_not_found"}}
_TRANSITION: Responses = {409: {"description": "payout_transition_not_allowed"}}


def _actor(admin: Principal) -> str | None:
    return admin.user_id


# -- payouts --------------------------------------------------------------------------------
@router.post(
    "/admin/payouts",
    status_code=status.HTTP_201_CREATED,
    summary="Pay a merchant out of its available balance (posted at once, pending)",
    description=(
        "Posts Dr merchant_payable / Cr bank:payouts now, so the amount is no longer "
        "available; a payout marked failed is reversed. Two payouts racing for one "
        "merchant never overdraw its balance."
    ),
    responses={
        **ADMIN,
        404: {"description": "merchant_not_found"},
        409: {"description": "insufficient_payable_balance"},
        422: {"description": "invalid_payout / money_precision / unsupported_currency"},
    },
)
def create_payout(body: PayoutCreate, admin: PlatformAdmin, container: App) -> PayoutRead:
    cmd = services.CreatePayout(
        merchant_id=body.merchant_id, amount=body.amount.money(), actor=_actor(admin),
        memo=body.memo,
    )  # fmt: skip
    return PayoutRead.of(services.create_payout(cmd, uow=container.uow()))


@router.get("/admin/payouts", summary="Payouts, newest first", responses=ADMIN)
def list_payouts(
    _: PlatformAdmin,
    container: App,
    merchant_id: Annotated[str | None, Query(max_length=40)] = None,
    payout_status: Annotated[PayoutStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> PayoutPage:
    before = cursor_key("payouts", cursor, id=str)
    page = queries.list_payouts(
        container.engine, merchant_id=merchant_id, status=payout_status, limit=limit,
        before=before["id"] if before else None,
    )  # fmt: skip
    last = page.items[-1] if page.has_more else None
    return PayoutPage(
        items=[PayoutRead.of(p) for p in page.items],
        next_cursor=next_cursor("payouts", id=last.id) if last else None,
    )


@router.get(
    "/admin/payouts/{payout_id}", summary="One payout", responses={**ADMIN, **_PAYOUT_NOT_FOUND}
)
def get_payout(payout_id: str, _: PlatformAdmin, container: App) -> PayoutRead:
    payout = queries.get_payout(container.engine, payout_id)
    if payout is None:
        raise PayoutNotFoundError("No such payout.", payout_id=payout_id)
    return PayoutRead.of(payout)


@router.post(
    "/admin/payouts/{payout_id}/mark-processing",
    summary="The transfer was handed to the bank or provider",
    responses={**ADMIN, **_PAYOUT_NOT_FOUND, **_TRANSITION},
)
def mark_processing(
    payout_id: str, _: PlatformAdmin, container: App, body: PayoutMark | None = None
) -> PayoutRead:
    reference = body.external_reference if body else None
    cmd = services.MovePayout(payout_id, external_reference=reference)
    return PayoutRead.of(services.mark_payout_processing(cmd, uow=container.uow()))


@router.post(
    "/admin/payouts/{payout_id}/mark-paid",
    summary="The money arrived (marking it again changes nothing)",
    responses={**ADMIN, **_PAYOUT_NOT_FOUND, **_TRANSITION},
)
def mark_paid(
    payout_id: str, _: PlatformAdmin, container: App, body: PayoutMark | None = None
) -> PayoutRead:
    reference = body.external_reference if body else None
    cmd = services.MovePayout(payout_id, external_reference=reference)
    return PayoutRead.of(services.mark_payout_paid(cmd, uow=container.uow()))


@router.post(
    "/admin/payouts/{payout_id}/mark-failed",
    summary="The transfer failed: its posting is reversed and the balance is back",
    responses={**ADMIN, **_PAYOUT_NOT_FOUND, **_TRANSITION},
)
def mark_failed(
    payout_id: str, _: PlatformAdmin, container: App, body: PayoutFail | None = None
) -> PayoutRead:
    cmd = services.MovePayout(
        payout_id,
        external_reference=body.external_reference if body else None,
        failure_reason=body.reason if body else None,
    )
    return PayoutRead.of(services.mark_payout_failed(cmd, uow=container.uow()))


# -- statements -------------------------------------------------------------------------------
@router.post(
    "/admin/settlement/statements",
    status_code=status.HTTP_201_CREATED,
    summary="Close a merchant's period: persist its statement (200 if already closed)",
    description=(
        "The period [start, end) must have ended at least five minutes ago and may not "
        "overlap another closed statement of the merchant in that currency. A closed "
        "statement never changes; closing the same period again returns it."
    ),
    responses={
        **ADMIN,
        200: {"description": "The period was closed before; the existing statement"},
        404: {"description": "merchant_not_found"},
        409: {"description": "statement_period_not_ended / statement_period_overlaps"},
        422: {"description": "invalid_statement_period / unsupported_currency"},
    },
)
def close_statement(
    body: StatementClose, admin: PlatformAdmin, container: App, response: Response
) -> StatementRead:
    cmd = services.CloseStatement(
        merchant_id=body.merchant_id, currency=body.currency, start=body.start, end=body.end,
        actor=_actor(admin),
    )  # fmt: skip
    statement, created = services.close_statement(cmd, uow=container.uow())
    if not created:
        response.status_code = status.HTTP_200_OK
    return StatementRead.of(statement)


@router.get(
    "/admin/settlement/statements/{statement_id}",
    summary="One closed statement with its lines",
    responses={**ADMIN, 404: {"description": "statement_not_found"}},
)
def get_statement(statement_id: str, _: PlatformAdmin, container: App) -> StatementRead:
    statement = queries.get_statement(container.engine, statement_id)
    if statement is None:
        raise StatementNotFoundError("No such statement.", statement_id=statement_id)
    return StatementRead.of(statement)


# -- ledger -----------------------------------------------------------------------------------
@router.get(
    "/admin/ledger/balances",
    summary="An account's balance per currency (debit positive)",
    description=(
        "Accounts: gateway:<name>, wallet, receivable:credit_terms, "
        "merchant_payable:<merchant_id>, platform:commission, bank:payouts."
    ),
    responses=ADMIN,
)
def account_balance(
    _: PlatformAdmin,
    container: App,
    account: Annotated[str, Query(min_length=1, max_length=100, examples=["platform:commission"])],
) -> AccountBalanceRead:
    balances = queries.account_balances(container.engine, account)
    return AccountBalanceRead(account=account, balances=[MoneyRead.of(m) for m in balances])
