"""``ProcurementChatModel``: a deterministic LangChain chat model for the procurement agent.

No weights and no network: each call rebuilds the conversation from its messages (the
buyer's turns through ``understanding.parse``, tool results as data) and takes ONE next
step with the planning policy, a tool call or a reply. It emits real tool calls, so the
agent's loop, tools and human-in-the-loop safeguards run the same with it as with an LLM.

Only the buyer's turns steer it. Text inside tool results (supplier titles and
descriptions) never changes the intent or triggers a call; a HumanMessage the agent
harness added itself (``additional_kwargs["lc_source"]``, e.g. a summary that may quote
tool results) is not a buyer turn and is not parsed either.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field

from procurement_agent.model.conversation import Transcript, Turn
from procurement_agent.model.policy import Call, Reply, Settings, Step, decide

FORCING_CHOICES = ("auto", "any", "required")


class ProcurementChatModel(BaseChatModel):
    """Understands procurement requests in English and Chinese and drives the agent's
    tools deterministically (docs/agent/model.md)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    clock: Callable[[], date] = Field(default=date.today, exclude=True)
    """Today's date, for deadlines ("within 10 days"); tests pass a fixed one."""
    compare_top: int = Field(default=3, ge=1, le=10)
    """How many of the search's best offers to compare."""
    search_limit: int = Field(default=5, ge=1, le=20)

    @property
    def _llm_type(self) -> str:
        return "agora-procurement-deterministic"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"compare_top": self.compare_top, "search_limit": self.search_limit}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools as an OpenAI-style list; the model calls only these."""
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        settings = Settings(
            bound=bound_tool_names(kwargs.get("tools"), kwargs.get("tool_choice")),
            compare_top=self.compare_top,
            search_limit=self.search_limit,
        )
        step = decide(rebuild(messages, today=self.clock(), settings=settings), settings)
        return ChatResult(generations=[ChatGeneration(message=to_message(step, messages))])


def bound_tool_names(tools: Any, tool_choice: Any) -> frozenset[str]:
    """The names of the bound tools (OpenAI or plain dict form) the model may call."""
    if not tools or tool_choice == "none":
        return frozenset()
    names = set()
    for tool in tools:
        if isinstance(tool, dict):
            spec = tool.get("function", tool)
            if isinstance(spec, dict) and isinstance(spec.get("name"), str):
                names.add(spec["name"])
    if isinstance(tool_choice, str) and tool_choice not in FORCING_CHOICES:
        names &= {tool_choice}  # a named tool choice: only that tool
    return frozenset(names)


def is_buyer_turn(message: BaseMessage) -> bool:
    """A HumanMessage the buyer wrote (not one the agent harness added)."""
    return isinstance(message, HumanMessage) and not message.additional_kwargs.get("lc_source")


def rebuild(messages: Sequence[BaseMessage], *, today: date, settings: Settings) -> Turn:
    """The current turn, replaying the conversation; a past reply's clarifying question
    is recomputed (the policy is deterministic) so the dialogue state knows what the
    buyer was asked."""
    transcript = Transcript(today)
    for message in messages:
        if is_buyer_turn(message):
            if transcript.turn.answered and transcript.turn.understanding is not None:
                step = decide(transcript.turn, settings)
                transcript.asked(step.asks if isinstance(step, Reply) else ())
            transcript.human(message.text)
        elif isinstance(message, AIMessage):
            calls = [(c["id"] or "", c["name"], dict(c["args"])) for c in message.tool_calls]
            transcript.ai(message.text, calls)
        elif isinstance(message, ToolMessage):
            transcript.tool(message.tool_call_id, message.text, failed=message.status == "error")
    return transcript.turn


def to_message(step: Step, messages: Sequence[BaseMessage]) -> AIMessage:
    """The AIMessage for ``step``; tool call ids are unique in the conversation and the
    same for the same history."""
    if isinstance(step, Call):
        seen = sum(len(m.tool_calls) for m in messages if isinstance(m, AIMessage))
        call_id = f"call_{_digest(messages)}_{seen + 1}"
        return AIMessage(
            content="",
            tool_calls=[{"name": step.name, "args": step.args, "id": call_id, "type": "tool_call"}],
            response_metadata={"agora_step": "call"},
        )
    meta = {"agora_step": step.kind, "asks": list(step.asks), "offer_id": step.offer_id}
    return AIMessage(content=step.text, response_metadata=meta)


def _digest(messages: Sequence[BaseMessage]) -> str:
    h = hashlib.sha256()
    for m in messages:
        h.update(m.type.encode())
        h.update(m.text.encode("utf-8", "replace"))
        h.update(b"\x00")
    return h.hexdigest()[:10]
