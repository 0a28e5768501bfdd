"""Customer-scoped endpoints: profile, observations, recall, forget."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from memory_service.api.deps import ConnDep, RuntimeDep, TenantDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.customers import service as customers
from memory_service.metrics import RECALL_ITEMS
from memory_service.observations.service import list_observations
from memory_service.profiles.service import get_profile
from memory_service.recall.service import recall
from schemas.observations import ObservationPage
from schemas.profiles import Profile
from schemas.recall import RecallRequest, RecallResponse

router = APIRouter(prefix="/v1/customers", tags=["customers"], responses=ERROR_RESPONSES)


@router.get("/{customer_ref}/profile", response_model=Profile)
def read_profile(customer_ref: str, tenant: TenantDep, conn: ConnDep, runtime: RuntimeDep) -> Profile:
    customer_id = customers.resolve_customer_ref(
        conn, tenant_id=tenant.id, ref=customer_ref, country_code=runtime.settings.default_phone_country_code
    )
    return get_profile(conn, tenant_id=tenant.id, customer_id=customer_id)


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


@router.post("/{customer_ref}/recall", response_model=RecallResponse)
def recall_memory(
    customer_ref: str, request: RecallRequest, tenant: TenantDep, conn: ConnDep, runtime: RuntimeDep
) -> RecallResponse:
    customer_id = customers.resolve_customer_ref(
        conn, tenant_id=tenant.id, ref=customer_ref, country_code=runtime.settings.default_phone_country_code
    )
    answer = recall(
        conn,
        index=runtime.index,
        query_vector=runtime.embedder.embed_query(request.query),
        tenant_id=tenant.id,
        customer_id=customer_id,
        request=request,
        policy=runtime.recall_policy,
    )
    if request.include_profile:
        answer.profile = get_profile(conn, tenant_id=tenant.id, customer_id=customer_id).model_dump(mode="json")
    RECALL_ITEMS.observe(len(answer.items))
    return answer


@router.delete("/{customer_ref}", status_code=status.HTTP_204_NO_CONTENT)
def forget_customer(customer_ref: str, tenant: TenantDep, conn: ConnDep, runtime: RuntimeDep) -> Response:
    customer_id = customers.resolve_customer_ref(
        conn, tenant_id=tenant.id, ref=customer_ref, country_code=runtime.settings.default_phone_country_code
    )
    customers.forget_customer(conn, tenant_id=tenant.id, customer_id=customer_id)
    conn.commit()
    runtime.index.remove_customer(customer_id=customer_id)  # honoured at once in this process
    return Response(status_code=status.HTTP_204_NO_CONTENT)
