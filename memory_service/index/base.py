"""The vector index port: what recall and the sync loop need from an index."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import numpy as np

from memory_service.index.faiss_index import SearchHit
from memory_service.index.lexical import UnitFacts, UnitLexemes


class VectorIndex(Protocol):
    dim: int
    ready: bool
    holds_lexemes: bool  # lexical_search and facts can answer (else BM25 and facts come from Postgres)

    def __len__(self) -> int: ...

    @property
    def customer_count(self) -> int: ...

    def search(self, *, tenant_id: str, customer_id: str, query: np.ndarray, k: int) -> list[SearchHit]: ...

    def vectors(self, *, tenant_id: str, customer_id: str, ids: list[str]) -> dict[str, np.ndarray]: ...

    def unit_count(self, *, tenant_id: str, customer_id: str) -> int: ...

    def version(self, *, tenant_id: str, customer_id: str) -> int | None:
        """A value that changes whenever the customer's units change in the index; None when
        the index cannot tell (then no recall answer is cached)."""
        ...

    def customer_ids(self, *, tenant_id: str, customer_id: str, unit_type: str = ...) -> list[str]: ...

    def lexical_search(
        self, *, tenant_id: str, customer_id: str, lexemes: list[str], limit: int, since: datetime | None = ...,
        until: datetime | None = ..., k1: float = ..., b: float = ...,
    ) -> list[SearchHit] | None: ...

    def facts(self, *, tenant_id: str, customer_id: str, ids: list[str]) -> dict[str, UnitFacts] | None: ...

    def replace_customer(
        self, *, tenant_id: str, customer_id: str, ids: list[str], vectors: np.ndarray, types: list[str] | None = None,
        lexical: list[UnitLexemes] | None = None,
    ) -> None: ...

    def remove_customer(self, *, customer_id: str) -> None: ...
