"""The pgvector search path (MEMORY_VECTOR_BACKEND=pgvector): the same interface as the FAISS
index, answered by Postgres with exact inner-product search over the customer's rows.

No in-process state: writes need no syncing, so the replace/remove hooks are no-ops. It
exists to compare against (and as a fallback for deployments that cannot hold the index).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from psycopg_pool import ConnectionPool

from memory_service.db import to_numpy
from memory_service.index.faiss_index import SearchHit
from memory_service.index.lexical import UnitFacts, UnitLexemes
from memory_service.units.repository import CUSTOMER_UNITS


def search_sql() -> str:
    """Exact inner-product search over one customer's units: the (customer_id, status) index finds
    the rows, pgvector scores them. (An HNSW index cannot help a one-customer filter: the
    customer holds ~1e-4 of the rows, so an approximate scan would visit most of the graph.)"""
    return (f"SELECT id, unit_type, -(embedding <#> %(q)s) AS score FROM ({CUSTOMER_UNITS}) u "
            "ORDER BY embedding <#> %(q)s LIMIT %(k)s")  # fmt: skip


class PgVectorIndex:
    codec = "pgvector"

    def __init__(self, pool: ConnectionPool, dim: int) -> None:
        self.pool = pool
        self.dim = dim
        self.ready = True
        self.holds_lexemes = False

    def version(self, *, tenant_id: str, customer_id: str) -> int | None:
        return None  # every query reads Postgres: nothing to key a cached answer by

    @property
    def customer_count(self) -> int:
        return 0

    def __len__(self) -> int:
        return 0

    def _query(self, sql: str, params: dict[str, Any]) -> list[Any]:
        # Binary results: a vector in text form costs ~0.5 ms of Python parsing, in binary microseconds.
        with self.pool.connection() as conn:
            rows = conn.execute(sql, params, binary=True).fetchall()  # type: ignore[arg-type]
            conn.commit()
        return rows

    def search(self, *, tenant_id: str, customer_id: str, query: np.ndarray, k: int) -> list[SearchHit]:
        rows = self._query(search_sql(), {"c": customer_id, "t": tenant_id, "q": np.asarray(query, dtype=np.float32),
                                          "k": k})  # fmt: skip
        return [SearchHit(observation_id=str(r["id"]), score=float(r["score"]), unit_type=r["unit_type"]) for r in rows]

    def vectors(self, *, tenant_id: str, customer_id: str, ids: list[str]) -> dict[str, np.ndarray]:
        rows = self._query(f"SELECT id, embedding FROM ({CUSTOMER_UNITS}) u WHERE id = ANY(%(ids)s::uuid[])",
                           {"c": customer_id, "t": tenant_id, "ids": ids})  # fmt: skip
        return {str(r["id"]): to_numpy(r["embedding"]) for r in rows}

    def unit_count(self, *, tenant_id: str, customer_id: str) -> int:
        rows = self._query(f"SELECT count(*) AS n FROM ({CUSTOMER_UNITS}) u", {"c": customer_id, "t": tenant_id})
        return int(rows[0]["n"])

    def customer_ids(self, *, tenant_id: str, customer_id: str, unit_type: str = "observation") -> list[str]:
        rows = self._query(f"SELECT id FROM ({CUSTOMER_UNITS}) u WHERE unit_type = %(u)s",
                           {"c": customer_id, "t": tenant_id, "u": unit_type})  # fmt: skip
        return [str(r["id"]) for r in rows]

    def lexical_search(self, **_: Any) -> list[SearchHit] | None:
        """None: BM25 runs in Postgres (units.lexical_search over the stored tsv)."""
        return None

    def facts(self, **_: Any) -> dict[str, UnitFacts] | None:
        """None: ranking reads kinds and times from the rows."""
        return None

    def replace_customer(
        self, *, tenant_id: str, customer_id: str, ids: list[str], vectors: np.ndarray, types: list[str] | None = None,
        lexical: list[UnitLexemes] | None = None,
    ) -> None:
        """Postgres already holds the rows."""

    def remove_customer(self, *, customer_id: str) -> None:
        """Postgres already deleted the rows."""
