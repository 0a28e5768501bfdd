"""GET /v1/customers/{ref}/profile."""

from __future__ import annotations

from fastapi import APIRouter

from memory_service.api.deps import ConnDep, ReadTenantDep, RuntimeDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.api.examples import PROFILE, example
from memory_service.identity import service as identity
from memory_service.profiles.service import get_profile
from schemas.profiles import Profile

router = APIRouter(prefix="/v1/customers", tags=["profiles"], responses=ERROR_RESPONSES)


@router.get("/{customer_ref}/profile", response_model=Profile, responses={200: example(PROFILE)})
def read_profile(customer_ref: str, tenant: ReadTenantDep, conn: ConnDep, runtime: RuntimeDep) -> Profile:
    customer_id = identity.resolve_customer_ref(
        conn, tenant_id=tenant.id, ref=customer_ref, country_code=runtime.settings.default_phone_country_code
    )
    return get_profile(conn, tenant_id=tenant.id, customer_id=customer_id)
