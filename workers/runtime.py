"""What a worker process builds once (models, pool) and reuses for every task."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from psycopg_pool import ConnectionPool

from memory_service.config import Settings, get_settings
from memory_service.db import create_pool, migrate, wait_for_database
from memory_service.embeddings import Embedder
from memory_service.embeddings.factory import build_embedder
from memory_service.extraction import Extractor
from memory_service.extraction.factory import build_extractor


@dataclass
class WorkerRuntime:
    settings: Settings
    pool: ConnectionPool
    embedder: Embedder
    extractor: Extractor


_runtime: WorkerRuntime | None = None
_lock = threading.Lock()


def get_worker_runtime() -> WorkerRuntime:
    global _runtime
    with _lock:
        if _runtime is None:
            settings = get_settings()
            assert settings.database_url, "MEMORY_DATABASE_URL must be set for a worker"
            wait_for_database(settings.database_url)
            migrate(settings.database_url)  # idempotent; the pool needs the vector type to exist
            embedder = build_embedder(settings)  # one model: the documents' vectors and the fact gate
            _runtime = WorkerRuntime(
                settings=settings,
                pool=create_pool(settings.database_url, min_size=1, max_size=2, name="worker"),
                embedder=embedder,
                extractor=build_extractor(settings, embedder=embedder),
            )
        return _runtime
