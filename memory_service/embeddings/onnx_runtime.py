"""The Embedder port on ONNX Runtime: the same model, exported once (see onnx_export).

Needs neither torch nor transformers once the export is cached: the model's own fast tokenizer,
then one ONNX session whose output is already mean-pooled and L2-normalised. Texts are sorted by
token count and batched so each batch pads only to its own longest text, then put back in order.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from memory_service.embeddings.mean_pooling import length_batches, load_tokenizer, pad_batch
from memory_service.embeddings.onnx_export import Variant, ensure_export


def _session(model_file: Path, threads: int):  # type: ignore[no-untyped-def]
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle pool threads spinning for work would take CPU from the other processes on the box.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])


class OnnxEmbedder:
    def __init__(self, model_path: str, cache_dir: Path, *, variant: Variant = "fp32", batch_size: int = 64,
                 threads: int = 1, runs: int = 1) -> None:  # fmt: skip
        self.model_file, self.export_seconds = ensure_export(model_path, cache_dir, variant)
        try:
            self.session = _session(self.model_file, threads)
        except Exception:  # valid hash but unloadable (e.g. another runtime version wrote it)
            self.model_file.unlink(missing_ok=True)
            self.model_file, self.export_seconds = ensure_export(model_path, cache_dir, variant)
            self.session = _session(self.model_file, threads)
        self.tokenizer, self.max_length = load_tokenizer(Path(model_path))
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.dim = int(self.session.get_outputs()[0].shape[-1])
        self.batch_size = batch_size
        self.model_name = model_path
        self.variant = variant
        # Runs at once: one keeps latency flat, as the torch path does; more let recalls that embed
        # their own queries (MEMORY_QUERY_MICRO_BATCH off) use the cores side by side (a session
        # may run from several threads; with `threads` > 1 they share its one intra-op pool).
        self._lock = threading.BoundedSemaphore(max(1, runs))

    def _run(self, encoded: list) -> np.ndarray:  # type: ignore[type-arg]
        ids, mask, types = pad_batch(encoded)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (vectors,) = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})
        return np.asarray(vectors, dtype=np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encoded = self.tokenizer.encode_batch(texts)
        with self._lock:
            for rows in length_batches(encoded, self.batch_size):
                out[rows] = self._run([encoded[i] for i in rows])
        return out

