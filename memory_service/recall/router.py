"""POST /v1/customers/{ref}/recall."""

from __future__ import annotations

from fastapi import APIRouter

from memory_service.api.deps import ConnDep, RuntimeDep, TenantDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.customers import service as customers
from memory_service.episodes import repository as episodes_repo
from memory_service.metrics import RECALL_ITEMS
from memory_service.profiles.service import get_profile
from memory_service.recall.service import recall, without_name
from schemas.recall import RecallRequest, RecallResponse

router = APIRouter(prefix="/v1/customers", tags=["recall"], responses=ERROR_RESPONSES)


@router.post("/{customer_ref}/recall", response_model=RecallResponse)
def recall_memory(
    customer_ref: str, request: RecallRequest, tenant: TenantDep, conn: ConnDep, runtime: RuntimeDep
) -> RecallResponse:
    customer_id = customers.resolve_customer_ref(
        conn, tenant_id=tenant.id, ref=customer_ref, country_code=runtime.settings.default_phone_country_code
    )
    name = episodes_repo.customer_name(conn, tenant_id=tenant.id, customer_id=customer_id)
    answer = recall(
        conn,
        index=runtime.index,
        query_vector=runtime.embedder.embed_query(without_name(request.query, customer_name=name)),
        customer_name=name,
        tenant_id=tenant.id,
        customer_id=customer_id,
        request=request,
        policy=runtime.recall_policy,
        reranker=runtime.reranker,
    )
    if request.include_profile:
        answer.profile = get_profile(conn, tenant_id=tenant.id, customer_id=customer_id).model_dump(mode="json")
    RECALL_ITEMS.observe(len(answer.items))
    return answer
