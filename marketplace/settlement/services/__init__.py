"""Settlement use cases.

``quote_commissions``, ``post_payment_captured``, ``post_refund`` and
``plan_refund_shares`` run inside the caller's open unit of work and never commit (the
ordering and payment services call them in the transaction of the placement, capture or
refund). The admin use cases open, and commit, their own.
"""

from marketplace.settlement.commands import (
    CloseStatement,
    CreateCommissionRule,
    CreatePayout,
    MovePayout,
    UpdateCommissionRule,
)
from marketplace.settlement.domain import refundable_commission
from marketplace.settlement.services.commission import (
    archive_commission_rule,
    create_commission_rule,
    quote_commissions,
    update_commission_rule,
)
from marketplace.settlement.services.ledger import (
    plan_refund_shares,
    post_invoice_settled,
    post_payment_captured,
    post_refund,
)
from marketplace.settlement.services.payouts import (
    create_payout,
    mark_payout_failed,
    mark_payout_paid,
    mark_payout_processing,
)
from marketplace.settlement.services.statements import (
    CLOSE_GRACE,
    close_statement,
    compute_statement,
)

__all__ = [
    "CLOSE_GRACE",
    "CloseStatement",
    "CreateCommissionRule",
    "CreatePayout",
    "MovePayout",
    "UpdateCommissionRule",
    "archive_commission_rule",
    "close_statement",
    "compute_statement",
    "create_commission_rule",
    "create_payout",
    "mark_payout_failed",
    "mark_payout_paid",
    "mark_payout_processing",
    "plan_refund_shares",
    "post_invoice_settled",
    "post_payment_captured",
    "post_refund",
    "quote_commissions",
    "refundable_commission",
    "update_commission_rule",
]
