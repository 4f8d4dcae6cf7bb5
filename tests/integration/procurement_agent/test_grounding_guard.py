"""Grounding is enforced by the server for any chat model, not only by the deterministic
one's construction: a reply that names a supplier, price or id no tool result gave is
withheld from the buyer and kept in the audit log with what was unsupported.

The model here stands in for an LLM that hallucinates (a ``BaseChatModel`` answering with
fixed text, as an OpenAI endpoint could); the agent graph, checkpointer and audit are real."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from marketplace.procurement import queries
from serving.agent.chat import WITHHELD, ProcurementChat
from tests.integration.procurement_agent.world import World, collect, draft_count, named


class ScriptedLLM(BaseChatModel):
    """Always answers ``text``, calling no tool."""

    text: str

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedLLM:
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:  # fmt: skip
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self.text))])


def _say(world: World, text: str, reply: str, locale: str = "en") -> tuple[str, list[Any]]:
    b2b = world.b2b
    chat = ProcurementChat(b2b.app, model=ScriptedLLM(text=reply))
    try:
        conversation = chat.start(b2b.company_id, b2b.buyer_id, locale).id
        events = collect(chat.say(conversation, b2b.buyer_id, text))
    finally:
        chat.close()
    return conversation, events


def test_an_invented_supplier_and_price_are_withheld_and_audited(world: World) -> None:
    invented = "**Acme Bolts Ltd** sells them at 0.12 CNY each, offer `off_99999`."
    conversation, events = _say(world, "500 stainless M8 bolts please", invented)

    [message] = named(events, "message")
    assert message["text"] == WITHHELD["en"]
    assert invented not in "".join(e["text"] for e in named(events, "token"))
    with world.b2b.app.engine.connect() as conn:
        trail = queries.audit_trail(conn, conversation, buyer_id=world.b2b.buyer_id)
    withheld = [e for e in trail if e["kind"] == "turn_agent" and "withheld" in e["payload"]]
    assert len(withheld) == 1
    assert withheld[0]["payload"]["text"] == invented
    assert any("Acme Bolts Ltd" in p for p in withheld[0]["payload"]["withheld"])
    assert any("0.12" in p for p in withheld[0]["payload"]["withheld"])
    assert draft_count(world.b2b) == 0


def test_a_reply_that_only_repeats_the_buyer_passes_in_the_buyers_language(
    world: World,
) -> None:
    _, events = _say(world, "我要500个螺栓", "好的，500个。", locale="zh")
    assert named(events, "message")[0]["text"] == "好的，500个。"

    _, invented = _say(world, "我要500个螺栓", "供应商报价0.12元。", locale="zh")
    assert named(invented, "message")[0]["text"] == WITHHELD["zh"]
