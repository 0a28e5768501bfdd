"""Load the API's query model as early as possible, in a thread of its own.

`serve`/`up` call start() before importing the application, so importing the runtime (ONNX
Runtime, or torch for MEMORY_EMBEDDING_BACKEND=torch) and reading the weights overlap with
everything else a start does (starting embedded Redis, importing the app, migrating, loading
the index); build_api_runtime then takes() the model instead of loading it again.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from typing import Any

from memory_service.config import Settings
from memory_service.embeddings.base import Embedder

_lock = threading.Lock()
_pending: dict[tuple[str | None, int, int, str], Future[Embedder]] = {}


def _key(settings: Settings) -> tuple[str | None, int, int, str]:
    backend = query_settings(settings).embedding_backend
    return settings.embedding_model, settings.embedding_batch_size, settings.torch_threads, backend


def set_thread_env(threads: int) -> None:
    """Before any thread imports torch: its OpenMP pool reads these once, at import."""
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def build_query_model(settings: Settings) -> Embedder:
    """The API's query model: query_backend(settings) (see factory.build_embedder)."""
    from memory_service.embeddings.factory import build_embedder

    # Without the micro-batching thread each recall embeds in its own thread: as many runs at once.
    runs = 1 if settings.query_micro_batch else settings.recall_concurrency or os.cpu_count() or 1
    return build_embedder(query_settings(settings), runs=runs)


class DocumentModel:
    """The API's model for document vectors (a person's correction of an observation): the
    query model itself when the backends agree, else the documents' backend, loaded on first use."""

    def __init__(self, settings: Settings, query_model: Embedder) -> None:
        self.settings = settings
        self._model: Embedder | None = query_model if query_settings(settings) is settings else None
        self._lock = threading.Lock()

    def embed_one(self, text: str) -> Any:
        with self._lock:
            if self._model is None:
                from memory_service.embeddings.factory import build_embedder

                self._model = build_embedder(self.settings)
        return self._model.embed([text])[0]


def query_backend(settings: Settings) -> str:
    """query_embedding_backend, else onnx-int8 over onnx documents (a query's int8 vector keeps cosine
    >= 0.99 to its fp32 one on the dev questions at a third of the CPU), else the documents' backend."""
    if settings.query_embedding_backend is not None:
        return settings.query_embedding_backend
    return "onnx-int8" if settings.embedding_backend == "onnx" else settings.embedding_backend


def query_settings(settings: Settings) -> Settings:
    backend = query_backend(settings)
    return settings if backend == settings.embedding_backend else settings.model_copy(
        update={"embedding_backend": backend})  # fmt: skip


def start(settings: Settings) -> None:
    set_thread_env(settings.torch_threads)
    future: Future[Embedder] = Future()

    def run() -> None:
        try:
            future.set_result(build_query_model(settings))
        except BaseException as exc:  # handed to whoever takes it
            future.set_exception(exc)

    with _lock:
        if _key(settings) in _pending:
            return
        _pending[_key(settings)] = future
    threading.Thread(target=run, name="model-preload", daemon=True).start()


def take(settings: Settings) -> Future[Embedder] | None:
    """The model started for these settings, if any (each start is taken once)."""
    with _lock:
        return _pending.pop(_key(settings), None)
