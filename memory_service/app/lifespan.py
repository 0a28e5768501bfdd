"""What the API process builds once at start (FastAPI lifespan) and hands to the routes."""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import structlog
from psycopg_pool import ConnectionPool

from memory_service.config import Settings
from memory_service.db import create_pool, migrate, wait_for_database
from memory_service.embeddings import CachedQueryEmbedder, Embedder, preload
from memory_service.embeddings.batching import MicroBatchingEmbedder
from memory_service.index import CustomerVectorIndex, PgVectorIndex, VectorIndex
from memory_service.index.sync import IndexSynchronizer
from memory_service.interactions.flows import erase_expired
from memory_service.interactions.service import requeue_stale
from memory_service.metrics import ENQUEUE_FAILURES, REQUEUED
from memory_service.recall.cache import RecallCache
from memory_service.recall.rerank import Reranker
from memory_service.recall.service import RecallPolicy
from memory_service.recall.slots import FairSlots
from memory_service.redaction import CustomPattern, parse_patterns
from memory_service.redaction import warm_up as warm_up_redaction
from memory_service.tenants.service import ApiKeyAuthenticator, ensure_bootstrap_key
from workers.celery_app import configure_celery, enqueue_interaction

log = structlog.get_logger(__name__)


class StartupTimer:
    """Seconds spent in each start-up phase, logged as `startup_phase` and kept for /readyz."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._lock = threading.Lock()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            took = round(time.perf_counter() - started, 3)
            with self._lock:
                self.phases[name] = took
            log.info("startup_phase", phase=name, seconds=took)


@dataclass
class ApiRuntime:
    settings: Settings
    pool: ConnectionPool
    embedder: CachedQueryEmbedder
    documents: preload.DocumentModel
    index: VectorIndex
    syncer: IndexSynchronizer | None
    authenticator: ApiKeyAuthenticator
    enqueue: Callable[[str], bool]
    broker_ping: Callable[[], bool]
    recall_policy: RecallPolicy
    recall_cache: RecallCache = field(default_factory=lambda: RecallCache(ttl_seconds=0))
    recall_slots: FairSlots = field(default_factory=lambda: FairSlots(2))
    reranker: Reranker | None = None  # a port; nothing plugged in by default
    redaction_patterns: list[CustomPattern] = field(default_factory=list)
    startup: StartupTimer = field(default_factory=StartupTimer)
    _stop: threading.Event = field(default_factory=threading.Event)
    _reaper: threading.Thread | None = None

    def enqueue_safely(self, interaction_id: str) -> bool:
        """Postgres already holds the interaction; if the broker is down the reaper re-enqueues it."""
        try:
            self.enqueue(interaction_id)
            return True
        except Exception:
            ENQUEUE_FAILURES.inc()
            log.warning("enqueue_failed", interaction_id=interaction_id, exc_info=True)
            return False

    def start_reaper(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self.settings.reaper_interval_seconds):
                try:
                    with self.pool.connection() as conn:
                        ids = requeue_stale(
                            conn, enqueue=self.enqueue,
                            queued_after_s=self.settings.requeue_after_seconds,
                            processing_after_s=self.settings.processing_timeout_seconds,
                        )  # fmt: skip
                    if ids:
                        REQUEUED.inc(len(ids))
                        log.info("requeued_stale_interactions", count=len(ids))
                    erase_expired(self.pool, self.index)
                except Exception:
                    log.warning("reaper_failed", exc_info=True)

        self._reaper = threading.Thread(target=loop, name="reaper", daemon=True)
        self._reaper.start()

    def close(self) -> None:
        self._stop.set()
        if self.syncer is not None:
            self.syncer.stop()
        self.pool.close()


def build_api_runtime(settings: Settings, *, embedder: Embedder | None = None) -> ApiRuntime:
    """Database, schema, index and query model, ready to serve recall.

    The query model loads in a thread of its own (started by `up`/`serve` before the app is even
    imported: see embeddings/preload.py; importing torch is most of it) while the main thread
    migrates and loads the index, so a restart costs about the longer of the two, not their sum.
    Phase timings are logged (`startup_phase`) and shown by /readyz."""
    assert settings.database_url and settings.redis_url, "database and broker URLs must be resolved first"
    timer = StartupTimer()
    loaded: dict[str, Embedder] = {}
    failed: list[BaseException] = []

    def load_model() -> None:
        preloaded = None if embedder is not None else preload.take(settings)
        if embedder is not None:
            loaded["model"] = embedder
        elif preloaded is not None:  # started before the app was imported
            loaded["model"] = preloaded.result()
        else:
            loaded["model"] = preload.build_query_model(settings)

    def beside(phase: str, work: Callable[[], object]) -> threading.Thread:
        """`work` timed as `phase` in a thread of its own; what it raises is re-raised below."""

        def run() -> None:
            try:
                with timer.phase(phase):
                    work()
            except BaseException as exc:
                failed.append(exc)

        thread = threading.Thread(target=run, name=f"start-up-{phase}", daemon=True)
        thread.start()
        return thread

    loader = beside("model", load_model)
    # presidio's recognizers now, not in the first request: ~5 s of imports, beside the
    # database, migrations and index load rather than before them (a restart's longest phase).
    redaction = beside("redaction", warm_up_redaction)
    with timer.phase("database"):
        wait_for_database(settings.database_url)
    with timer.phase("migrate"):
        migrate(settings.database_url)
    pool = create_pool(
        settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max,
        timeout=settings.db_pool_timeout_seconds,
    )  # fmt: skip
    if settings.bootstrap_api_key:
        with pool.connection() as conn:
            ensure_bootstrap_key(conn, key=settings.bootstrap_api_key)
    with timer.phase("broker_client"):
        celery = configure_celery(settings)
    dim = embedder.dim if embedder is not None else settings.embedding_dim
    index, syncer = _build_index(settings, pool, dim)
    if syncer is not None:
        with timer.phase("index"):
            syncer.start()
    with timer.phase("model_wait"):
        loader.join()
        redaction.join()
    if failed or loaded["model"].dim != dim:
        if syncer is not None:
            syncer.stop()
        pool.close()
        if failed:
            raise failed[0]
        raise ValueError(f"the embedding model makes {loaded['model'].dim}-d vectors, MEMORY_EMBEDDING_DIM is {dim}")
    base = loaded["model"]
    batched = MicroBatchingEmbedder(base, window_s=settings.query_batch_window_ms / 1000.0) \
        if settings.query_micro_batch else base
    runtime = ApiRuntime(
        settings=settings,
        pool=pool,
        embedder=CachedQueryEmbedder(batched, max_entries=settings.query_cache_size),
        documents=preload.DocumentModel(settings, base),
        index=index,
        syncer=syncer,
        authenticator=ApiKeyAuthenticator(pool, ttl_seconds=settings.api_key_cache_seconds),
        enqueue=lambda interaction_id: enqueue_interaction(celery, settings, interaction_id),
        broker_ping=lambda: _ping_broker(celery),
        redaction_patterns=parse_patterns(settings.redaction_patterns),
        recall_policy=RecallPolicy(
            min_score=settings.recall_min_score, relative_cutoff=settings.recall_relative_cutoff
        ),
        recall_cache=RecallCache(ttl_seconds=settings.recall_cache_seconds, max_entries=settings.recall_cache_size),
        recall_slots=FairSlots(settings.recall_concurrency or os.cpu_count() or 2),
        startup=timer,
    )
    runtime.start_reaper()
    # What start-up built (the index's arrays and maps, the model, imported modules) lives as long as
    # the process: out of the collector's reach, so a full collection under load does not walk it.
    # (No gc.collect() first: on the million-observation benchmark a restart was ready in 10.7 s
    # with it and 9.1 s without, for the little start-up garbage it would free.)
    gc.freeze()
    return runtime


def _build_index(settings: Settings, pool: ConnectionPool, dim: int) -> tuple[VectorIndex, IndexSynchronizer | None]:
    """FAISS in process, kept current by the syncer (snapshot on disk); or pgvector, nothing to sync."""
    if settings.vector_backend == "pgvector":
        return PgVectorIndex(pool, dim), None
    assert settings.database_url
    index = CustomerVectorIndex(dim, codec=settings.index_codec)
    snapshot = settings.data_dir / "index-snapshot" if settings.index_snapshot else None
    syncer = IndexSynchronizer(
        pool, settings.database_url, index, poll_seconds=settings.index_poll_seconds,
        snapshot_path=snapshot, snapshot_interval=settings.index_snapshot_interval_seconds,
    )  # fmt: skip
    return index, syncer


def _ping_broker(celery: object) -> bool:
    try:
        with celery.connection_for_write() as conn:  # type: ignore[attr-defined]
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False
