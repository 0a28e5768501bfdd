"""Public health endpoints: /healthz, /readyz, /metrics."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from memory_service.interactions import repository as interactions_repo
from memory_service.metrics import (
    BACKLOG,
    INDEX_CUSTOMERS,
    INDEX_VECTORS,
    OLDEST_PENDING,
    QUERY_CACHE_HITS,
    QUERY_CACHE_MISSES,
    QUERY_EMBED_BATCHES,
    WORKER_LAST_SEEN,
)
from workers.celery_app import HEARTBEAT_SECONDS, last_worker_seen

WORKER_STALE_SECONDS = 3 * HEARTBEAT_SECONDS

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    runtime = getattr(request.app.state, "runtime", None)
    checks = {"database": False, "broker": False, "model": False, "index": False}
    if runtime is not None:
        try:
            with runtime.pool.connection(timeout=2) as conn:
                conn.execute("SELECT 1")
            checks["database"] = True
        except Exception:
            pass
        checks["broker"] = runtime.broker_ping()
        checks["model"] = runtime.embedder is not None
        checks["index"] = runtime.index.ready
    ready = all(checks.values())
    content: dict[str, object] = {"ready": ready, "checks": checks, "pid": os.getpid()}  # which API process
    if runtime is not None:
        content["startup_seconds"] = runtime.startup.phases  # where the last start went
        content["worker"] = _worker_status(runtime.settings)
    return JSONResponse(status_code=200 if ready else 503, content=content)


def _worker_status(settings: Any) -> dict[str, object]:
    """Whether a worker beat lately. Reported, not part of readiness: the API serves recall
    without one (and `up` starts its worker once the API is ready), but interactions then wait
    `queued`: `ok: false` is the signal to act on (also the metric memory_worker_last_seen_seconds)."""
    seen = last_worker_seen(settings)
    WORKER_LAST_SEEN.set(seen if seen is not None else -1)
    return {"ok": seen is not None and seen <= WORKER_STALE_SECONDS, "last_seen_seconds": seen}




@router.get(
    "/metrics", response_class=PlainTextResponse,
    responses={200: {"description": "Prometheus text exposition", "content": {"text/plain": {}}}},
)  # fmt: skip
def metrics(request: Request) -> Response:
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is not None:
        INDEX_VECTORS.set(len(runtime.index))
        INDEX_CUSTOMERS.set(runtime.index.customer_count)
        QUERY_CACHE_HITS.set(runtime.embedder.hits)
        QUERY_CACHE_MISSES.set(runtime.embedder.misses)
        QUERY_EMBED_BATCHES.set(getattr(runtime.embedder.embedder, "batches", runtime.embedder.misses))
        _backlog(runtime)
        _worker_status(runtime.settings)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _backlog(runtime: Any) -> None:
    """Queue health from Postgres, the truth: what waits and for how long (alert on the age)."""
    try:
        with runtime.pool.connection(timeout=2) as conn:
            pending = interactions_repo.backlog(conn)
    except Exception:  # noqa: BLE001  (metrics must answer even when the database does not)
        return
    for status in ("queued", "processing"):
        BACKLOG.labels(status=status).set(pending.get(status, (0, 0.0))[0])
    OLDEST_PENDING.set(max((age for _, age in pending.values()), default=0.0))
