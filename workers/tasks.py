"""Thin Celery tasks: ids in, services do the work."""

from __future__ import annotations

from typing import Any

import psycopg
import structlog
from celery import Task
from celery.signals import worker_process_init, worker_ready

from memory_service.config import get_settings
from memory_service.interactions.flows import process_interaction
from memory_service.interactions.service import record_failure
from workers.celery_app import (
    TASK_PROCESS_INTERACTION,
    celery_app,
    clear_queued_marker,
    large_queue,
    start_heartbeat,
)
from workers.runtime import WorkerRuntime, get_worker_runtime

log = structlog.get_logger(__name__)
TRANSIENT_ERRORS = (psycopg.OperationalError, psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)


@worker_process_init.connect
def _load_models_in_child(**_: object) -> None:
    get_worker_runtime()


@worker_ready.connect
def _load_models_in_solo_worker(sender: object = None, **_: object) -> None:
    runtime = get_worker_runtime() if celery_app.conf.worker_pool == "solo" else None
    start_heartbeat(runtime.settings if runtime else get_settings())


@celery_app.task(name=TASK_PROCESS_INTERACTION, bind=True, acks_late=True, reject_on_worker_lost=True)
def process_interaction_task(self: Task, interaction_id: str) -> str:
    runtime = get_worker_runtime()
    structlog.contextvars.bind_contextvars(task_id=self.request.id, interaction_id=interaction_id)
    try:
        if _reroute_if_large(self, runtime, interaction_id):
            return "rerouted"
        outcome = process_interaction(
            runtime.pool, interaction_id=interaction_id, extractor=runtime.extractor, embedder=runtime.embedder
        )
        clear_queued_marker(runtime.settings, interaction_id)
        return outcome.status
    except TRANSIENT_ERRORS as exc:
        retries = self.request.retries or 0
        if retries >= runtime.settings.task_max_retries:
            record_failure(runtime.pool, interaction_id=interaction_id, error=f"gave up after {retries} retries: {exc}")
            clear_queued_marker(runtime.settings, interaction_id)
            raise
        log.warning("task_retry", retries=retries, error=str(exc))
        raise self.retry(exc=exc, countdown=min(2**retries, 60)) from exc
    except Exception as exc:
        log.exception("task_failed")
        record_failure(runtime.pool, interaction_id=interaction_id, error=f"{type(exc).__name__}: {exc}")
        clear_queued_marker(runtime.settings, interaction_id)
        return "failed"
    finally:
        structlog.contextvars.clear_contextvars()


def _reroute_if_large(task: Task, runtime: WorkerRuntime, interaction_id: str) -> bool:
    """A very large interaction taken from the main queue moves to the large queue (its queued
    marker stays: the message lives on there), so it never holds a worker small ones wait for."""
    threshold = runtime.settings.large_interaction_utterances
    queue = (task.request.delivery_info or {}).get("routing_key")
    if threshold <= 0 or queue != runtime.settings.celery_queue:
        return False
    with runtime.pool.connection() as conn:
        row: Any = conn.execute(
            "SELECT jsonb_array_length(payload->'utterances') AS n FROM interactions "
            "WHERE id = %s AND status <> 'done'",
            (interaction_id,),
        ).fetchone()
    if row is None or (row["n"] or 0) < threshold:
        return False
    celery_app.send_task(TASK_PROCESS_INTERACTION, args=[interaction_id], queue=large_queue(runtime.settings))
    log.info("interaction_rerouted", utterances=row["n"], queue=large_queue(runtime.settings))
    return True
