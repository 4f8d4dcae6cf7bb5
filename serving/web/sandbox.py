"""The sandbox gateway's hosted pay page: what Alipay's or WeChat Pay's cashier would be
(``templates/store/sandbox_cashier.html``, in the site's frame).

The buyer (or a test) chooses what happens: pay, fail, close unpaid, let it time out,
get the notification twice, or get a cancel and then a capture (out of order). The
signed notifications are then delivered asynchronously to our own notify endpoint's
handler, exactly as a vendor would post them.
"""

from __future__ import annotations

import html
import logging
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from marketplace.payments.adapters.sandbox import SandboxGateway
from marketplace.payments.adapters.sandbox_sim import (
    SandboxDelivery,
    SandboxOutcome,
    SandboxSimulator,
)
from marketplace.payments.services import process_refund, receive_notification
from marketplace.shared.errors import DomainError, NotFoundError
from serving.api.deps import App
from serving.web.frame import Page, render

router = APIRouter(prefix="/sandbox", tags=["sandbox gateway"], include_in_schema=True)
log = logging.getLogger("agora.sandbox")


def _sandbox(container: App) -> SandboxGateway:
    gateway = container.gateways.get("sandbox")
    if not isinstance(gateway, SandboxGateway):
        raise NotFoundError("The sandbox gateway is not enabled.", code="sandbox_disabled")
    return gateway


_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "sandbox_disabled"},
    422: {"description": "invalid_sandbox_token / sandbox_token_expired"},
}


@router.get(
    "/pay/{payment_id}",
    response_class=HTMLResponse,
    responses=_ERRORS,
    summary="The sandbox cashier: shows the amount and the outcomes to choose from",
)
def pay_page(payment_id: str, ctx: Page, t: Annotated[str, Query()]) -> HTMLResponse:
    # The buyer may not be signed in here (a vendor's cashier knows nobody): ``Page``.
    charge = _sandbox(ctx.container).read_token(t)
    return render(ctx, "store/sandbox_cashier.html", {
        "charge": charge, "payment_id": payment_id, "token": t, "pay": SandboxOutcome.SUCCEED,
        "others": [o for o in SandboxOutcome if o is not SandboxOutcome.SUCCEED],
    })  # fmt: skip


@router.post(
    "/pay/{payment_id}", summary="Choose the outcome; notifications follow", responses=_ERRORS
)
def pay(
    payment_id: str,
    request: Request,
    container: App,
    background: BackgroundTasks,
    t: Annotated[str, Form()],
    outcome: Annotated[SandboxOutcome, Form()],
) -> Response:
    gateway = _sandbox(container)
    charge = gateway.read_token(t)
    deliveries = SandboxSimulator(gateway).pay(t, outcome)
    background.add_task(_deliver_all, container, deliveries)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"payment_id": charge.payment_id, "outcome": outcome.value,
                             "notifications": len(deliveries)})  # fmt: skip
    if charge.return_url:
        return RedirectResponse(charge.return_url, status_code=303)
    return HTMLResponse(f"<p>{html.escape(outcome.value)}: {len(deliveries)} notification(s)</p>")


def _deliver_all(container: App, deliveries: list[SandboxDelivery]) -> None:
    """Post each notification to our handler, in order, as the vendor would."""
    for delivery in deliveries:
        try:
            applied = receive_notification(
                "sandbox", {k.lower(): v for k, v in delivery.headers.items()}, delivery.body,
                uow_factory=container.uow, gateways=container.gateways,
            )  # fmt: skip
        except DomainError as exc:  # logged by the handler, as a refused POST would be
            log.warning("sandbox notification refused", extra={"code": exc.code})
            continue
        for refund_id in applied.refunds_to_send:
            process_refund(refund_id, uow=container.uow(), gateways=container.gateways,
                           notify_url=container.notify_url)  # fmt: skip
