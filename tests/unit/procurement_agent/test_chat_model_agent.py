"""The deterministic model inside a real LangChain v1 agent (``create_agent``) with the
human-in-the-loop middleware and a checkpointer. The tools are in-test stand-ins built
from the tool contract (plain functions returning canned JSON of the documented shapes);
the model, the agent loop, the middleware and the checkpointer are the real ones."""

from __future__ import annotations

import json
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import HumanInTheLoopMiddleware
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import StructuredTool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from procurement_agent.tool_specs import TOOL_SPECS
from tests.unit.procurement_agent.chat_fixtures import Desk, model

SEARCH = "I need 500 stainless M8 bolts delivered to Shanghai within 10 days"


def tools_for(desk: Desk) -> list[StructuredTool]:
    """LangChain tools from the contract; their schemas check the model's arguments."""

    def tool(name: str) -> StructuredTool:
        def run(**kwargs: Any) -> dict[str, Any]:
            args = json.loads(json.dumps(kwargs, default=str))  # dates and decimals as JSON
            return desk.answer(name, {k: v for k, v in args.items() if v is not None})

        spec = TOOL_SPECS[name]
        return StructuredTool.from_function(
            run, name=name, description=spec.description, args_schema=spec.args
        )

    return [tool(name) for name in TOOL_SPECS]


def agent_for(desk: Desk) -> Any:
    gate = HumanInTheLoopMiddleware(interrupt_on={"place_order": True, "submit_for_approval": True})
    return create_agent(
        model(),
        tools_for(desk),
        system_prompt="You are Agora's procurement assistant.",
        middleware=[gate],
        checkpointer=InMemorySaver(),
    )


def say(agent: Any, text: str, thread: str) -> dict[str, Any]:
    config = {"configurable": {"thread_id": thread}}
    return agent.invoke({"messages": [{"role": "user", "content": text}]}, config)  # type: ignore[no-any-return]


def resume(agent: Any, decision: dict[str, Any], thread: str) -> dict[str, Any]:
    config = {"configurable": {"thread_id": thread}}
    return agent.invoke(Command(resume={"decisions": [decision]}), config)  # type: ignore[no-any-return]


def last_text(state: dict[str, Any]) -> str:
    message = state["messages"][-1]
    assert isinstance(message, AIMessage)
    assert not message.tool_calls
    return message.text


def to_the_interrupt(desk: Desk, thread: str, yes: str = "yes") -> tuple[Any, dict[str, Any]]:
    agent = agent_for(desk)
    state = say(agent, SEARCH, thread)
    assert "Shall I draft a purchase order for it?" in last_text(state)
    state = say(agent, yes, thread)
    return agent, state


def test_the_graph_pauses_before_place_order_and_approve_places_it() -> None:
    desk = Desk()
    agent, state = to_the_interrupt(desk, "approve")
    [pause] = state["__interrupt__"]
    request = pause.value["action_requests"][0]
    assert (request["name"], request["args"]) == ("place_order", {"draft_id": "DR-1"})
    assert [name for name, _ in desk.calls] == [
        "search_offers",
        "compare_offers",
        "create_draft",
        "check_budget",
    ]
    state = resume(agent, {"type": "approve"}, "approve")
    assert [name for name, _ in desk.calls][-1] == "place_order"
    assert sum(name == "place_order" for name, _ in desk.calls) == 1
    assert last_text(state).startswith("Order placed: purchase request `PR-2026-0042`")


def test_reject_does_not_place_the_order() -> None:
    desk = Desk()
    agent, state = to_the_interrupt(desk, "reject", yes="好的")
    assert state["__interrupt__"]
    state = resume(agent, {"type": "reject"}, "reject")
    assert "place_order" not in [name for name, _ in desk.calls]
    assert last_text(state) == "好的，没有下单。草稿 `DR-1` 已保留：可以修改，或者说“下单”。"
    rejected = [m for m in state["messages"] if isinstance(m, ToolMessage)][-1]
    assert (rejected.name, rejected.status) == ("place_order", "error")
    # The buyer changes their mind: the same draft goes back to the gate.
    state = say(agent, "下单吧", "reject")
    assert state["__interrupt__"][0].value["action_requests"][0]["args"] == {"draft_id": "DR-1"}
    state = resume(agent, {"type": "approve"}, "reject")
    assert last_text(state).startswith("已下单：采购申请 `PR-2026-0042`")


def test_needing_approval_pauses_before_submit_for_approval() -> None:
    desk = Desk(budget="needs_approval")
    agent, state = to_the_interrupt(desk, "submit")
    assert state["__interrupt__"][0].value["action_requests"][0]["name"] == "submit_for_approval"
    state = resume(agent, {"type": "approve"}, "submit")
    assert "Purchase request `PR-2026-0043`" in last_text(state)
    assert "pending approval" in last_text(state)


def test_threads_are_kept_apart_by_the_checkpointer() -> None:
    desk = Desk()
    agent = agent_for(desk)
    say(agent, SEARCH, "a")
    state = say(agent, "yes", "b")  # nothing was proposed in thread b
    assert last_text(state) == "What product do you need, and how many?"
    assert "create_draft" not in [name for name, _ in desk.calls]
