"""POST/GET/DELETE /v1/interactions."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from memory_service.api.deps import AdminTenantDep, ConnDep, IngestOrReadTenantDep, IngestTenantDep, RuntimeDep, TxDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.interactions import flows, service
from schemas.interactions import InteractionAccepted, InteractionIn, InteractionStatus

router = APIRouter(prefix="/v1/interactions", tags=["interactions"], responses=ERROR_RESPONSES)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InteractionAccepted,
    responses={200: {"model": InteractionAccepted, "description": "Already ingested with the same content"}},
)
def ingest_interaction(
    payload: InteractionIn, response: Response, tenant: IngestTenantDep, tx: TxDep, runtime: RuntimeDep
) -> InteractionAccepted:
    accepted, created = flows.accept_interaction(
        tx, tenant_id=tenant.id, payload=payload, enqueue=runtime.enqueue_safely,
        country_code=runtime.settings.default_phone_country_code,
        redaction=tenant.redaction_policy or runtime.settings.redaction_policy, patterns=runtime.redaction_patterns,
    )  # fmt: skip
    if created:
        return accepted
    response.status_code = status.HTTP_200_OK
    response.headers["X-Interaction-Status"] = accepted.status
    return accepted.model_copy(update={"status": "queued"})  # the same body as the first answer


@router.get("/{interaction_id}", response_model=InteractionStatus)
def get_interaction(interaction_id: str, tenant: IngestOrReadTenantDep, conn: ConnDep) -> InteractionStatus:
    return service.get_interaction_status(conn, tenant_id=tenant.id, interaction_id=interaction_id)


@router.delete("/{interaction_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_interaction(interaction_id: str, tenant: AdminTenantDep, tx: TxDep, runtime: RuntimeDep) -> Response:
    flows.forget_interaction(tx, pool=runtime.pool, index=runtime.index, tenant_id=tenant.id,
                             interaction_id=interaction_id)  # fmt: skip
    return Response(status_code=status.HTTP_204_NO_CONTENT)
