"""Errors of settlement, each with a stable ``code`` (the web layer maps the class)."""

from __future__ import annotations

from marketplace.shared.errors import ConflictError, NotFoundError, ValidationError


# -- commission rules ---------------------------------------------------------------------
class InvalidCommissionRuleError(ValidationError):
    """A rule breaks a rule of rules; ``code`` says which (rate, limit, period, scope)."""

    code = "invalid_commission_rule"


class UnknownCommissionScopeError(ValidationError):
    """The merchant or category a rule names does not exist."""

    code = "unknown_commission_scope"


class CommissionRuleNotFoundError(NotFoundError):
    code = "commission_rule_not_found"


class InvalidCommissionInputError(ValidationError):
    code = "invalid_commission_input"


# -- ledger ---------------------------------------------------------------------------------
class InvalidAccountError(ValidationError):
    code = "invalid_ledger_account"


class UnbalancedEntryError(ValidationError):
    """Postings of an entry that do not sum to zero in every currency."""

    code = "unbalanced_entry"


class InvalidEntryError(ValidationError):
    code = "invalid_ledger_entry"


class InvalidShareError(ValidationError):
    code = "invalid_merchant_share"


class LedgerReferenceReusedError(ConflictError):
    """The same (kind, reference) was posted before with other postings."""

    code = "ledger_reference_reused"


class PaymentNotCapturedError(ConflictError):
    code = "payment_not_captured"


class RefundExceedsCaptureError(ConflictError):
    code = "refund_exceeds_capture"


class CommissionRefundError(ConflictError):
    """A commission refund beyond the commission, or one that does not end at it."""

    code = "commission_refund_exceeds_commission"


# -- payouts --------------------------------------------------------------------------------
class InvalidPayoutError(ValidationError):
    code = "invalid_payout"


class InsufficientPayableBalanceError(ConflictError):
    code = "insufficient_payable_balance"


class PayoutNotFoundError(NotFoundError):
    code = "payout_not_found"


class PayoutTransitionError(ConflictError):
    code = "payout_transition_not_allowed"


class MerchantNotFoundError(NotFoundError):
    code = "merchant_not_found"


# -- statements -------------------------------------------------------------------------------
class InvalidStatementPeriodError(ValidationError):
    code = "invalid_statement_period"


class StatementPeriodNotEndedError(ConflictError):
    code = "statement_period_not_ended"


class StatementPeriodOverlapError(ConflictError):
    code = "statement_period_overlaps"


class StatementNotFoundError(NotFoundError):
    code = "statement_not_found"
