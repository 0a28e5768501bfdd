"""GET /v1/keys/me: what the calling key is and may do (a client such as the MCP server offers
only the tools the key's scopes allow)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from memory_service.api.deps import TenantDep
from memory_service.api.errors import ERROR_RESPONSES

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=ERROR_RESPONSES)


class KeyInfo(BaseModel):
    tenant: str
    prefix: str = Field(description="the key's public prefix, never the key")
    scopes: list[str]
    rate_limit_per_minute: int | None = None


@router.get("/me", response_model=KeyInfo)
async def read_own_key(tenant: TenantDep) -> KeyInfo:
    return KeyInfo(
        tenant=tenant.name, prefix=tenant.key_prefix, scopes=sorted(tenant.scopes),
        rate_limit_per_minute=tenant.rate_limit_per_minute,
    )  # fmt: skip
