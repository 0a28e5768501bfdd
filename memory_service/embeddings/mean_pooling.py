"""Query embeddings without importing sentence-transformers or transformers.

A sentence-transformers model of the usual form (a BERT encoder -> mean Pooling -> Normalize,
as the bundled all-MiniLM-L6-v2 is) is run here with `tokenizers`, the safetensors weights and
a plain-torch BERT forward pass: the same computation, so the same vectors as the worker's
SentenceTransformer (to float rounding, checked by tests/unit/test_embeddings.py). Importing
sentence-transformers (and the scikit-learn/SciPy it pulls in) and transformers' BERT module
was ~10 s of CPU, most of the API's restart on the 2-core box; this needs torch alone. A model
of any other form is not `supported()`, and the runtime falls back to SentenceTransformerEmbedder.
"""

from __future__ import annotations

import json
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
        config = _read(root / "config.json")
        plain_bert = (config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
                      and config.get("position_embedding_type", "absolute") == "absolute")  # fmt: skip
        files = all((root / f).exists() for f in ("tokenizer.json", "model.safetensors"))
        return modes == {"pooling_mode_mean_tokens"} and plain_bert and files
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return False


def load_tokenizer(root: Path) -> tuple[Any, int]:
    """The model's own fast tokenizer, truncating where sentence-transformers does, never padding
    (tokenizer.json pads to 128 by default; callers pad each batch to its longest text)."""
    from tokenizers import Tokenizer

    config = _read(root / "sentence_bert_config.json") if (root / "sentence_bert_config.json").exists() else {}
    model_max = min(_read(root / "tokenizer_config.json").get("model_max_length", 512),
                    _read(root / "config.json").get("max_position_embeddings", 512))  # fmt: skip
    max_length = int(min(config.get("max_seq_length") or model_max, model_max))
    tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
    tokenizer.enable_truncation(max_length)
    tokenizer.no_padding()
    return tokenizer, max_length


class _Bert:
    """BERT's encoder (post-LayerNorm, absolute positions, exact GELU), inference only."""

    def __init__(self, root: Path) -> None:
        import torch
        from safetensors.torch import load_file

        config = _read(root / "config.json")
        weights = load_file(str(root / "model.safetensors"))
        self.w = {k.removeprefix("bert."): v.float() for k, v in weights.items()}
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.torch = torch

    def _norm(self, x: Any, name: str) -> Any:
        return self.torch.nn.functional.layer_norm(x, (self.hidden,), self.w[f"{name}.weight"], self.w[f"{name}.bias"],
                                                   self.eps)  # fmt: skip

    def _linear(self, x: Any, name: str) -> Any:
        return self.torch.nn.functional.linear(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def __call__(self, ids: Any, mask: Any, types: Any) -> Any:
        torch, fn, w = self.torch, self.torch.nn.functional, self.w
        batch, length = ids.shape
        positions = torch.arange(length).unsqueeze(0)
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
             + w["embeddings.token_type_embeddings.weight"][types])  # fmt: skip
        x = self._norm(x, "embeddings.LayerNorm")
        keys = mask.bool()[:, None, None, :]  # padding is never attended to
        head = self.hidden // self.heads
        for n in range(self.layers):
            p = f"encoder.layer.{n}"
            q, k, v = (self._linear(x, f"{p}.attention.self.{t}").view(batch, length, self.heads, head).transpose(1, 2)
                       for t in ("query", "key", "value"))  # fmt: skip
            context = fn.scaled_dot_product_attention(q, k, v, attn_mask=keys)
            context = context.transpose(1, 2).reshape(batch, length, self.hidden)
            x = self._norm(self._linear(context, f"{p}.attention.output.dense") + x, f"{p}.attention.output.LayerNorm")
            inner = fn.gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = self._norm(self._linear(inner, f"{p}.output.dense") + x, f"{p}.output.LayerNorm")
        return x


class MeanPoolingEmbedder:
    def __init__(self, model_path: str, *, batch_size: int = 64) -> None:
        import torch

        root = Path(model_path)
        self.tokenizer, self.max_length = load_tokenizer(root)
        self.model = _Bert(root)
        self.dim = self.model.hidden
        self.batch_size = batch_size
        self.model_name = str(root)
        self._torch = torch
        self._lock = threading.Lock()

    def _batch(self, encoded: list[Any]) -> np.ndarray:
        torch = self._torch
        ids, mask, types = pad_batch(encoded)
        attention = torch.from_numpy(mask)
        with torch.inference_mode():
            hidden = self.model(torch.from_numpy(ids), attention, torch.from_numpy(types))
            weights = attention.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return pooled.numpy().astype(np.float32, copy=False)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encoded = self.tokenizer.encode_batch(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            for rows in length_batches(encoded, self.batch_size):
                out[rows] = self._batch([encoded[i] for i in rows])
        return out


# Word pieces per model call, padding included. Measured on this 2-core CPU, ONNX, one thread
# (same vectors to 1e-8): 128 long LongMemEval turns (256 pieces each) 17.6 texts/s in batches
# of 64, 25.6 within 512 pieces; 512 LoCoMo turns 86.5 -> 124.9 texts/s. A batch of 64 long
# texts holds 64 x 12 heads x 256^2 attention scores (~200 MB), far past the caches.
TOKENS_PER_BATCH = 512


def length_batches(encoded: list[Any], most: int) -> list[list[int]]:
    """Positions of `encoded` in batches of similar length (each pads little, as
    sentence-transformers does; rows go back in order), of at most `most` texts and
    TOKENS_PER_BATCH padded pieces (a text longer than that goes alone)."""
    lengths = [len(e.ids) for e in encoded]
    batches: list[list[int]] = [[]]
    for i in sorted(range(len(encoded)), key=lengths.__getitem__):
        if batches[-1] and ((len(batches[-1]) + 1) * lengths[i] > TOKENS_PER_BATCH or len(batches[-1]) >= most):
            batches.append([])
        batches[-1].append(i)
    return [b for b in batches if b]


def pad_batch(encoded: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token ids, attention mask and type ids of a batch, padded only to its longest text."""
    width = max(len(e.ids) for e in encoded)
    ids = np.zeros((len(encoded), width), dtype=np.int64)
    mask = np.zeros((len(encoded), width), dtype=np.int64)
    types = np.zeros((len(encoded), width), dtype=np.int64)
    for row, e in enumerate(encoded):
        ids[row, : len(e.ids)] = e.ids
        mask[row, : len(e.ids)] = e.attention_mask
        types[row, : len(e.ids)] = e.type_ids
    return ids, mask, types
