"""POST/GET/DELETE /v1/interactions."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from memory_service.api.deps import ConnDep, RuntimeDep, TenantDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.interactions import service
from memory_service.metrics import INTERACTIONS_INGESTED
from schemas.interactions import InteractionAccepted, InteractionIn, InteractionStatus

router = APIRouter(prefix="/v1/interactions", tags=["interactions"], responses=ERROR_RESPONSES)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InteractionAccepted,
    responses={200: {"model": InteractionAccepted, "description": "Already ingested with the same content"}},
)
def ingest_interaction(
    payload: InteractionIn, response: Response, tenant: TenantDep, runtime: RuntimeDep
) -> InteractionAccepted:
    # Postgres first, then the queue; the connection goes back to the pool before the
    # broker is contacted, so a slow or absent broker cannot drain the pool.
    with runtime.pool.connection() as conn:
        accepted, created = service.submit_interaction(
            conn, tenant_id=tenant.id, payload=payload, country_code=runtime.settings.default_phone_country_code
        )
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["X-Interaction-Status"] = accepted.status
        INTERACTIONS_INGESTED.labels("duplicate").inc()
        return accepted.model_copy(update={"status": "queued"})  # the same body as the first answer
    runtime.enqueue_safely(accepted.interaction_id)
    INTERACTIONS_INGESTED.labels("accepted").inc()
    return accepted


@router.get("/{interaction_id}", response_model=InteractionStatus)
def get_interaction(interaction_id: str, tenant: TenantDep, conn: ConnDep) -> InteractionStatus:
    return service.get_interaction_status(conn, tenant_id=tenant.id, interaction_id=interaction_id)


@router.delete("/{interaction_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_interaction(interaction_id: str, tenant: TenantDep, runtime: RuntimeDep) -> Response:
    from memory_service.index.sync import refresh_customer

    with runtime.pool.connection() as conn:
        customer_id = service.forget_interaction(conn, tenant_id=tenant.id, interaction_id=interaction_id)
    refresh_customer(runtime.pool, runtime.index, tenant_id=tenant.id, customer_id=customer_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
