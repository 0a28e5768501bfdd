"""A transcript posted over HTTP becomes recallable; ingestion is idempotent."""

from __future__ import annotations

import time

import pytest

from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration


def test_posted_transcript_becomes_recallable_with_its_utterance_id(api) -> None:
    started = time.perf_counter()
    response = api.post("/v1/interactions", json=example_interaction())
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    status = api.wait_done(body["interaction_id"])
    assert status["status"] == "done", status
    assert status["observations_created"] >= 1
    api.wait_indexed(body["customer_id"])
    elapsed = time.perf_counter() - started

    answer = api.recall("phone:+15551234567", "damaged order")
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert items, "nothing recalled"
    top = items[0]
    assert "88123" in top["text"] and "damaged" in top["text"]
    assert top["source"]["utterance_ids"] == ["u2"]
    assert top["source"]["interaction_id"] == body["interaction_id"]
    assert top["source"]["external_id"] == status["external_id"]
    assert answer.json()["customer_id"] == body["customer_id"]
    # The agent's greeting sits next to the customer's words but says nothing about the order.
    assert all(i["source"]["utterance_ids"] != ["u1"] for i in items), items
    assert elapsed < 60


def test_recall_returns_only_relevant_items(api) -> None:
    payload = example_interaction(
        utterances=[
            {"id": "a", "role": "customer", "text": "My order 88123 arrived damaged."},
            {"id": "b", "role": "customer", "text": "I prefer to be contacted by email in the evenings."},
            {"id": "c", "role": "customer", "text": "I have two dogs and a cat at home."},
        ]
    )
    api.ingest(payload)
    customer = api.get("/v1/customers/phone%3A%2B15551234567/profile").json()["customer_id"]
    api.wait_indexed(customer)
    items = api.recall(customer, "does the customer have any pets?", include_profile=False).json()["items"]
    assert items and items[0]["source"]["utterance_ids"] == ["c"]
    returned = {u for item in items for u in item["source"]["utterance_ids"]}
    assert returned == {"c"}, items  # the order and the contact preference are not about pets


def test_repost_with_same_content_changes_nothing(api) -> None:
    payload = example_interaction()
    first = api.post("/v1/interactions", json=payload)
    assert first.status_code == 202
    api.wait_done(first.json()["interaction_id"])
    counts = [api.count(f"SELECT count(*) AS n FROM {table} WHERE tenant_id = %s", api.tenant_id)
              for table in ("interactions", "observations", "customers")]  # fmt: skip

    again = api.post("/v1/interactions", json=payload)
    assert again.status_code == 200
    assert again.json() == first.json()  # the same body (CONTRACT)
    assert again.headers["x-interaction-status"] == "done"
    assert [api.count(f"SELECT count(*) AS n FROM {table} WHERE tenant_id = %s", api.tenant_id)
            for table in ("interactions", "observations", "customers")] == counts  # fmt: skip


def test_repost_with_different_content_is_a_conflict(api) -> None:
    payload = example_interaction()
    assert api.post("/v1/interactions", json=payload).status_code == 202
    changed = {**payload, "channel": "chat"}
    response = api.post("/v1/interactions", json=changed)
    assert response.status_code == 409
    assert response.json()["detail"][0]["loc"] == ["body", "external_id"]


def test_redelivered_task_changes_nothing(api) -> None:
    status = api.ingest(example_interaction())
    interaction_id = status["interaction_id"]

    def snapshot() -> list[tuple]:
        with api.runtime.pool.connection() as conn:
            rows = conn.execute(
                "SELECT o.id, o.confidence, o.support_count, o.status, count(s.*) AS sources FROM observations o "
                "JOIN observation_sources s ON s.observation_id = o.id WHERE o.tenant_id = %s "
                "GROUP BY o.id ORDER BY o.id",
                (api.tenant_id,),
            ).fetchall()
        return [tuple(r.values()) for r in rows]

    before = snapshot()
    assert before
    # The broker delivers the same task again after it completed...
    api.runtime.enqueue(interaction_id)
    # ...and once more as if the worker died before recording 'done' (a full re-run).
    with api.runtime.pool.connection() as conn:
        conn.execute("UPDATE interactions SET status = 'queued' WHERE id = %s", (interaction_id,))
    api.runtime.enqueue(interaction_id)
    assert api.wait_done(interaction_id)["status"] == "done"
    time.sleep(0.5)  # let the first re-delivery drain too
    assert snapshot() == before
