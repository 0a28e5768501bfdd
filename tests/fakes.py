"""Deterministic stand-ins for the heavy ports, for unit tests only."""

from __future__ import annotations

import hashlib

import numpy as np


class HashingEmbedder:
    """Bag-of-words hashing: texts sharing words get similar vectors. Deterministic, no model."""

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                digest = hashlib.sha256(word.strip(".,!?").encode()).digest()
                out[row, int.from_bytes(digest[:4], "little") % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out
