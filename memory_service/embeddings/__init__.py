"""Embedding port: Embedder.embed(texts) -> (n, dim) float32, L2-normalised."""

from memory_service.embeddings.base import CachedQueryEmbedder, Embedder
from memory_service.embeddings.sentence_transformer import SentenceTransformerEmbedder, bundled_model_path

__all__ = ["CachedQueryEmbedder", "Embedder", "SentenceTransformerEmbedder", "bundled_model_path"]
