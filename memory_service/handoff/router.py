"""POST /v1/customers/{ref}/handoff."""

from __future__ import annotations

from fastapi import APIRouter

from memory_service.api.deps import ConnDep, ReadTenantDep, RedactionDep, RuntimeDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.api.examples import HANDOFF_REQUEST, HANDOFF_RESPONSE, example
from memory_service.handoff.flows import handoff_brief
from schemas.handoff import HandoffBrief, HandoffRequest

router = APIRouter(prefix="/v1/customers", tags=["handoff"], responses=ERROR_RESPONSES)


@router.post(
    "/{customer_ref}/handoff",
    response_model=HandoffBrief,
    responses={200: example(HANDOFF_RESPONSE)},
    openapi_extra={"requestBody": {"content": {"application/json": {"example": HANDOFF_REQUEST}}}},
)
def create_handoff_brief(
    customer_ref: str, request: HandoffRequest, tenant: ReadTenantDep, conn: ConnDep, runtime: RuntimeDep,
    redaction: RedactionDep,
) -> HandoffBrief:
    """The brief a person taking over needs: who the customer is, why they are handed over, what
    they already told us (with sources), open issues and promises, relevant memories, sentiment,
    summaries and links; `text` is Markdown within `token_budget`. Stores nothing."""
    return handoff_brief(
        conn, tenant=tenant, customer_ref=customer_ref, request=request, settings=runtime.settings,
        index=runtime.index, embed_query=runtime.embedder.embed_query, policy=runtime.recall_policy,
        reranker=runtime.reranker, redaction=redaction,
    )  # fmt: skip
