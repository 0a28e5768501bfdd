"""FAISS sub-index per customer.

Recall is always scoped to one customer, so each customer gets a small flat inner-product
index of their own: a search touches only that customer's vectors, isolation between
tenants is structural (an entry remembers its tenant and is never searched for another),
and replacing a customer's entry wholesale handles adds, supersedes and deletions alike.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import faiss
import numpy as np


@dataclass(frozen=True)
class SearchHit:
    observation_id: str
    score: float


@dataclass
class _CustomerEntry:
    tenant_id: str
    ids: list[str]
    index: faiss.Index


class CustomerVectorIndex:
    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._entries: dict[str, _CustomerEntry] = {}
        self._lock = threading.RLock()
        self.ready = False

    def __len__(self) -> int:
        with self._lock:
            return sum(len(e.ids) for e in self._entries.values())

    @property
    def customer_count(self) -> int:
        return len(self._entries)

    def replace_customer(self, *, tenant_id: str, customer_id: str, ids: list[str], vectors: np.ndarray) -> None:
        """Make the customer's entry hold exactly these vectors (none removes it)."""
        if not ids:
            self.remove_customer(customer_id=customer_id)
            return
        matrix = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        index = faiss.IndexFlatIP(self.dim)
        index.add(matrix)
        entry = _CustomerEntry(tenant_id=tenant_id, ids=list(ids), index=index)
        with self._lock:
            self._entries[customer_id] = entry

    def remove_customer(self, *, customer_id: str) -> None:
        with self._lock:
            self._entries.pop(customer_id, None)

    def customer_ids(self, *, tenant_id: str, customer_id: str) -> list[str]:
        with self._lock:
            entry = self._entries.get(customer_id)
        return [] if entry is None or entry.tenant_id != tenant_id else list(entry.ids)

    def search(self, *, tenant_id: str, customer_id: str, query: np.ndarray, k: int) -> list[SearchHit]:
        """Best-first hits among the customer's vectors; nothing for another tenant's customer."""
        with self._lock:
            entry = self._entries.get(customer_id)
        if entry is None or entry.tenant_id != tenant_id:
            return []
        k = min(k, len(entry.ids))
        scores, positions = entry.index.search(np.asarray(query, dtype=np.float32).reshape(1, self.dim), k)
        return [
            SearchHit(observation_id=entry.ids[pos], score=float(score))
            for score, pos in zip(scores[0], positions[0], strict=True)
            if pos >= 0
        ]
