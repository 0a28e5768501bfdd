"""The embedding port and a query cache in front of any implementation."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return an (n, dim) float32 array of L2-normalised vectors."""
        ...


class CachedQueryEmbedder:
    """LRU cache of query vectors: agents repeat the same questions across turns."""

    def __init__(self, embedder: Embedder, *, max_entries: int = 4096) -> None:
        self.embedder = embedder
        self.dim = embedder.dim
        self.max_entries = max_entries
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def embed_query(self, text: str) -> np.ndarray:
        key = " ".join(text.split()).lower()
        with self._lock:
            vec = self._cache.get(key)
            if vec is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                return vec
        vec = self.embedder.embed([text])[0]
        with self._lock:
            self.misses += 1
            self._cache[key] = vec
            if len(self._cache) > self.max_entries:
                self._cache.popitem(last=False)
        return vec

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.embedder.embed(texts)
