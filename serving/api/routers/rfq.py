"""Requests for quotation: companies ask suppliers for quotes, suppliers answer, the buyer
awards one (which becomes a purchase request at the quoted prices)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from marketplace.purchasing.services import submit_purchase_request
from marketplace.purchasing.views import request_dict
from marketplace.rfq import queries, services
from marketplace.rfq.commands import AcceptQuote, CreateRfq, SubmitQuote
from marketplace.rfq.domain import RfqNotFoundError
from serving.api.company_scope import CompanyScope
from serving.api.deps import App
from serving.api.pagination import decode_cursor, encode_cursor
from serving.api.schemas.rfq import (
    JsonObject,
    QuoteAccept,
    QuoteCreate,
    RfqCreate,
    RfqSend,
    accepted_dict,
)
from serving.api.security import ApprovedMerchantScope, MerchantScope

router = APIRouter(tags=["rfq"])

_Responses = dict[int | str, dict[str, Any]]
_BUYER: _Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "company_membership_required / rfq_manager_required"},
    404: {"description": "rfq_not_found"},
}
_SUPPLIER: _Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "merchant_access_denied / merchant_not_approved"},
    404: {"description": "merchant_not_found / rfq_not_found (also when not invited)"},
}
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
Limit = Annotated[int, Query(ge=1, le=100)]
BUYER = "/b2b/companies/{company_id}/rfqs"
SUPPLIER = "/merchants/{merchant_id}/rfqs"


def _buyer_view(container: App, company_id: str, rfq_id: str) -> JsonObject:
    with container.engine.connect() as conn:
        view = queries.buyer_view(conn, company_id, rfq_id, container.clock.now())
    if view is None:
        raise RfqNotFoundError("No such RFQ.", rfq_id=rfq_id)
    return view


def _supplier_view(container: App, merchant_id: str, rfq_id: str) -> JsonObject:
    with container.engine.connect() as conn:
        view = queries.supplier_view(conn, merchant_id, rfq_id, container.clock.now())
    if view is None:
        raise RfqNotFoundError("No such RFQ.", rfq_id=rfq_id)
    return view


# -- buyer ------------------------------------------------------------------------------
@router.post(
    BUYER,
    status_code=status.HTTP_201_CREATED,
    summary="Draft an RFQ (any member)",
    responses={**_BUYER, 422: {"description": "invalid_rfq / unsupported_currency"},
               404: {"description": "location_not_found"}},
)  # fmt: skip
def create_rfq(body: RfqCreate, scope: CompanyScope, container: App) -> JsonObject:
    cmd = CreateRfq(
        company_id=scope.company_id, actor_id=scope.user_id, title=body.title,
        items=tuple(item.to_request() for item in body.items), deadline=body.deadline,
        location_id=body.location_id, currency=body.currency, notes=body.notes,
    )  # fmt: skip
    rfq = services.create_rfq(cmd, uow=container.uow())
    return _buyer_view(container, scope.company_id, rfq.id)


@router.get(BUYER, summary="The company's RFQs, newest first", responses=_BUYER)
def list_rfqs(
    scope: CompanyScope, container: App, cursor: Cursor = None, limit: Limit = 20,
    status_: Annotated[str | None, Query(alias="status")] = None,
) -> JsonObject:  # fmt: skip
    with container.engine.connect() as conn:
        items, key = queries.list_company_rfqs(
            conn, scope.company_id, status=status_, after=decode_cursor(cursor), limit=limit
        )
    return {"items": items, "next_cursor": encode_cursor(key)}


@router.get(
    BUYER + "/{rfq_id}",
    summary="An RFQ with its quotes side by side (total, lead time, validity, expiry)",
    responses=_BUYER,
)
def get_rfq(rfq_id: str, scope: CompanyScope, container: App) -> JsonObject:
    return _buyer_view(container, scope.company_id, rfq_id)


@router.post(
    BUYER + "/{rfq_id}/send",
    summary="Send the RFQ to chosen suppliers (creator or buyer admin); invitees are fixed",
    responses={**_BUYER, 409: {"description": "illegal_rfq_transition / rfq_deadline_passed"},
               422: {"description": "supplier_not_eligible / invalid_rfq"}},
)  # fmt: skip
def send_rfq(rfq_id: str, body: RfqSend, scope: CompanyScope, container: App) -> JsonObject:
    services.send_rfq(scope.company_id, rfq_id, actor_id=scope.user_id,
                      supplier_ids=body.supplier_ids, uow=container.uow())  # fmt: skip
    return _buyer_view(container, scope.company_id, rfq_id)


@router.post(
    BUYER + "/{rfq_id}/cancel",
    summary="Close the RFQ without award (creator or buyer admin); open quotes are declined",
    responses={**_BUYER, 409: {"description": "rfq_closed"}},
)
def cancel_rfq(rfq_id: str, scope: CompanyScope, container: App) -> JsonObject:
    services.cancel_rfq(scope.company_id, rfq_id, actor_id=scope.user_id, uow=container.uow())
    return _buyer_view(container, scope.company_id, rfq_id)


@router.post(
    BUYER + "/{rfq_id}/quotes/{quote_id}/accept",
    summary="Award the RFQ to a quote: a purchase request at the quoted prices",
    responses={**_BUYER, 404: {"description": "rfq_not_found / quote_not_found"},
               409: {"description": "quote_expired / rfq_closed / quote_not_open"}},
)  # fmt: skip
def accept_quote(
    rfq_id: str, quote_id: str, scope: CompanyScope, container: App,
    body: QuoteAccept | None = None,
) -> JsonObject:  # fmt: skip
    cmd = AcceptQuote(scope.company_id, rfq_id, quote_id, actor_id=scope.user_id)
    accepted = services.accept_quote(cmd, uow=container.uow())
    request = services.purchase_request_for(
        accepted, requester_id=accepted.accepted_by,
        payment_method=(body or QuoteAccept()).payment_method,
    )  # fmt: skip
    # The purchase request's idempotency key is the quote's: an accept replayed after a
    # crash between the award and the request orders once.
    placed = submit_purchase_request(request, uow=container.uow(), placement=container.placement)
    return {"accepted_quote": accepted_dict(accepted), "purchase_request": request_dict(placed)}


# -- supplier ---------------------------------------------------------------------------
@router.get(SUPPLIER, summary="RFQs the merchant was invited to, newest first",
            responses=_SUPPLIER)  # fmt: skip
def list_invitations(
    scope: MerchantScope, container: App, cursor: Cursor = None, limit: Limit = 20
) -> JsonObject:
    with container.engine.connect() as conn:
        items, key = queries.list_supplier_rfqs(
            conn, scope.merchant_id, after=decode_cursor(cursor), limit=limit
        )
    return {"items": items, "next_cursor": encode_cursor(key)}


@router.get(SUPPLIER + "/{rfq_id}", summary="An RFQ the merchant was invited to, with its quotes",
            responses=_SUPPLIER)  # fmt: skip
def get_invitation(rfq_id: str, scope: MerchantScope, container: App) -> JsonObject:
    return _supplier_view(container, scope.merchant_id, rfq_id)


@router.post(
    SUPPLIER + "/{rfq_id}/quotes",
    status_code=status.HTTP_201_CREATED,
    summary="Quote the RFQ, or revise your quote (until the deadline)",
    responses={**_SUPPLIER, 409: {"description": "rfq_closed / rfq_deadline_passed"},
               422: {"description": "invalid_quote / invalid_quote_sku"}},
)  # fmt: skip
def submit_quote(
    rfq_id: str, body: QuoteCreate, scope: ApprovedMerchantScope, container: App
) -> JsonObject:
    cmd = SubmitQuote(rfq_id=rfq_id, merchant_id=scope.merchant_id,
                      lines=tuple(line.to_request() for line in body.lines),
                      valid_until=body.valid_until, notes=body.notes)  # fmt: skip
    quote = services.submit_quote(cmd, uow=container.uow())
    return queries.quote_dict(quote, container.clock.now())


@router.post(
    SUPPLIER + "/{rfq_id}/quotes/{quote_id}/withdraw",
    summary="Withdraw your open quote",
    responses={**_SUPPLIER, 404: {"description": "rfq_not_found / quote_not_found"},
               409: {"description": "quote_not_open"}},
)  # fmt: skip
def withdraw_quote(
    rfq_id: str, quote_id: str, scope: ApprovedMerchantScope, container: App
) -> JsonObject:
    quote = services.withdraw_quote(scope.merchant_id, rfq_id, quote_id, uow=container.uow())
    return queries.quote_dict(quote, container.clock.now())
