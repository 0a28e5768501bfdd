"""Query embeddings without importing sentence-transformers.

A sentence-transformers model of the usual form (Transformer -> mean Pooling -> Normalize, as
the bundled all-MiniLM-L6-v2 is) is run here with `tokenizers` and a transformers `AutoModel`:
the same computation, so the same vectors as the worker's SentenceTransformer (to float
rounding), but the API no longer imports sentence-transformers and the scikit-learn/SciPy it
pulls in, which was about half of the API's start-up on the 2-core box. A model of any other
form is not `supported()`, and the runtime falls back to SentenceTransformerEmbedder.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"


def _read(path: Path) -> Any:
    return json.loads(path.read_text())


def supported(model_path: str) -> bool:
    """True for a local model directory of the form Transformer -> mean Pooling -> Normalize."""
    root = Path(model_path)
    try:
        modules = _read(root / "modules.json")
        types = [m["type"] for m in modules]
        if types != [_TRANSFORMER, _POOLING, _NORMALIZE] or modules[0]["path"] != "":
            return False
        pooling = _read(root / modules[1]["path"] / "config.json")
        modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
        return modes == {"pooling_mode_mean_tokens"} and (root / "tokenizer.json").exists()
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return False


class MeanPoolingEmbedder:
    def __init__(self, model_path: str, *, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from tokenizers import Tokenizer
        from transformers import AutoModel

        root = Path(model_path)
        config = _read(root / "sentence_bert_config.json") if (root / "sentence_bert_config.json").exists() else {}
        model_max = _read(root / "tokenizer_config.json").get("model_max_length", 512)
        self.max_length = int(min(config.get("max_seq_length") or model_max, model_max))
        self.tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_length)
        self.tokenizer.no_padding()
        self.model = AutoModel.from_pretrained(str(root)).eval()
        self.dim = int(self.model.config.hidden_size)
        self.batch_size = batch_size
        self.model_name = str(root)
        self._torch = torch
        self._lock = threading.Lock()

    def _batch(self, texts: list[str]) -> np.ndarray:
        torch = self._torch
        encoded = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(encoded), width), dtype=np.int64)
        mask = np.zeros((len(encoded), width), dtype=np.int64)
        types = np.zeros((len(encoded), width), dtype=np.int64)
        for row, e in enumerate(encoded):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = e.attention_mask
            types[row, : len(e.ids)] = e.type_ids
        attention = torch.from_numpy(mask)
        with torch.inference_mode():
            hidden = self.model(input_ids=torch.from_numpy(ids), attention_mask=attention,
                                token_type_ids=torch.from_numpy(types)).last_hidden_state  # fmt: skip
            weights = attention.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return pooled.numpy().astype(np.float32, copy=False)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            parts = [self._batch(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        return np.vstack(parts)
