"""Language understanding of buyer turns for the procurement agent: intent and slots
from English, Chinese or mixed text, without model weights (see docs/agent/understanding.md).
"""

from procurement_agent.understanding.model import (
    Amount,
    Intent,
    Lang,
    OfferRef,
    Place,
    Preference,
    Quantity,
    Spec,
    Understanding,
)
from procurement_agent.understanding.parser import parse
from procurement_agent.understanding.state import (
    DialogueState,
    clarifying_question,
    merge_preferences,
    missing_slots,
)

__all__ = [
    "Amount",
    "DialogueState",
    "Intent",
    "Lang",
    "OfferRef",
    "Place",
    "Preference",
    "Quantity",
    "Spec",
    "Understanding",
    "clarifying_question",
    "merge_preferences",
    "missing_slots",
    "parse",
]
