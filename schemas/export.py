"""Customer export wire models (CONTRACT 2026-12-01: GET /v1/customers/{ref}/export, admin).

Everything stored about one customer: identifiers, profile, observations with history and
sources, and interactions with their (redacted) transcripts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from schemas.observations import ObservationOut
from schemas.profiles import Profile


class UtteranceOut(BaseModel):
    id: str
    role: Literal["customer", "agent", "system"]
    agent_kind: Literal["ai", "human"] | None = None
    speaker: str | None = None
    text: str
    at: datetime | None = None


class InteractionExport(BaseModel):
    interaction_id: str
    external_id: str
    channel: str
    status: str
    started_at: datetime | None = None
    ended_at: datetime | None = None
    summary: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    utterances: list[UtteranceOut] = Field(default_factory=list)


class CustomerExport(BaseModel):
    customer_id: str
    exported_at: datetime | None = None
    identifiers: list[dict[str, Any]] = Field(default_factory=list)
    profile: Profile
    observations: list[ObservationOut] = Field(default_factory=list)
    interactions: list[InteractionExport] = Field(default_factory=list)
