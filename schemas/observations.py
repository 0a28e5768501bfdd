"""Observation wire models (CONTRACT: recall items and the observations list)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

ObservationKind = Literal["trait", "preference", "issue", "intent", "event", "commitment", "sentiment", "fact"]
ObservationState = Literal["active", "superseded", "conflict", "deleted"]


class Source(BaseModel):
    interaction_id: str
    external_id: str | None = None
    utterance_ids: list[str] = Field(default_factory=list)


class ObservationOut(BaseModel):
    id: str
    type: Literal["observation"] = "observation"
    kind: str
    text: str
    confidence: float
    observed_at: datetime | None
    source: Source
    sources: list[Source] = Field(default_factory=list)
    attributes: dict[str, Any] = Field(default_factory=dict)
    status: str
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    superseded_by: str | None = None
    needs_review: bool = False


class ObservationPage(BaseModel):
    items: list[ObservationOut]
    next_cursor: str | None = None
