"""A recall request end to end: resolve the customer, strip their own name from the query,
embed it, recall, and add the profile when asked. The ranking itself is recall/service.py."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from psycopg import Connection

from memory_service.identity.service import resolve_customer
from memory_service.index.base import VectorIndex
from memory_service.metrics import RECALL_ITEMS
from memory_service.profiles.service import get_profile
from memory_service.recall.rerank import Reranker
from memory_service.recall.service import RecallPolicy, recall, without_name
from schemas.recall import RecallRequest, RecallResponse


def recall_for_customer(
    conn: Connection, *, tenant_id: str, customer_ref: str, request: RecallRequest, index: VectorIndex,
    embed_query: Callable[[str], np.ndarray], policy: RecallPolicy, reranker: Reranker | None = None,
    country_code: str = "1",
) -> RecallResponse:  # fmt: skip
    customer_id, name = resolve_customer(conn, tenant_id=tenant_id, ref=customer_ref, country_code=country_code)
    answer = recall(
        conn,
        index=index,
        query_vector=embed_query(without_name(request.query, customer_name=name)),
        customer_name=name,
        tenant_id=tenant_id,
        customer_id=customer_id,
        request=request,
        policy=policy,
        reranker=reranker,
    )
    if request.include_profile:
        answer.profile = get_profile(conn, tenant_id=tenant_id, customer_id=customer_id)
    RECALL_ITEMS.observe(len(answer.items))
    return answer
