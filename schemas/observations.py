"""Observation wire models (CONTRACT: recall items and the observations list)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.base import InputModel

ObservationKind = Literal["trait", "preference", "issue", "intent", "event", "commitment", "sentiment", "fact"]
ObservationState = Literal["active", "superseded", "conflict", "retracted"]


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
    flags: list[str] = Field(default_factory=list, description='e.g. "possible_injection": quoted customer text')


class ObservationPage(BaseModel):
    items: list[ObservationOut]
    next_cursor: str | None = None


class ObservationCorrection(InputModel):
    """PATCH /v1/customers/{ref}/observations/{id}: a person fixes what the service understood.

    `value` corrects a trait's typed value (its sentence is rewritten from it); `text` replaces the
    sentence (required for other kinds). The corrected observation supersedes the old one."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, min_length=1, max_length=2000)
    value: str | None = Field(default=None, min_length=1, max_length=500)
    reason: str | None = Field(default=None, max_length=500)
