"""POST /v1/customers/{ref}/recall."""

from __future__ import annotations

from fastapi import APIRouter, Response

from memory_service.api.deps import ReadTenantDep, RuntimeDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.api.examples import RECALL_REQUEST, RECALL_RESPONSE, example
from memory_service.db import read_connection
from memory_service.recall.flows import recall_for_customer
from schemas.recall import RecallRequest, RecallResponse

router = APIRouter(prefix="/v1/customers", tags=["recall"], responses=ERROR_RESPONSES)


@router.post(
    "/{customer_ref}/recall",
    response_model=RecallResponse,
    responses={200: example(RECALL_RESPONSE)},
    openapi_extra={"requestBody": {"content": {"application/json": {"example": RECALL_REQUEST}}}},
)
def recall_memory(
    customer_ref: str, request: RecallRequest, tenant: ReadTenantDep, runtime: RuntimeDep
) -> Response:
    # Read-only: an autocommit connection taken in this thread (no transaction dependency, whose
    # enter and exit would each hop to a worker thread, and no BEGIN/COMMIT round trips).
    with read_connection(runtime.pool) as conn:
        answer = recall_for_customer(
            conn, tenant_id=tenant.id, customer_ref=customer_ref, request=request, index=runtime.index,
            embed_query=runtime.embedder.embed_query, policy=runtime.recall_policy, reranker=runtime.reranker,
            country_code=runtime.settings.default_phone_country_code, cache=runtime.recall_cache,
            slots=runtime.recall_slots,
        )  # fmt: skip
    # The answer is a RecallResponse built and checked here: written as JSON directly, not validated
    # a second time against response_model (which still documents it); ~1 ms of CPU a recall.
    return Response(answer.model_dump_json(), media_type="application/json")
