"""Use cases of payments."""

from marketplace.payments.services.notifications import (
    Applied,
    apply_notification,
    receive_notification,
)
from marketplace.payments.services.payments import (
    StartPayment,
    finish_collected_payments,
    start_payment,
)
from marketplace.payments.services.refunds import (
    DecideRefund,
    RequestRefund,
    confirm_return,
    decide_refund,
    process_refund,
    record_return_shipment,
    request_refund,
    retry_pending_refunds,
)

__all__ = [
    "Applied",
    "DecideRefund",
    "RequestRefund",
    "StartPayment",
    "apply_notification",
    "confirm_return",
    "decide_refund",
    "finish_collected_payments",
    "process_refund",
    "receive_notification",
    "record_return_shipment",
    "request_refund",
    "retry_pending_refunds",
    "start_payment",
]  # fmt: skip
