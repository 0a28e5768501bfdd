"""GET /v1/customers/{ref}/context end to end: resolve, recall for the query (when given),
profile, and the block within the budget."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from psycopg import Connection

from memory_service.context.service import build_block
from memory_service.identity.service import resolve_customer_ref
from memory_service.index.base import VectorIndex
from memory_service.profiles.service import get_profile
from memory_service.recall.flows import recall_for_customer
from memory_service.recall.rerank import Reranker
from memory_service.recall.service import RecallPolicy
from schemas.context import ContextResponse
from schemas.recall import RecallRequest


def context_for_customer(
    conn: Connection, *, tenant_id: str, customer_ref: str, query: str | None, token_budget: int,
    index: VectorIndex, embed_query: Callable[[str], np.ndarray], policy: RecallPolicy,
    reranker: Reranker | None = None, country_code: str = "1",
) -> ContextResponse:  # fmt: skip
    customer_id = resolve_customer_ref(conn, tenant_id=tenant_id, ref=customer_ref, country_code=country_code)
    items = []
    if query and query.strip():
        answer = recall_for_customer(
            conn, tenant_id=tenant_id, customer_ref=customer_id, index=index, embed_query=embed_query,
            policy=policy, reranker=reranker, country_code=country_code,
            request=RecallRequest(query=query, top_k=10, include_profile=False),
        )  # fmt: skip
        items = answer.items
    profile = get_profile(conn, tenant_id=tenant_id, customer_id=customer_id)
    block = build_block(profile, items, query=query, budget=token_budget)
    return ContextResponse(customer_id=customer_id, text=block.text, token_count=block.token_count,
                           items=block.items, profile=profile)  # fmt: skip
