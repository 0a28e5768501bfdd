"""GET /v1/keys/me: what the calling key is and may do (a client such as the MCP server offers
only the tools the key's scopes allow)."""

from __future__ import annotations

from fastapi import APIRouter

from memory_service.api.deps import TenantDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.api.examples import KEY_INFO, example
from schemas.keys import KeyInfo

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=ERROR_RESPONSES)


@router.get("/me", response_model=KeyInfo, responses={200: example(KEY_INFO)})
async def read_own_key(tenant: TenantDep) -> KeyInfo:
    return KeyInfo(
        tenant=tenant.name, prefix=tenant.key_prefix, scopes=sorted(tenant.scopes),  # type: ignore[arg-type]
        rate_limit_per_minute=tenant.rate_limit_per_minute,
    )  # fmt: skip
