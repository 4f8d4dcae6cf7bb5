"""Which chat model drives the agent: the embedded deterministic one by default; an
OpenAI-compatible endpoint or a local GGUF file only with their optional extras, and a
clear error naming the extra (or the missing file) otherwise."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from marketplace.config import Settings
from procurement_agent.agent import AgentModelUnavailableError, chat_model
from procurement_agent.model import ProcurementChatModel


def _settings(**changes: object) -> Settings:
    return Settings(env="test", **changes)  # type: ignore[arg-type]


def test_the_default_is_the_deterministic_model() -> None:
    assert isinstance(chat_model(_settings()), ProcurementChatModel)


@pytest.mark.skipif(importlib.util.find_spec("langchain_openai") is not None,
                    reason="the llm extra is installed")  # fmt: skip
def test_an_openai_endpoint_without_the_llm_extra_names_the_extra() -> None:
    settings = _settings(agent_model="openai", agent_base_url="http://127.0.0.1:9/v1")
    with pytest.raises(AgentModelUnavailableError, match=r"agora\[llm\]"):
        chat_model(settings)


def test_a_local_model_needs_its_gguf_file(tmp_path: Path) -> None:
    with pytest.raises(AgentModelUnavailableError, match="AGORA_AGENT_MODEL_PATH"):
        chat_model(_settings(agent_model="llama"))
    with pytest.raises(AgentModelUnavailableError, match="AGORA_AGENT_MODEL_PATH"):
        chat_model(_settings(agent_model="llama", agent_model_path=tmp_path / "none.gguf"))


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is not None,
                    reason="the llama extra is installed")  # fmt: skip
def test_a_local_model_without_the_llama_extra_names_the_extra(tmp_path: Path) -> None:
    weights = tmp_path / "model.gguf"
    weights.write_bytes(b"GGUF")
    with pytest.raises(AgentModelUnavailableError, match=r"agora\[llama\]"):
        chat_model(_settings(agent_model="llama", agent_model_path=weights))
