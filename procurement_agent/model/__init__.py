"""The embedded deterministic chat model of the procurement agent: a LangChain
``BaseChatModel`` that understands buyers' requests (``procurement_agent.understanding``)
and calls the agent's tools (``procurement_agent.tool_specs``) by a fixed planning policy.
See docs/agent/model.md.
"""

from procurement_agent.model.chat_model import ProcurementChatModel
from procurement_agent.model.grounding import Evidence, evidence_of, ungrounded
from procurement_agent.model.policy import Call, Reply, decide

__all__ = [
    "Call",
    "Evidence",
    "ProcurementChatModel",
    "Reply",
    "decide",
    "evidence_of",
    "ungrounded",
]
