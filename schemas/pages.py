"""The agent page's link (POST /v1/customers/{ref}/page-link)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PageLinkRequest(BaseModel):
    """Which brief the page shows: a live interaction and the reason it is handed over (optional)."""

    model_config = ConfigDict(extra="forbid")

    interaction_id: str | None = None
    reason: str | None = Field(default=None, max_length=1000)
    trigger: str | None = Field(default=None, max_length=64)


class PageLink(BaseModel):
    url: str = Field(description="a path under the service's base URL; opens in a browser without the API key")
    expires_at: datetime
