"""Health wire models (CONTRACT: GET /healthz, GET /readyz; public)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, bool] = Field(default_factory=dict)
    startup_seconds: dict[str, Any] | None = Field(default=None, description="where the last start went")
