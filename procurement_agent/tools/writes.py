"""The write tools, through ``marketplace.procurement.services`` only: a draft is created
(or edited into a new version) and frozen at once, so what the buyer is shown has a
content hash; placing takes the draft id alone and the core decides ordered or pending
approval. Confirming is never a tool: it is the buyer's own action (serving)."""

from __future__ import annotations

from datetime import date
from typing import Any

from marketplace.procurement import services
from marketplace.procurement.commands import CreateDraft, DraftSpec, EditDraft
from marketplace.procurement.domain import Draft, DraftLine, DraftStatus
from procurement_agent.tool_specs import (
    CreateDraftArgs,
    PlaceOrderArgs,
    SubmitForApprovalArgs,
    UpdateDraftArgs,
)
from procurement_agent.tools.context import ToolContext, ToolInputError, money
from procurement_agent.tools.reads import meets, priced_offers

ACTOR = "agent"


def create_draft(ctx: ToolContext, args: CreateDraftArgs) -> dict[str, Any]:
    location = ctx.location(args.delivery_location)
    spec = DraftSpec(location.id, (DraftLine(args.offer_id, args.quantity),),
                     deadline=args.deadline)  # fmt: skip
    draft = services.create_draft(CreateDraft(ctx.conversation_id, ctx.buyer_id, spec),
                                  uow=ctx.app.uow(), actor=ACTOR)  # fmt: skip
    return draft_result(ctx, _frozen(ctx, draft))


def update_draft(ctx: ToolContext, args: UpdateDraftArgs) -> dict[str, Any]:
    draft = services.get_draft(args.draft_id, user_id=ctx.buyer_id, uow=ctx.app.uow())
    _check_conversation(ctx, draft)
    line = draft.lines[0]
    changed = DraftLine(args.offer_id or line.offer_id, args.quantity or line.quantity)
    deadline: date | None = args.deadline or draft.deadline
    spec = DraftSpec(draft.location_id, (changed, *draft.lines[1:]), deadline=deadline,
                     cost_centre_id=draft.cost_centre_id, payment_method=draft.payment_method,
                     note=draft.note)  # fmt: skip
    edited = services.edit_draft(EditDraft(draft.id, ctx.buyer_id, spec), uow=ctx.app.uow(),
                                 actor=ACTOR)  # fmt: skip
    return draft_result(ctx, _frozen(ctx, edited))


def place_order(ctx: ToolContext, args: PlaceOrderArgs | SubmitForApprovalArgs) -> dict[str, Any]:
    """Both placing tools: ``place_draft`` refuses a draft the buyer has not confirmed and
    turns an order over a limit into an approval request; a placed draft is returned as
    recorded (a retry never buys twice)."""
    draft = services.get_draft(args.draft_id, user_id=ctx.buyer_id, uow=ctx.app.uow())
    _check_conversation(ctx, draft)
    placed = services.place_draft(draft.id, user_id=ctx.buyer_id, uow=ctx.app.uow(),
                                  placement=ctx.app.placement, actor=ACTOR)  # fmt: skip
    return order_result(ctx, placed)


def order_result(ctx: ToolContext, draft: Draft) -> dict[str, Any]:
    content = draft.content or {}
    total = {"amount": content.get("total", "0"), "currency": content.get("currency", "CNY")}
    result: dict[str, Any] = {
        "draft_id": draft.id, "purchase_request_id": draft.purchase_request_id,
        "order_ids": [], "total": total, "approval_reasons": [],
    }  # fmt: skip
    if draft.purchase_request_id:
        with ctx.app.uow() as uow:
            request = uow.purchase_requests.get(draft.purchase_request_id)
        if request is not None:
            result["order_ids"] = list(request.order_ids)
            result["approval_reasons"] = list(request.approval_reasons)
            result["total"] = money(request.total)
    if draft.status is DraftStatus.ORDERED:
        return {"status": "ordered", **result}
    if draft.status is DraftStatus.SUBMITTED_FOR_APPROVAL:
        return {"status": "submitted_for_approval", **result}
    message = draft.failure_code or f"The draft is {draft.status.value}."
    return {"status": "failed", **result, "message": message}


def draft_result(ctx: ToolContext, draft: Draft) -> dict[str, Any]:
    """The draft as ``DraftResult``: the frozen content's prices, with the landed price
    and lead time of the offer at the location."""
    content = draft.content or {}
    [line] = content.get("lines", [{}])[:1] or [{}]
    first = draft.lines[0]
    location = ctx.location(location_id=draft.location_id)
    hits = priced_offers(ctx, [first.offer_id], first.quantity, country=location.address.country,
                         region=location.address.region)  # fmt: skip
    hit = hits.get(first.offer_id)
    currency = content.get("currency") or ctx.currency()
    unit = {"amount": line.get("unit_price", "0"), "currency": currency}
    total = {"amount": content.get("total", "0"), "currency": currency}
    return {
        "draft_id": draft.id, "status": draft.status.value, "content_hash": draft.content_hash,
        "offer_id": first.offer_id, "supplier_id": hit.merchant_id if hit else "",
        "supplier_name": hit.supplier_name if hit else "", "title": hit.title if hit else "",
        "quantity": first.quantity, "unit_price": unit,
        "landed_unit_price": money(hit.landed_unit_price) if hit else unit,
        "total": money(hit.landed_total) if hit and hit.quantity == first.quantity else total,
        "lead_time_days": hit.lead_time_days if hit else None,
        "deadline": draft.deadline.isoformat() if draft.deadline else None,
        "meets_deadline": meets(ctx.today, hit.lead_time_days if hit else None, draft.deadline),
        "delivery_location": location.address.city or location.name,
    }  # fmt: skip


def _frozen(ctx: ToolContext, draft: Draft) -> Draft:
    return services.request_confirmation(draft.id, user_id=ctx.buyer_id, uow=ctx.app.uow(),
                                         actor=ACTOR)  # fmt: skip


def _check_conversation(ctx: ToolContext, draft: Draft) -> None:
    if draft.conversation_id != ctx.conversation_id:
        raise ToolInputError("No such draft in this conversation.", code="draft_not_found")
