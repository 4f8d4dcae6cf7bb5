"""Use cases of procurement conversations: what the agent writes through. Nothing here is
bought without the buyer's confirmation of a frozen draft (``confirm_draft``), and
``place_draft`` places only content still equal to the confirmed one."""

from marketplace.procurement.services.conversations import (
    audit_trail,
    get_conversation,
    record_audit,
    start_conversation,
)
from marketplace.procurement.services.drafts import (
    confirm_draft,
    create_draft,
    edit_draft,
    get_draft,
    quote_draft,
    reject_draft,
    request_confirmation,
)
from marketplace.procurement.services.placement import (
    RESUME_AFTER,
    claim_draft,
    idempotency_key,
    place_draft,
    purchase_request_command,
    record_submission,
    resume_draft_placements,
    submit_draft,
)

__all__ = [
    "RESUME_AFTER",
    "audit_trail",
    "claim_draft",
    "confirm_draft",
    "create_draft",
    "edit_draft",
    "get_conversation",
    "get_draft",
    "idempotency_key",
    "place_draft",
    "purchase_request_command",
    "quote_draft",
    "record_audit",
    "record_submission",
    "reject_draft",
    "request_confirmation",
    "resume_draft_placements",
    "start_conversation",
    "submit_draft",
]
