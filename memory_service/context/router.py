"""GET /v1/customers/{ref}/context."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from memory_service.api.deps import ConnDep, ReadTenantDep, RuntimeDep
from memory_service.api.errors import ERROR_RESPONSES
from memory_service.api.examples import CONTEXT_RESPONSE, example
from memory_service.context.flows import context_for_customer
from schemas.context import ContextResponse

router = APIRouter(prefix="/v1/customers", tags=["context"], responses=ERROR_RESPONSES)


@router.get("/{customer_ref}/context", response_model=ContextResponse, responses={200: example(CONTEXT_RESPONSE)})
def read_context(
    customer_ref: str, tenant: ReadTenantDep, conn: ConnDep, runtime: RuntimeDep,
    query: Annotated[str | None, Query(max_length=4000, description="what the conversation is about")] = None,
    token_budget: Annotated[int, Query(ge=1, le=100_000, description="tokens, counted as the README says")] = 1000,
) -> ContextResponse:  # fmt: skip
    """A prompt-ready block for an AI agent's first turn: who the customer is, what is open, and
    what is relevant to `query`; `token_count` (bundled MiniLM tokenizer) never exceeds `token_budget`."""
    return context_for_customer(
        conn, tenant_id=tenant.id, customer_ref=customer_ref, query=query, token_budget=token_budget,
        index=runtime.index, embed_query=runtime.embedder.embed_query, policy=runtime.recall_policy,
        reranker=runtime.reranker, country_code=runtime.settings.default_phone_country_code,
    )  # fmt: skip
