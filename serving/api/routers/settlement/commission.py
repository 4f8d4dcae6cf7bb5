"""Platform admins maintain the commission rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from marketplace.settlement import queries, services
from marketplace.settlement.domain import CommissionRuleNotFoundError, CommissionScope
from serving.api.deps import App
from serving.api.routers.settlement.common import (
    ADMIN,
    Cursor,
    Limit,
    Responses,
    cursor_key,
    next_cursor,
)
from serving.api.schemas.settlement import (
    CommissionRuleCreate,
    CommissionRulePage,
    CommissionRuleRead,
    CommissionRuleUpdate,
)
from serving.api.security import PlatformAdmin

router = APIRouter(tags=["settlement admin"])

_VALIDATION: Responses = {
    422: {
        "description": "invalid_commission_rate / invalid_commission_limit / "
        "invalid_effective_period / invalid_commission_scope / unknown_commission_scope / "
        "money_precision / unsupported_currency / request_validation_failed"
    }
}
_NOT_FOUND: Responses = {404: {"description": "commission_rule_not_found"}}


@router.get(
    "/admin/commission-rules",
    summary="Commission rules in creation order",
    responses=ADMIN,
)
def list_rules(
    _: PlatformAdmin,
    container: App,
    scope: Annotated[CommissionScope | None, Query()] = None,
    scope_id: Annotated[str | None, Query(max_length=40)] = None,
    include_archived: Annotated[bool, Query(description="Also deleted rules")] = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> CommissionRulePage:
    after = cursor_key("rules", cursor, id=str)
    page = queries.list_commission_rules(
        container.engine, scope=scope, scope_id=scope_id, include_archived=include_archived,
        limit=limit, after=after["id"] if after else None,
    )  # fmt: skip
    last = page.items[-1] if page.has_more else None
    return CommissionRulePage(
        items=[CommissionRuleRead.of(rule) for rule in page.items],
        next_cursor=next_cursor("rules", id=last.id) if last else None,
    )


@router.post(
    "/admin/commission-rules",
    status_code=status.HTTP_201_CREATED,
    summary="Add a rule: the platform default, a category's or a merchant's rate",
    description=(
        "Matching: the merchant's rule, else the nearest category's (leaf to root), else "
        "the platform default; within one target the rule that started last wins. "
        "Commission = amount x rate, rounded half-up, then floor and cap in the line's "
        "currency, never above the line."
    ),
    responses={**ADMIN, **_VALIDATION},
)
def create_rule(body: CommissionRuleCreate, _: PlatformAdmin, container: App) -> CommissionRuleRead:
    cmd = services.CreateCommissionRule(
        scope=body.scope, rate=body.rate, scope_id=body.scope_id, floors=body.floor_money(),
        caps=body.cap_money(), is_active=body.is_active, effective_from=body.effective_from,
        effective_to=body.effective_to, note=body.note,
    )  # fmt: skip
    return CommissionRuleRead.of(services.create_commission_rule(cmd, uow=container.uow()))


@router.get(
    "/admin/commission-rules/{rule_id}",
    summary="One rule (deleted ones too, since frozen commissions name them)",
    responses={**ADMIN, **_NOT_FOUND},
)
def get_rule(rule_id: str, _: PlatformAdmin, container: App) -> CommissionRuleRead:
    rule = queries.get_commission_rule(container.engine, rule_id)
    if rule is None:
        raise CommissionRuleNotFoundError("No such commission rule.", rule_id=rule_id)
    return CommissionRuleRead.of(rule)


@router.patch(
    "/admin/commission-rules/{rule_id}",
    summary="Change a rule; commissions already frozen on orders keep their figures",
    responses={**ADMIN, **_NOT_FOUND, **_VALIDATION},
)
def update_rule(
    rule_id: str, body: CommissionRuleUpdate, _: PlatformAdmin, container: App
) -> CommissionRuleRead:
    cmd = services.UpdateCommissionRule(rule_id, body.changes())
    return CommissionRuleRead.of(services.update_commission_rule(cmd, uow=container.uow()))


@router.delete(
    "/admin/commission-rules/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a rule: it stops matching (the row stays for frozen commissions)",
    responses={**ADMIN, **_NOT_FOUND},
)
def delete_rule(rule_id: str, _: PlatformAdmin, container: App) -> Response:
    services.archive_commission_rule(rule_id, uow=container.uow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
