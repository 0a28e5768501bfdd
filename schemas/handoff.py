"""Handoff brief wire models (CONTRACT 2026-12-01: POST /v1/customers/{ref}/handoff).

What a human agent needs when an AI hands a customer over: who they are, why they are handed
over, what they already told us (so nobody asks again), open issues and commitments, the most
relevant memories, the sentiment, summaries and links. Every fact carries its source."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.base import InputModel
from schemas.interactions import MAX_UTTERANCES, UtteranceIn
from schemas.observations import Source
from schemas.profiles import ProfileItem
from schemas.recall import RecallItem


class HandoffRequest(InputModel):
    """The conversation being handed over: a live interaction's id, or its utterances inline."""

    model_config = ConfigDict(extra="forbid")

    interaction_id: str | None = None
    utterances: list[UtteranceIn] | None = Field(default=None, max_length=MAX_UTTERANCES)
    reason: str = Field(min_length=1, max_length=1000, description="why a person takes over, in words")
    trigger: str = Field(
        default="customer_request", min_length=1, max_length=64,
        description="what caused it, e.g. customer_request, sentiment, policy, low_confidence, agent_decision",
    )  # fmt: skip
    token_budget: int = Field(default=800, ge=50, le=100_000)

    @model_validator(mode="after")
    def _has_conversation(self) -> HandoffRequest:
        if self.interaction_id is None and not self.utterances:
            raise ValueError("give interaction_id or utterances")
        return self


class HandoffIdentity(BaseModel):
    name: str | None = None
    identifiers: list[dict[str, Any]] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    first_seen: datetime | None = Field(default=None, description="customer since")


class ProvidedFact(BaseModel):
    """Something the customer already told us ("don't ask again"), with where they said it."""

    trait: str
    value: Any
    source: Source
    observed_at: datetime | None = Field(default=None, description="when they said it")
    channel: str | None = Field(default=None, description="where they said it (voice, chat, email, ...)")


class HandoffSentiment(BaseModel):
    now: str | None = Field(default=None, description="positive | neutral | negative")
    trend: str | None = Field(default=None, description="rising | falling | stable")


class RecentInteraction(BaseModel):
    interaction_id: str
    channel: str
    started_at: datetime | None = None
    summary: str | None = None


class HandoffBrief(BaseModel):
    customer_id: str
    reason: str
    trigger: str | None = None
    detected_issue: str | None = Field(default=None, description="the issue this conversation is about")
    text: str = Field(description="Markdown an agent desktop shows as it is")
    identity: HandoffIdentity
    already_provided: list[ProvidedFact] = Field(default_factory=list)
    open_issues: list[ProfileItem] = Field(default_factory=list)
    commitments: list[ProfileItem] = Field(default_factory=list)
    relevant: list[RecallItem] = Field(default_factory=list)
    sentiment: HandoffSentiment = Field(default_factory=HandoffSentiment)
    conversation_summary: str | None = None
    recent_interactions: list[RecentInteraction] = Field(default_factory=list)
    links: dict[str, str] = Field(
        default_factory=dict, description="the full history: e.g. profile, observations, interactions, page"
    )
    token_count: int
