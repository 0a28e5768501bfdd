"""Profile wire models (CONTRACT: GET /v1/customers/{ref}/profile)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from schemas.observations import Source


class TraitOut(BaseModel):
    value: Any
    confidence: float
    updated_at: datetime | None
    source: Source
    observation_id: str


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
