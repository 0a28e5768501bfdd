"""The Celery app. Configured from Settings by configure_celery(), not at import time."""

from __future__ import annotations

import functools
import os
import socket
import threading
import time

import redis
from celery import Celery

from memory_service.config import Settings
from memory_service.embedded import redis_client

TASK_PROCESS_INTERACTION = "memory.process_interaction"

celery_app = Celery("memory_service", include=["workers.tasks"])


def configure_celery(settings: Settings) -> Celery:
    celery_app.conf.update(
        broker_url=settings.redis_url,
        task_default_queue=settings.celery_queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        # Longer than the longest task, so an unacked task is not redelivered while it runs.
        broker_transport_options={"visibility_timeout": _visibility_timeout(settings)},
        broker_connection_retry_on_startup=True,
        broker_connection_retry=True,
        broker_connection_max_retries=None,  # never give up on the broker for good (default: 100 tries)
        broker_connection_timeout=3,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    return celery_app


def large_queue(settings: Settings) -> str:
    return f"{settings.celery_queue}.large"


def _visibility_timeout(settings: Settings) -> int:
    return int(settings.processing_timeout_seconds) * 2


@functools.lru_cache(maxsize=4)
def _broker_redis(url: str) -> redis.Redis:
    return redis_client(url)


def _queued_marker(settings: Settings, interaction_id: str) -> str:
    return f"{settings.celery_queue}:queued:{interaction_id}"


def enqueue_interaction(app: Celery, settings: Settings, interaction_id: str) -> bool:
    """Publish one task message for the interaction, unless one is already waiting or running.

    A marker beside the message in the broker's Redis says so: set with the message, kept while
    the task runs or is retried, cleared when it ends, and expiring a minute after the broker
    would redeliver an unacknowledged message (a worker killed mid-task). So the reaper, which
    re-enqueues interactions that look stuck, never piles up messages while no worker runs.
    Returns whether a message was published."""
    assert settings.redis_url
    marker = _queued_marker(settings, interaction_id)
    r = _broker_redis(settings.redis_url)
    if not r.set(marker, "1", nx=True, ex=_visibility_timeout(settings) + 60):
        return False
    try:
        app.send_task(TASK_PROCESS_INTERACTION, args=[interaction_id], queue=settings.celery_queue)
    except Exception:
        r.delete(marker)
        raise
    return True


def clear_queued_marker(settings: Settings, interaction_id: str) -> None:
    """The task has ended (done or failed): a later requeue may publish again."""
    if settings.redis_url:
        _broker_redis(settings.redis_url).delete(_queued_marker(settings, interaction_id))


HEARTBEAT_SECONDS = 10.0


def _heartbeat_key(settings: Settings) -> str:
    return f"{settings.celery_queue}:workers"


def start_heartbeat(settings: Settings) -> threading.Thread:
    """Every HEARTBEAT_SECONDS the worker records that it is alive (a sorted set in the broker's
    Redis: member host:pid, score the time), so /readyz can say when no worker answered lately.
    A broker outage only skips beats."""
    assert settings.redis_url
    member = f"{socket.gethostname()}:{os.getpid()}"

    def beat() -> None:
        while True:
            try:
                r = _broker_redis(settings.redis_url or "")
                now = time.time()
                r.zadd(_heartbeat_key(settings), {member: now})
                r.zremrangebyscore(_heartbeat_key(settings), 0, now - 3600)  # workers gone for an hour
            except redis.RedisError:
                pass
            time.sleep(HEARTBEAT_SECONDS)

    thread = threading.Thread(target=beat, name="worker-heartbeat", daemon=True)
    thread.start()
    return thread


def last_worker_seen(settings: Settings) -> float | None:
    """Seconds since a worker last beat (None: never, or the broker cannot say)."""
    if not settings.redis_url:
        return None
    try:
        newest = _broker_redis(settings.redis_url).zrevrange(_heartbeat_key(settings), 0, 0, withscores=True)
    except redis.RedisError:
        return None
    return max(0.0, time.time() - float(newest[0][1])) if newest else None
