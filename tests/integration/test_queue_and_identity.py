"""Lost queue messages are found and re-run; identifiers resolve to one customer; health."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from psycopg.types.json import Jsonb

from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration


def test_interaction_lost_from_the_queue_is_requeued(api) -> None:
    """Written to Postgres but never enqueued (broker down at the time): the reaper re-runs it."""
    from schemas.interactions import InteractionIn

    payload = InteractionIn.model_validate(example_interaction())
    with api.runtime.pool.connection() as conn:
        customer_id = uuid.uuid4()
        conn.execute("INSERT INTO customers (id, tenant_id) VALUES (%s, %s)", (customer_id, api.tenant_id))
        interaction_id = uuid.uuid4()
        conn.execute(
            "INSERT INTO interactions (id, tenant_id, customer_id, external_id, content_hash, channel, started_at, "
            "payload, status, enqueued_at) VALUES (%s, %s, %s, %s, 'x', 'voice', now(), %s, 'queued', "
            "now() - interval '1 hour')",
            (interaction_id, api.tenant_id, customer_id, payload.external_id, Jsonb(payload.model_dump(mode="json"))),
        )
    status = api.wait_done(str(interaction_id), timeout=30)
    assert status["status"] == "done"
    assert status["attempts"] >= 1


def test_identifiers_seen_together_resolve_to_one_customer(api) -> None:
    both = example_interaction(customer={"identifiers": [
        {"type": "phone", "value": "(555) 987-6543"}, {"type": "email", "value": "Lee@Example.com"}]})  # fmt: skip
    first = api.ingest(both)
    by_email = api.ingest(
        example_interaction(customer={"identifiers": [{"type": "email", "value": "lee@example.com"}]})
    )
    by_whatsapp = api.ingest(example_interaction(customer={"identifiers": [
        {"type": "whatsapp", "value": "+1 555 000 1111"}, {"type": "phone", "value": "+15559876543"}]}))  # fmt: skip
    assert first["customer_id"] == by_email["customer_id"] == by_whatsapp["customer_id"]
    profile = api.get("/v1/customers/whatsapp%3A%2B15550001111/profile").json()
    assert profile["customer_id"] == first["customer_id"]
    assert {"type": "email", "value": "lee@example.com"} in profile["identifiers"]
    assert profile["interaction_count"] == 3


def test_changed_address_supersedes_and_keeps_history(api) -> None:
    api.ingest(example_interaction(started_at="2026-10-01T10:00:00Z", ended_at=None, utterances=[
        {"id": "x1", "role": "customer", "text": "My address is 12 Oak Street, Springfield."}]))  # fmt: skip
    api.ingest(example_interaction(started_at="2026-11-01T10:00:00Z", ended_at=None, utterances=[
        {"id": "y1", "role": "customer", "text": "I moved, my new address is 99 Elm Road, Shelbyville."}]))  # fmt: skip
    profile = api.get("/v1/customers/phone%3A%2B15551234567/profile").json()
    assert "99 Elm Road" in profile["traits"]["address"]["value"]
    assert profile["traits"]["address"]["source"]["utterance_ids"] == ["y1"]
    old = api.get("/v1/customers/phone%3A%2B15551234567/observations", params={"status": "superseded"}).json()
    [superseded] = [o for o in old["items"] if o["kind"] == "trait"]
    assert "12 Oak Street" in superseded["text"]
    assert (
        superseded["valid_to"] is not None
        and superseded["superseded_by"] == profile["traits"]["address"]["observation_id"]
    )


def test_observation_pages_follow_the_cursor(api) -> None:
    utterances = [{"role": "customer", "text": f"I collect {thing} stamps from old letters."}
                  for thing in ("French", "Chilean", "Korean", "Kenyan", "Peruvian")]  # fmt: skip
    api.ingest(example_interaction(utterances=utterances))
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/customers/phone%3A%2B15551234567/observations", params=params).json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 5


def test_health_endpoints(app_client) -> None:
    assert app_client.get("/healthz").json() == {"status": "ok"}
    ready = app_client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    metrics = app_client.get("/metrics").text
    assert "memory_http_requests_total" in metrics and "memory_index_vectors" in metrics


def test_metrics_show_the_queue_backlog_and_its_oldest_age(api) -> None:
    status = api.ingest(example_interaction())
    with api.runtime.pool.connection() as conn:  # posted an hour ago, just requeued: still an hour old
        conn.execute("UPDATE interactions SET status = 'queued', created_at = now() - interval '1 hour', "
                     "enqueued_at = now() WHERE id = %s", (status["interaction_id"],))  # fmt: skip
    metrics = api.client.get("/metrics").text
    with api.runtime.pool.connection() as conn:
        conn.execute("UPDATE interactions SET status = 'done' WHERE id = %s", (status["interaction_id"],))
    values = dict(line.rsplit(" ", 1) for line in metrics.splitlines() if line and not line.startswith("#"))
    assert float(values['memory_interactions_backlog{status="queued"}']) >= 1
    assert float(values["memory_interactions_oldest_pending_seconds"]) >= 3600


def _keys_cli(settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {"MEMORY_DATABASE_URL": settings.database_url, "MEMORY_REDIS_URL": settings.redis_url}
    env["PATH"] = "/usr/bin:/bin"
    return subprocess.run([sys.executable, "-m", "memory_service.cli", "keys", *args], env=env,
                          capture_output=True, text=True, check=check)  # fmt: skip


def test_cli_keys_create_prints_a_working_key(settings, app_client) -> None:
    key = _keys_cli(settings, "create", "--tenant", f"cli-{uuid.uuid4().hex[:6]}").stdout.strip().splitlines()[-1]
    assert key.startswith("msk_")
    response = app_client.get("/v1/customers/phone%3A%2B1/profile", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 404  # authenticated, and the new tenant has no such customer


def test_worker_ping_finds_the_running_worker(settings, worker_process) -> None:
    env = {"MEMORY_DATABASE_URL": settings.database_url, "MEMORY_REDIS_URL": settings.redis_url,
           "MEMORY_CELERY_QUEUE": settings.celery_queue, "PATH": "/usr/bin:/bin"}  # fmt: skip
    out = subprocess.run([sys.executable, "-m", "memory_service.cli", "worker-ping", "--timeout", "5"], env=env,
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0 and "pong" in out.stdout, out.stderr


def test_cli_keys_list_and_revoke(settings, app_client, runtime) -> None:
    tenant = f"cli-{uuid.uuid4().hex[:6]}"
    key = _keys_cli(settings, "create", "--tenant", tenant).stdout.strip().splitlines()[-1]
    listed = _keys_cli(settings, "list", "--tenant", tenant).stdout
    assert key[:8] in listed and "active" in listed and key not in listed  # never the key itself
    headers = {"Authorization": f"Bearer {key}"}
    assert app_client.get("/v1/customers/phone%3A%2B1/profile", headers=headers).status_code == 404
    assert _keys_cli(settings, "revoke", key).stdout.strip() == f"revoked {key[:8]}"
    assert "revoked" in _keys_cli(settings, "list", "--tenant", tenant).stdout
    again = _keys_cli(settings, "revoke", key, check=False)
    assert again.returncode == 1 and "no active key" in again.stderr and "Traceback" not in again.stderr
    runtime.authenticator._cache.clear()  # the API trusts a checked key for MEMORY_API_KEY_CACHE_SECONDS
    assert app_client.get("/v1/customers/phone%3A%2B1/profile", headers=headers).status_code == 401


def test_failed_interactions_rerun_on_request(api) -> None:
    from memory_service.interactions.service import requeue_stale

    status = api.ingest(example_interaction())
    with api.runtime.pool.connection() as conn:
        conn.execute("UPDATE interactions SET status = 'failed', error = 'boom' WHERE id = %s",
                     (status["interaction_id"],))  # fmt: skip
        conn.commit()
        assert requeue_stale(conn, enqueue=api.runtime.enqueue, queued_after_s=3600, processing_after_s=3600) == []
        ids = requeue_stale(conn, enqueue=api.runtime.enqueue, queued_after_s=3600, processing_after_s=3600,
                            include_failed=True)  # fmt: skip
    assert status["interaction_id"] in ids
    again = api.wait_done(status["interaction_id"])
    assert again["status"] == "done" and again["error"] is None
