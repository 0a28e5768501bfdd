"""The calling key's own description (proposed: GET /v1/keys/me).

Lets a client (the MCP server) offer only what the key may do. Scopes per CONTRACT 2026-12-01:
`ingest` posts interactions, `read` reads, `admin` erases, corrects and retracts; keys made before
scopes existed keep every scope."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Scope = Literal["ingest", "read", "admin"]
ALL_SCOPES: frozenset[str] = frozenset({"ingest", "read", "admin"})


class KeyInfo(BaseModel):
    tenant: str | None = None
    prefix: str | None = Field(default=None, description="the key's public prefix, never the key")
    scopes: list[Scope] = Field(default_factory=lambda: sorted(ALL_SCOPES))  # type: ignore[arg-type]
    rate_limit_per_minute: int | None = Field(default=None, description="requests a minute (none: unlimited)")
