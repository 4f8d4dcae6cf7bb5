"""The B2B buyer's pages (see docs/adr/0016): the procurement chat, the approvals inbox and
the company's purchase requests with the orders they placed.

The chat page is a shell: ``static/b2b-chat.js`` talks to the procurement chat API
(``/api/v1/procurement/conversations``, Server-Sent Events) with the session cookie, so
a confirmation is the buyer's own click carrying the hash of the draft they were shown
(docs/adr/0015). A reload renders the conversation's stored view. Only members of a
company reach these pages; approvals only its approvers and buyer admins; a conversation
only its own buyer (``not_your_conversation``), as in the API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from marketplace.bootstrap import Marketplace
from marketplace.companies.domain import CompanyRoleRequiredError
from marketplace.procurement import queries as procurement_queries
from marketplace.procurement import services as procurement_services
from marketplace.purchasing import queries, services
from marketplace.purchasing.domain import PurchaseRequestNotFoundError, RequestStatus
from marketplace.purchasing.views import event_dict, request_dict
from marketplace.shared.errors import ValidationError
from serving.api.routers.procurement_chat import chat_of
from serving.web.frame import PageContext, SignedIn, Viewer, redirect, render
from serving.web.messages.b2b import MESSAGES

router = APIRouter(include_in_schema=False, tags=["web"])
APPROVER_ROLES = ("approver", "buyer_admin")
STATUSES = frozenset(s.value for s in RequestStatus)
JS_TEXTS = "b2b.js."
Json = dict[str, Any]


def _member(ctx: PageContext) -> tuple[Viewer, str] | None:
    viewer = ctx.viewer
    if viewer is None or viewer.company_id is None:
        return None
    return viewer, viewer.company_id


def _outsider(ctx: PageContext) -> HTMLResponse:
    """A signed-in user who belongs to no company: say so, with a way onwards."""
    return render(ctx, "b2b/not_member.html", status_code=403)


def _require_approver(viewer: Viewer) -> None:
    if viewer.company_role not in APPROVER_ROLES:
        raise CompanyRoleRequiredError(
            "Only the company's approvers and buyer admins see approvals.",
            required=list(APPROVER_ROLES),
        )


def _names(app: Marketplace, user_ids: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    with app.uow() as uow:
        for user_id in user_ids:
            user = uow.users.get(user_id)
            names[user_id] = (user.display_name or user.email) if user else user_id
    return names


@router.get("/b2b")
def home(ctx: SignedIn) -> Response:
    return redirect("/b2b/chat")


# -- the procurement chat -----------------------------------------------------------------
@router.get("/b2b/chat", response_class=HTMLResponse)
def chat(ctx: SignedIn) -> Response:
    return _chat_page(ctx, None)


@router.get("/b2b/chat/{conversation_id}", response_class=HTMLResponse)
def conversation(ctx: SignedIn, conversation_id: str) -> Response:
    return _chat_page(ctx, conversation_id)


def _chat_page(ctx: PageContext, conversation_id: str | None) -> Response:
    member = _member(ctx)
    if member is None:
        return _outsider(ctx)
    viewer, company_id = member
    app = ctx.container
    view: Json = {"id": None, "locale": ctx.locale, "messages": [], "pending_confirmation": None}
    if conversation_id is not None:  # not the viewer's: 403 not_your_conversation
        view = chat_of(ctx.request).view(conversation_id, viewer.user_id)
    pending = _with_lead_times(app, view["pending_confirmation"], viewer.user_id)
    with app.uow() as uow:
        locations = {x.id: x.name for x in uow.companies.locations(company_id)}
    with app.engine.connect() as conn:
        recent = procurement_queries.conversations_of(conn, viewer.user_id, limit=10)
    state = {
        "conversation_id": view["id"], "company_id": company_id, "locale": view["locale"],
        "messages": view["messages"], "pending": pending,
        "locations": locations, "lang": ctx.locale,
        "texts": {k.removeprefix(JS_TEXTS): ctx.t(k) for k in MESSAGES if k.startswith(JS_TEXTS)},
    }  # fmt: skip
    return render(ctx, "b2b/chat.html", {"state": state, "recent": recent,
                                         "current": view["id"]})  # fmt: skip


def _with_lead_times(app: Marketplace, pending: Json | None, buyer_id: str) -> Json | None:
    """The pending confirmation with each line's lead time (the offer's, else its supplier's
    region's, from the draft priced now), which the card shows after a reload as it does
    when the draft is made in the page (from the draft tools' results)."""
    if not pending or not pending.get("draft_id"):
        return pending
    quote = procurement_services.quote_draft(pending["draft_id"], user_id=buyer_id,
                                             uow=app.uow())  # fmt: skip
    leads = {ln.offer_id: ln.lead_time_days for ln in quote.lines}
    lines = [{**ln, "lead_time_days": leads.get(ln.get("offer_id", ""))}
             for ln in pending.get("lines") or []]  # fmt: skip
    return {**pending, "lines": lines}


# -- approvals ---------------------------------------------------------------------------
@router.get("/b2b/approvals", response_class=HTMLResponse)
def approvals(ctx: SignedIn) -> Response:
    member = _member(ctx)
    if member is None:
        return _outsider(ctx)
    viewer, company_id = member
    _require_approver(viewer)
    app = ctx.container
    with app.engine.connect() as conn:
        waiting = queries.awaiting(conn, company_id, viewer.user_id)
        decided = queries.decided_by(conn, company_id, viewer.user_id)
    with app.uow() as uow:
        details = [uow.purchase_requests.get(r["id"]) for r in waiting]
    requests = [request_dict(r) for r in details if r is not None]
    names = _names(app, {r["requester_id"] for r in [*requests, *decided]})
    return render(ctx, "b2b/approvals.html", {"waiting": requests, "decided": decided,
                                              "names": names})  # fmt: skip


@router.post("/b2b/approvals/{request_id}", response_class=HTMLResponse)
async def decide(
    ctx: SignedIn,
    request_id: str,
    decision: Annotated[str, Form(max_length=20)],
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """An approver's decision (htmx): the row becomes the decided request."""
    member = _member(ctx)
    if member is None:
        return _outsider(ctx)
    viewer, company_id = member
    _require_approver(viewer)
    if decision not in ("approve", "reject"):
        raise ValidationError("The decision is approve or reject.", code="invalid_decision")
    app = ctx.container
    request = await run_in_threadpool(
        services.decide_and_place, request_id, company_id=company_id, actor_id=viewer.user_id,
        decision=decision, reason=comment.strip(), uow=app.uow(), placement=app.placement,
    )  # fmt: skip
    headers = {"HX-Retarget": f"#pr-{request.id}", "HX-Reswap": "outerHTML"}
    return render(ctx, "b2b/_decided.html", {"r": request_dict(request), "decision": decision,
                                             "comment": comment.strip()},
                  headers=headers)  # fmt: skip


# -- purchase requests and their orders ------------------------------------------------
@router.get("/b2b/orders", response_class=HTMLResponse)
def orders(ctx: SignedIn, status: str | None = None) -> Response:
    member = _member(ctx)
    if member is None:
        return _outsider(ctx)
    _viewer, company_id = member
    app = ctx.container
    with app.engine.connect() as conn:
        rows = queries.list_requests(conn, company_id, status=status or None, limit=100)
    with app.uow() as uow:
        placed = {r["id"]: uow.purchase_requests.get(r["id"]) for r in rows}
    order_ids = {k: list(v.order_ids) if v else [] for k, v in placed.items()}
    names = _names(app, {r["requester_id"] for r in rows})
    return render(ctx, "b2b/orders.html", {"rows": rows, "order_ids": order_ids, "names": names,
                                           "status": status or ""})  # fmt: skip


@router.get("/b2b/orders/{request_id}", response_class=HTMLResponse)
def order_detail(ctx: SignedIn, request_id: str) -> Response:
    member = _member(ctx)
    if member is None:
        return _outsider(ctx)
    _viewer, company_id = member
    app = ctx.container
    with app.uow() as uow:
        request = uow.purchase_requests.get(request_id)
        if request is None or request.company_id != company_id:
            raise PurchaseRequestNotFoundError("No such purchase request.")
        trail = [event_dict(e) for e in uow.purchase_requests.events(request_id)]
        placed = [o for o in (uow.orders.get(i) for i in request.order_ids) if o is not None]
        location = uow.companies.get_location(request.location_id)
    r = request_dict(request)
    deciders = {s["decided_by"] for s in r["steps"] if s["decided_by"]}
    names = _names(app, {request.requester_id, *deciders})
    merchants = {o.merchant_id for o in placed}
    return render(ctx, "b2b/order.html", {
        "r": r, "trail": trail, "orders": placed, "names": names,
        "location": location.name if location else request.location_id,
        "merchants": _merchant_names(app, merchants), "STATUSES": STATUSES,
    })  # fmt: skip


def _merchant_names(app: Marketplace, merchant_ids: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    with app.uow() as uow:
        for merchant_id in merchant_ids:
            merchant = uow.merchants.get(merchant_id)
            names[merchant_id] = merchant.name if merchant else merchant_id
    return names
