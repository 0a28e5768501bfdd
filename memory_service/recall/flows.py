"""A recall request end to end: resolve the customer, strip their own name from the query,
embed it, recall (or serve a kept answer, see recall/cache.py), and add the profile when asked.
The ranking itself is recall/service.py."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import numpy as np
from psycopg import Connection

from memory_service.identity.service import resolve_customer
from memory_service.index.base import VectorIndex
from memory_service.metrics import RECALL_ITEMS
from memory_service.profiles.service import get_profile
from memory_service.recall.cache import RecallCache
from memory_service.recall.rerank import Reranker
from memory_service.recall.service import RecallPolicy, recall, without_name
from memory_service.units import repository as units
from schemas.recall import RecallRequest, RecallResponse


def recall_for_customer(
    conn: Connection, *, tenant_id: str, customer_ref: str, request: RecallRequest, index: VectorIndex,
    embed_query: Callable[[str], np.ndarray], policy: RecallPolicy, reranker: Reranker | None = None,
    country_code: str = "1", cache: RecallCache | None = None, slots: AbstractContextManager[object] | None = None,
) -> RecallResponse:  # fmt: skip
    """`slots` bounds how many recalls embed and rank at once (the runtime's recall_slots); a kept
    answer is served without one."""
    customer_id, name = resolve_customer(conn, tenant_id=tenant_id, ref=customer_ref, country_code=country_code)
    version = index.version(tenant_id=tenant_id, customer_id=customer_id) if cache and cache.enabled else None
    key = None if version is None else (tenant_id, customer_id, version, request.model_dump_json(
        exclude={"include_profile"}))  # fmt: skip
    answer = cache.get(key) if cache and key else None
    if answer is None or not _still_live(conn, tenant_id, customer_id, answer):
        with slots or nullcontext():
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
        if cache and key:
            cache.put(key, answer)
    profile = get_profile(conn, tenant_id=tenant_id, customer_id=customer_id) if request.include_profile else None
    RECALL_ITEMS.observe(len(answer.items))
    return answer.model_copy(update={"profile": profile})  # the kept answer itself is never changed


def _still_live(conn: Connection, tenant_id: str, customer_id: str, answer: RecallResponse) -> bool:
    """Every unit of a kept answer is still there and active (one query by primary key)."""
    if not answer.items:
        return True
    observations = [i.id for i in answer.items if i.type == "observation"]
    others = [i.id for i in answer.items if i.type != "observation"]
    live = units.count_live(conn, tenant_id=tenant_id, customer_id=customer_id, observation_ids=observations,
                            unit_ids=others)  # fmt: skip
    return live == len(answer.items)
