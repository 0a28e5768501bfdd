"""Vector index port and its implementations (FAISS in process; pgvector for comparison)."""

from memory_service.index.base import VectorIndex
from memory_service.index.faiss_index import CustomerVectorIndex, SearchHit
from memory_service.index.pgvector_index import PgVectorIndex

__all__ = ["CustomerVectorIndex", "PgVectorIndex", "SearchHit", "VectorIndex"]
