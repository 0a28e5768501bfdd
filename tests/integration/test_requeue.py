"""The reaper never queues a second message for an interaction that already has one waiting."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from tests.integration.conftest import Api
from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration


def test_no_second_message_while_one_waits(settings: Any) -> None:
    from memory_service.embedded import redis_client
    from workers.celery_app import celery_app, clear_queued_marker, configure_celery, enqueue_interaction

    # A queue no worker consumes, as when every worker is down.
    idle = settings.model_copy(update={"celery_queue": f"memory-idle-{uuid.uuid4().hex[:8]}"})
    configure_celery(settings)
    broker = redis_client(settings.redis_url)
    interaction_id = str(uuid.uuid4())
    try:
        published = [enqueue_interaction(celery_app, idle, interaction_id) for _ in range(20)]
        assert published == [True] + [False] * 19
        assert broker.llen(idle.celery_queue) == 1
        clear_queued_marker(idle, interaction_id)  # the task ended: a later requeue may publish again
        assert enqueue_interaction(celery_app, idle, interaction_id) is True
        assert broker.llen(idle.celery_queue) == 2
    finally:
        broker.delete(idle.celery_queue, f"{idle.celery_queue}:queued:{interaction_id}")


def test_reaper_leaves_a_waiting_message_alone_and_a_done_one_gets_no_marker(api: Api, settings: Any) -> None:
    """Through the running service: the reaper runs every 0.5 s and re-claims interactions queued
    over 3 s; one whose message waits is not published again, and a processed one keeps no marker."""
    from memory_service.embedded import redis_client

    status = api.ingest(example_interaction())
    broker = redis_client(settings.redis_url)
    assert not broker.exists(f"{settings.celery_queue}:queued:{status['interaction_id']}")
    # An interaction stuck 'queued' whose message still waits (its marker is there): no new message.
    with api.runtime.pool.connection() as conn:
        conn.execute(
            "UPDATE interactions SET status = 'queued', enqueued_at = now() - interval '1 hour' WHERE id = %s",
            (status["interaction_id"],),
        )
    marker = f"{settings.celery_queue}:queued:{status['interaction_id']}"
    broker.set(marker, "1", ex=60)
    try:
        before = broker.llen(settings.celery_queue)
        time.sleep(2.0)  # several reaper rounds
        assert broker.llen(settings.celery_queue) == before
        assert api.get(f"/v1/interactions/{status['interaction_id']}").json()["status"] == "queued"
    finally:
        broker.delete(marker)
    # Without the marker (its message was lost), the reaper publishes it again and it is processed.
    assert api.wait_done(status["interaction_id"], timeout=30)["status"] == "done"
