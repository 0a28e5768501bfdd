"""The one place an Embedder is chosen from settings, for the API and the worker alike."""

from __future__ import annotations

import logging
import os

from memory_service.config import Settings
from memory_service.embeddings.base import Embedder

# stdlib logging, to stderr: `up` builds the model before structlog is configured, and its
# default logger would print to stdout, where `up` writes only the service's URL.
log = logging.getLogger(__name__)


def build_embedder(settings: Settings, *, runs: int = 1) -> Embedder:
    """settings.embedding_backend: onnx / onnx-int8 (ONNX Runtime, see onnx_runtime) or torch.
    `runs`: ONNX runs at once (the API's query model without the micro-batching thread).

    Models of a form the export does not cover (see mean_pooling.supported) use the torch path."""
    from memory_service.embeddings import mean_pooling
    from memory_service.embeddings.sentence_transformer import bundled_model_path

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    path = settings.embedding_model or bundled_model_path()
    if settings.embedding_backend != "torch" and mean_pooling.supported(path):
        from memory_service.embeddings.onnx_export import Variant, default_cache_dir
        from memory_service.embeddings.onnx_runtime import OnnxEmbedder

        variant: Variant = "int8" if settings.embedding_backend == "onnx-int8" else "fp32"
        embedder = OnnxEmbedder(path, settings.onnx_cache_dir or default_cache_dir(), variant=variant,
                                batch_size=settings.embedding_batch_size, threads=settings.torch_threads,
                                runs=runs)  # fmt: skip
        log.info("embedder_ready backend=onnx variant=%s model_file=%s export_seconds=%.2f", variant,
                 embedder.model_file, embedder.export_seconds)  # fmt: skip
        return embedder
    if settings.embedding_backend != "torch":
        log.warning("embedder_onnx_unsupported_model model=%s: using torch", path)
    return build_torch_embedder(settings, path)


def build_torch_embedder(settings: Settings, path: str) -> Embedder:
    """Without sentence-transformers when the model's form allows (see mean_pooling)."""
    from memory_service.embeddings import mean_pooling
    from memory_service.embeddings.sentence_transformer import SentenceTransformerEmbedder
    from memory_service.logging import limit_torch_threads

    limit_torch_threads(settings.torch_threads)
    if mean_pooling.supported(path):
        return mean_pooling.MeanPoolingEmbedder(path, batch_size=settings.embedding_batch_size)
    return SentenceTransformerEmbedder(path, batch_size=settings.embedding_batch_size)
