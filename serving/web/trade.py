"""The B2B buyer's documents: RFQs and quotes, invoices and credit (see docs/adr/0016).

For members of a company only (anyone else gets a page that says so). The RFQ pages call
the rfq services as ``/api/v1/b2b/companies/{id}/rfqs`` does: a draft, sent to suppliers,
quotes compared side by side, and an accepted quote submitted as a purchase request at the
quoted prices (ordered at once, or waiting for approval, as the company's rules say).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from marketplace.bootstrap import Marketplace
from marketplace.parties.adapters.tables import merchants
from marketplace.purchasing import queries as purchasing_queries
from marketplace.purchasing.services import submit_purchase_request
from marketplace.purchasing.views import request_dict
from marketplace.rfq import queries as rfq_queries
from marketplace.rfq import services as rfqs
from marketplace.rfq.commands import AcceptQuote, CreateRfq, ItemRequest
from marketplace.rfq.domain import RfqNotFoundError
from marketplace.shared.errors import DomainError, ValidationError
from serving.web.frame import PageContext, SignedIn, redirect, render
from serving.web.messages import MESSAGES

router = APIRouter(include_in_schema=False, tags=["web"])
ITEM_ROWS = 3
INVOICE_FILTERS = ("open", "overdue", "paid", "void")


# Membership is checked in each route: a reader of no company gets a page that says so.
Member = SignedIn


def _no_company(ctx: PageContext) -> Response:
    return render(ctx, "trade/no_company.html", status_code=403)


def _problem(ctx: PageContext, error: DomainError) -> str:
    key = f"trade.error.{error.code}"
    own = ctx.t(key) if key in MESSAGES else ctx.t("trade.error.refused")
    return f"{own} ({error.message})"


def _may_manage(ctx: PageContext, rfq: Mapping[str, Any]) -> bool:
    viewer = ctx.viewer
    assert viewer is not None
    return viewer.company_role == "buyer_admin" or rfq.get("created_by") == viewer.user_id


# -- lists and forms ---------------------------------------------------------------------------
def _suppliers(container: Marketplace) -> list[dict[str, str]]:
    """Approved suppliers (merchants of kind ``supplier``), for the invitation list;
    third-party merchants can be invited by id."""
    m = merchants.c
    query = (select(m.id, m.name).where(m.status == "approved", m.kind == "supplier")
             .order_by(m.name, m.id).limit(100))  # fmt: skip
    with container.engine.connect() as conn:
        return [{"id": r.id, "name": r.name} for r in conn.execute(query)]


def _rfqs_page(container: Marketplace, company_id: str) -> dict[str, Any]:
    with container.engine.connect() as conn:
        items, _ = rfq_queries.list_company_rfqs(conn, company_id, limit=50)
    with container.uow() as uow:
        locations = [{"id": loc.id, "name": loc.name, "city": loc.address.city}
                     for loc in uow.companies.locations(company_id)]  # fmt: skip
    return {"rfqs": items, "locations": locations, "suppliers": _suppliers(container)}


async def _rfqs(
    ctx: PageContext, *, form: Mapping[str, Any] | None = None, error: str | None = None,
    status: int = 200, template: str = "trade/rfqs.html",
) -> Response:  # fmt: skip
    assert ctx.viewer is not None
    assert ctx.viewer.company_id is not None
    values = await run_in_threadpool(_rfqs_page, ctx.container, ctx.viewer.company_id)
    values |= {"form": form or {}, "error": error, "item_rows": range(1, ITEM_ROWS + 1)}
    return render(ctx, template, values, status_code=status)


@router.get("/b2b/rfqs", response_class=HTMLResponse)
async def rfqs_page(ctx: Member) -> Response:
    if ctx.viewer is None or ctx.viewer.company_id is None:
        return _no_company(ctx)
    return await _rfqs(ctx)


def _items(form: Mapping[str, str]) -> tuple[ItemRequest, ...]:
    items = []
    for n in range(1, ITEM_ROWS + 1):
        spec, qty = form.get(f"spec_{n}", "").strip(), form.get(f"qty_{n}", "").strip()
        if not spec and not qty:
            continue
        if not qty.isdigit() or not 1 <= int(qty) <= 1_000_000:
            raise ValidationError(f"Item {n}: a quantity from 1 to 1000000.",
                                  code="invalid_quantity", item_no=n)  # fmt: skip
        unit = form.get(f"unit_{n}", "").strip() or "pcs"
        items.append(ItemRequest(quantity=int(qty), unit=unit[:20], spec=spec))
    if not items:
        raise ValidationError("Name at least one item.", code="no_items")
    return tuple(items)


def _deadline(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError("A deadline is a date and time.", code="invalid_deadline") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _supplier_ids(form: Mapping[str, Any], listed: list[str]) -> list[str]:
    typed = [s.strip() for s in str(form.get("other_suppliers", "")).replace(",", " ").split()]
    return list(dict.fromkeys([*listed, *(s for s in typed if s)]))[:50]


def _create_and_send(
    container: Marketplace, cmd: CreateRfq, supplier_ids: list[str]
) -> tuple[str, DomainError | None]:
    """The new RFQ's id, and why sending it failed (it then stays a draft)."""
    rfq = rfqs.create_rfq(cmd, uow=container.uow())
    if not supplier_ids:
        return rfq.id, None
    try:
        rfqs.send_rfq(cmd.company_id, rfq.id, actor_id=cmd.actor_id, supplier_ids=supplier_ids,
                      uow=container.uow())  # fmt: skip
    except DomainError as exc:
        return rfq.id, exc
    return rfq.id, None


@router.post("/b2b/rfqs", response_class=HTMLResponse)
async def create_rfq(ctx: Member, request: Request) -> Response:
    viewer = ctx.viewer
    if viewer is None or viewer.company_id is None:
        return _no_company(ctx)
    raw = await request.form()
    listed = [v for v in raw.getlist("supplier_ids") if isinstance(v, str) and v]
    form = {k: v for k, v in raw.items() if isinstance(v, str) and len(v) <= 4000}
    try:
        cmd = CreateRfq(
            company_id=viewer.company_id, actor_id=viewer.user_id,
            title=form.get("title", ""), items=_items(form),
            deadline=_deadline(form.get("deadline", "")),
            location_id=form.get("location_id", ""), notes=form.get("notes", ""),
        )  # fmt: skip
        rfq_id, failed = await run_in_threadpool(
            _create_and_send, ctx.container, cmd, _supplier_ids(form, listed)
        )
    except DomainError as exc:
        form_values = {**form, "supplier_ids": listed}
        return await _rfqs(ctx, form=form_values, error=_problem(ctx, exc), status=422,
                           template="trade/_rfq_form.html")  # fmt: skip
    suffix = f"?send_failed={failed.code}" if failed else ""
    return redirect(f"/b2b/rfqs/{rfq_id}{suffix}", request)


# -- one RFQ -------------------------------------------------------------------------------------
def _detail(container: Marketplace, company_id: str, rfq_id: str) -> dict[str, Any]:
    with container.engine.connect() as conn:
        view = rfq_queries.buyer_view(conn, company_id, rfq_id, container.clock.now())
    if view is None:
        raise RfqNotFoundError("No such RFQ.", rfq_id=rfq_id)
    with container.uow() as uow:
        location = uow.companies.get_location(view["location_id"])
    return {"rfq": view, "location": location, "suppliers": _suppliers(container)}


async def _rfq(
    ctx: PageContext, rfq_id: str, *, template: str = "trade/_rfq.html", status: int = 200,
    **extra: Any,
) -> Response:  # fmt: skip
    assert ctx.viewer is not None
    assert ctx.viewer.company_id is not None
    values = await run_in_threadpool(_detail, ctx.container, ctx.viewer.company_id, rfq_id)
    values |= {"may_manage": _may_manage(ctx, values["rfq"]), "error": None, "accepted": None,
               "notice": None, **extra}  # fmt: skip
    return render(ctx, template, values, status_code=status)


@router.get("/b2b/rfqs/{rfq_id}", response_class=HTMLResponse)
async def rfq_page(
    rfq_id: str, ctx: Member, send_failed: Annotated[str | None, Query(max_length=60)] = None
) -> Response:
    if ctx.viewer is None or ctx.viewer.company_id is None:
        return _no_company(ctx)
    error = None
    if send_failed:
        key = f"trade.error.{send_failed}"
        error = ctx.t("trade.rfq.not_sent") + " " + (ctx.t(key) if key in MESSAGES else "")
    return await _rfq(ctx, rfq_id, template="trade/rfq.html", error=error)


@router.post("/b2b/rfqs/{rfq_id}/send", response_class=HTMLResponse)
async def send_rfq(rfq_id: str, ctx: Member, request: Request) -> Response:
    viewer = ctx.viewer
    if viewer is None or viewer.company_id is None:
        return _no_company(ctx)
    raw = await request.form()
    listed = [v for v in raw.getlist("supplier_ids") if isinstance(v, str) and v]
    ids = _supplier_ids({"other_suppliers": raw.get("other_suppliers") or ""}, listed)
    try:
        await run_in_threadpool(
            lambda: rfqs.send_rfq(
                viewer.company_id or "",
                rfq_id,
                actor_id=viewer.user_id,
                supplier_ids=ids,
                uow=ctx.container.uow(),
            )
        )
    except DomainError as exc:
        if isinstance(exc, RfqNotFoundError):
            raise
        return await _rfq(ctx, rfq_id, error=_problem(ctx, exc), status=422)
    return await _rfq(ctx, rfq_id, notice=ctx.t("trade.rfq.sent_notice", count=len(ids)))


@router.post("/b2b/rfqs/{rfq_id}/cancel", response_class=HTMLResponse)
async def cancel_rfq(rfq_id: str, ctx: Member) -> Response:
    viewer = ctx.viewer
    if viewer is None or viewer.company_id is None:
        return _no_company(ctx)
    try:
        await run_in_threadpool(
            lambda: rfqs.cancel_rfq(
                viewer.company_id or "", rfq_id, actor_id=viewer.user_id, uow=ctx.container.uow()
            )
        )
    except DomainError as exc:
        if isinstance(exc, RfqNotFoundError):
            raise
        return await _rfq(ctx, rfq_id, error=_problem(ctx, exc), status=409)
    return await _rfq(ctx, rfq_id, notice=ctx.t("trade.rfq.cancelled_notice"))


def _accept(container: Marketplace, cmd: AcceptQuote) -> dict[str, Any]:
    """As ``POST .../quotes/{id}/accept``: the award, then its purchase request."""
    accepted = rfqs.accept_quote(cmd, uow=container.uow())
    request = rfqs.purchase_request_for(accepted, requester_id=accepted.accepted_by,
                                        payment_method="credit_terms")  # fmt: skip
    placed = submit_purchase_request(request, uow=container.uow(), placement=container.placement)
    return request_dict(placed)


@router.post("/b2b/rfqs/{rfq_id}/quotes/{quote_id}/accept", response_class=HTMLResponse)
async def accept_quote(rfq_id: str, quote_id: str, ctx: Member) -> Response:
    viewer = ctx.viewer
    if viewer is None or viewer.company_id is None:
        return _no_company(ctx)
    cmd = AcceptQuote(viewer.company_id, rfq_id, quote_id, actor_id=viewer.user_id)
    try:
        placed = await run_in_threadpool(_accept, ctx.container, cmd)
    except DomainError as exc:
        if isinstance(exc, RfqNotFoundError):
            raise
        return await _rfq(ctx, rfq_id, error=_problem(ctx, exc), status=409)
    return await _rfq(ctx, rfq_id, accepted=placed)


# -- invoices and credit -------------------------------------------------------------------------
def _invoices(container: Marketplace, company_id: str, shown: str | None) -> dict[str, Any]:
    now = container.clock.now()
    status = shown if shown in ("open", "paid", "void") else None
    with container.engine.connect() as conn:
        credit = purchasing_queries.credit_line(conn, company_id)
        found = purchasing_queries.company_invoices(conn, company_id, now=now, status=status,
                                                    overdue_only=shown == "overdue")  # fmt: skip
    for invoice in found:
        invoice["due"] = datetime.fromisoformat(invoice["due_at"])
        invoice["issued"] = datetime.fromisoformat(invoice["issued_at"])
        invoice["days_left"] = (invoice["due"].date() - now.date()).days
    return {"credit": credit, "invoices": found, "shown": shown or "", "now": now}


@router.get("/b2b/invoices", response_class=HTMLResponse)
async def invoices_page(
    ctx: Member, status: Annotated[str | None, Query(max_length=10)] = None
) -> Response:
    if ctx.viewer is None or ctx.viewer.company_id is None:
        return _no_company(ctx)
    shown = status if status in INVOICE_FILTERS else None
    values = await run_in_threadpool(_invoices, ctx.container, ctx.viewer.company_id, shown)
    return render(ctx, "trade/invoices.html", {**values, "filters": INVOICE_FILTERS})
