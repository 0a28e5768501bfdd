"""Recall: the customer's relevant memory for a query, best first, within a token budget.

Relevance is a threshold, not just the k nearest: an item must reach `min_score` (cosine,
default settings.recall_min_score) and, unless the caller set min_score, at least
`recall_relative_cutoff` of the best item's score, so a query that matches one thing well
does not drag in weak neighbours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from psycopg import Connection

from memory_service.index import CustomerVectorIndex
from memory_service.observations import repository as observations_repo
from memory_service.observations.service import observation_out
from schemas.recall import RecallItem, RecallRequest, RecallResponse


def estimate_tokens(text: str) -> int:
    """Cheap, model-agnostic token estimate (about 4 characters a token, at least one per word)."""
    return max(len(text.split()), math.ceil(len(text) / 4))


@dataclass(frozen=True)
class RecallPolicy:
    min_score: float = 0.3
    relative_cutoff: float = 0.6


def _passes_filters(row: dict[str, Any], request: RecallRequest) -> bool:
    if request.kinds and row["kind"] not in request.kinds:
        return False
    if request.since and row["observed_at"] < request.since:
        return False
    return not (request.until and row["observed_at"] > request.until)


def recall(
    conn: Connection,
    *,
    index: CustomerVectorIndex,
    query_vector: np.ndarray,
    tenant_id: str,
    customer_id: str,
    request: RecallRequest,
    policy: RecallPolicy,
) -> RecallResponse:
    hits = index.search(tenant_id=tenant_id, customer_id=customer_id, query=query_vector, k=10_000)
    floor = policy.min_score if request.min_score is None else request.min_score
    if hits and request.min_score is None:
        floor = max(floor, hits[0].score * policy.relative_cutoff)
    hits = [h for h in hits if h.score >= floor][: max(request.top_k * 5, 50)]
    # Postgres is the truth: a row deleted or superseded since the index saw it is dropped here.
    rows = observations_repo.fetch_with_sources(
        conn, tenant_id=tenant_id, customer_id=customer_id, ids=[h.observation_id for h in hits]
    )
    items: list[RecallItem] = []
    used = 0
    for hit in hits:
        row = rows.get(hit.observation_id)
        if row is None or not _passes_filters(row, request):
            continue
        out = observation_out(row)
        tokens = estimate_tokens(out.text)
        if request.token_budget is not None and used + tokens > request.token_budget:
            continue
        used += tokens
        items.append(
            RecallItem(
                id=out.id, type="observation", kind=out.kind, text=out.text, score=round(hit.score, 4),
                confidence=out.confidence, observed_at=out.observed_at, source=out.source, token_count=tokens,
            )
        )  # fmt: skip
        if len(items) >= request.top_k:
            break
    return RecallResponse(customer_id=customer_id, items=items, token_count=used)
