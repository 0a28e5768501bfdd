"""What every request model shares: text Postgres can store.

PostgreSQL text and jsonb cannot hold the NUL character (U+0000); a request carrying one would
otherwise fail deep in the database as a 500. Every string field of an input model, and every
string inside its dicts and lists (metadata), is checked, so the 422 names the field."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator

NUL_MESSAGE = "must not contain the NUL character (\\u0000)"


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


class InputModel(BaseModel):
    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        if has_nul(value):
            raise ValueError(NUL_MESSAGE)
        return value
