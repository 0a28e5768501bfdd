"""Vector index port and its FAISS implementation (a cache of Postgres, always rebuildable)."""

from memory_service.index.faiss_index import CustomerVectorIndex, SearchHit

__all__ = ["CustomerVectorIndex", "SearchHit"]
