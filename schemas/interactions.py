"""Ingestion wire models (CONTRACT: POST /v1/interactions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from schemas.base import InputModel

Channel = Literal["voice", "sms", "whatsapp", "chat", "email", "other"]
Role = Literal["customer", "agent", "system"]
# "live": opened and still being appended to (CONTRACT 2026-12-01); ending it queues it.
InteractionState = Literal["live", "queued", "processing", "done", "failed"]

# Hard limits that keep one request bounded; the API answers 413 past MAX_BODY_BYTES.
MAX_UTTERANCES = 5000
MAX_UTTERANCE_CHARS = 20_000
MAX_IDENTIFIERS = 20
IDENTIFIER_TYPE_PATTERN = r"^[a-z][a-z0-9_\-]{0,31}$"


class IdentifierIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(pattern=IDENTIFIER_TYPE_PATTERN, description="e.g. phone, email, whatsapp, crm")
    value: str = Field(min_length=1, max_length=320)

    @field_validator("type", mode="before")
    @classmethod
    def _lower_type(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("value")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v.strip()


class CustomerIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    identifiers: list[IdentifierIn] = Field(min_length=1, max_length=MAX_IDENTIFIERS)
    name: str | None = Field(default=None, max_length=200)


class UtteranceIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, min_length=1, max_length=128)
    role: Role
    agent_kind: Literal["ai", "human"] | None = None
    speaker: str | None = Field(default=None, max_length=200)
    text: str = Field(max_length=MAX_UTTERANCE_CHARS)
    at: AwareDatetime | None = None


class InteractionIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=256)
    customer: CustomerIn
    channel: Channel
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    utterances: list[UtteranceIn] = Field(min_length=1, max_length=MAX_UTTERANCES)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("ended_at")
    @classmethod
    def _ended_after_start(cls, v: datetime | None, info: ValidationInfo) -> datetime | None:
        started = info.data.get("started_at")
        if v is not None and started is not None and v < started:
            raise ValueError("must not be before started_at")
        return v

    @field_validator("utterances")
    @classmethod
    def _number_utterances(cls, utterances: list[UtteranceIn]) -> list[UtteranceIn]:
        return number_utterances(utterances)


def number_utterances(utterances: list[UtteranceIn]) -> list[UtteranceIn]:
    """Absent ids are numbered 0, 1, 2, ... by position (CONTRACT); ids must be unique."""
    seen: set[str] = set()
    for i, utterance in enumerate(utterances):
        if utterance.id is None:
            utterance.id = str(i)
        if utterance.id in seen:
            raise ValueError(f"duplicate utterance id {utterance.id!r} at position {i}")
        seen.add(utterance.id)
    return utterances


class InteractionAccepted(BaseModel):
    interaction_id: str
    customer_id: str
    status: InteractionState


class InteractionStatus(BaseModel):
    interaction_id: str
    external_id: str
    customer_id: str
    status: InteractionState
    error: str | None = None
    observations_created: int = 0
    observations_updated: int = 0
    summary: str | None = None
    attempts: int = 0
    created_at: datetime | None = None
    finished_at: datetime | None = None


# Live conversations (CONTRACT, added 2026-12-01). An interaction is opened with
# "status": "live", appended to while it happens, then ended, which queues extraction.


class LiveInteractionIn(InputModel):
    """POST /v1/interactions with "status": "live": opens a conversation that is still going on.

    Unlike InteractionIn, `utterances` and `ended_at` are optional; the same `external_id` opened
    again answers with the same interaction."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["live"] = "live"
    external_id: str = Field(min_length=1, max_length=256)
    customer: CustomerIn
    channel: Channel
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    utterances: list[UtteranceIn] = Field(default_factory=list, max_length=MAX_UTTERANCES)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("utterances")
    @classmethod
    def _number_utterances(cls, utterances: list[UtteranceIn]) -> list[UtteranceIn]:
        return number_utterances(utterances)


class UtterancesIn(InputModel):
    """POST /v1/interactions/{id}/utterances: appends to a live interaction, idempotent by utterance id."""

    model_config = ConfigDict(extra="forbid")

    utterances: list[UtteranceIn] = Field(min_length=1, max_length=MAX_UTTERANCES)


class UtterancesAppended(BaseModel):
    interaction_id: str
    utterance_count: int = Field(description="utterances the interaction holds after the append")


class InteractionEnd(InputModel):
    """POST /v1/interactions/{id}/end: closes a live interaction and queues its extraction."""

    model_config = ConfigDict(extra="forbid")

    ended_at: AwareDatetime | None = Field(default=None, description="default: when the request arrives")
