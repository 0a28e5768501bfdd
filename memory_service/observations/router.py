"""GET /v1/customers/{ref}/observations: the history, paged."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from memory_service.api.deps import ConnDep, RuntimeDep, TenantDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.customers import service as customers
from memory_service.observations.service import list_observations
from schemas.observations import ObservationPage

router = APIRouter(prefix="/v1/customers", tags=["observations"], responses=ERROR_RESPONSES)


@router.get("/{customer_ref}/observations", response_model=ObservationPage)
def read_observations(
    customer_ref: str,
    tenant: TenantDep,
    conn: ConnDep,
    runtime: RuntimeDep,
    kind: str | None = None,
    status: Literal["active", "superseded", "all"] = "active",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> ObservationPage:
    customer_id = customers.resolve_customer_ref(
        conn, tenant_id=tenant.id, ref=customer_ref, country_code=runtime.settings.default_phone_country_code
    )
    return list_observations(
        conn, tenant_id=tenant.id, customer_id=customer_id, kind=kind, status=status, limit=limit, cursor=cursor
    )
