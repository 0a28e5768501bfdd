"""Conversation-start context wire model (CONTRACT 2026-12-01: GET /v1/customers/{ref}/context).

One prompt-ready text block for an AI agent's opening turn, plus the JSON it was built from;
`token_count` is counted with the tokenizer the README names and never exceeds `token_budget`."""

from __future__ import annotations

from pydantic import BaseModel, Field

from schemas.profiles import Profile
from schemas.recall import RecallItem


class ContextResponse(BaseModel):
    customer_id: str
    text: str
    token_count: int
    items: list[RecallItem] = Field(default_factory=list)
    profile: Profile | None = None
