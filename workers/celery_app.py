"""The Celery app. Configured from Settings by configure_celery(), not at import time."""

from __future__ import annotations

from celery import Celery

from memory_service.config import Settings

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
        broker_transport_options={"visibility_timeout": int(settings.processing_timeout_seconds) * 2},
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    return celery_app


def enqueue_interaction(app: Celery, settings: Settings, interaction_id: str) -> None:
    app.send_task(TASK_PROCESS_INTERACTION, args=[interaction_id], queue=settings.celery_queue)
