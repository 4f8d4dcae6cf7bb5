"""Schemas of the procurement agent's chat API (issue 9)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConversationCreate(_Strict):
    company_id: str = Field(min_length=1, max_length=64)
    locale: Literal["en", "zh"] = "zh"


class MessageCreate(_Strict):
    text: str = Field(min_length=1, max_length=2000)


class ConfirmationIn(_Strict):
    """The buyer's confirmation of the frozen draft they were shown, named by its hash."""

    draft_id: str = Field(min_length=1, max_length=64)
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class RejectionIn(_Strict):
    draft_id: str = Field(min_length=1, max_length=64)
    reason: str = Field("", max_length=500)
