"""Profile wire models (CONTRACT: GET /v1/customers/{ref}/profile)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from schemas.observations import Source


class TraitOut(BaseModel):
    value: Any
    confidence: float
    updated_at: datetime | None
    source: Source
    observation_id: str
    needs_review: bool = False


class ProfileItem(BaseModel):
    """An open issue or a pending commitment."""

    id: str
    kind: str
    text: str
    observed_at: datetime | None
    attributes: dict[str, Any] = Field(default_factory=dict)
    source: Source
    due_date: date | None = Field(default=None, description="a commitment's due date, when one was stated")
    overdue: bool = Field(default=False, description="a pending commitment whose due date has passed")


class SentimentPoint(BaseModel):
    interaction_id: str
    at: datetime | None
    label: str | None
    score: float | None


class InteractionSummary(BaseModel):
    interaction_id: str
    external_id: str
    channel: str
    started_at: datetime
    status: str
    summary: str | None


class Profile(BaseModel):
    customer_id: str
    identifiers: list[dict[str, str]]
    name: str | None = None
    traits: dict[str, TraitOut] = Field(default_factory=dict)
    observation_count: int = 0
    interaction_count: int = 0
    channels: list[str] = Field(default_factory=list)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    summary: str | None = None
    open_issues: list[ProfileItem] = Field(default_factory=list)
    pending_commitments: list[ProfileItem] = Field(default_factory=list)
    sentiment_trend: list[SentimentPoint] = Field(default_factory=list)
    sentiment_direction: str | None = Field(default=None, description="improving | worsening | stable")
    recent_interactions: list[InteractionSummary] = Field(default_factory=list)
    needs_review: int = Field(default=0, description="observations flagged as conflicting")
    merged_from: list[str] = Field(default_factory=list, description="customer ids merged into this one")
