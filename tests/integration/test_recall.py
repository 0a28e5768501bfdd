"""Recall over observations, segments and summaries: forgetting, time filters, budgets."""

from __future__ import annotations

import pytest

from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration


def _conversation(external_id: str, started_at: str, *texts: str) -> dict:  # type: ignore[type-arg]
    utterances = [{"id": "a0", "role": "agent", "text": "Hello, how can I help you today?"}]
    utterances += [{"id": f"c{i}", "role": "customer", "text": t} for i, t in enumerate(texts)]
    return example_interaction(external_id=external_id, started_at=started_at, ended_at=None, utterances=utterances)


def _everything(api, customer_id: str, query: str, **options) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    answer = api.recall(customer_id, query, include_profile=False, min_score=-1, top_k=100, **options)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]  # type: ignore[no-any-return]


def test_segments_carry_provenance_and_types(api) -> None:
    status = api.ingest(_conversation("r-1", "2026-03-01T10:00:00Z", "My fridge has been leaking water all week."))
    api.wait_indexed(status["customer_id"])
    items = _everything(api, status["customer_id"], "leaking fridge")
    assert items[0]["source"]["utterance_ids"] == ["c0"]
    assert items[0]["source"]["interaction_id"] == status["interaction_id"]
    assert {i["type"] for i in items} >= {"segment"}
    assert all(i["type"] in ("observation", "segment", "summary") for i in items)
    segments = [i for i in items if i["type"] == "segment"]
    assert {i["kind"] for i in segments} <= {"utterance", "agent_turn"}
    only_segments = _everything(api, status["customer_id"], "leaking fridge", types=["segment"])
    assert only_segments and all(i["type"] == "segment" for i in only_segments)


def test_deleted_interaction_never_comes_back(api) -> None:
    first = api.ingest(_conversation("r-del-1", "2026-03-01T10:00:00Z", "I keep bees on my balcony in Lisbon."))
    api.ingest(_conversation("r-del-2", "2026-03-05T10:00:00Z", "Please send the invoice to my office."))
    customer_id = first["customer_id"]
    api.wait_indexed(customer_id)
    assert any("bees" in i["text"] for i in _everything(api, customer_id, "bees balcony"))
    assert api.delete(f"/v1/interactions/{first['interaction_id']}").status_code == 204
    # At once (Postgres re-check) and after the index caught up.
    for _ in range(2):
        items = _everything(api, customer_id, "bees balcony Lisbon")
        assert all(i["source"]["interaction_id"] != first["interaction_id"] for i in items), items
        assert all("bees" not in i["text"].lower() for i in items)
        api.wait_indexed(customer_id)
    assert api.count("SELECT count(*) AS n FROM episodes WHERE interaction_id = %s", first["interaction_id"]) == 0


def test_deleted_customer_never_comes_back(api) -> None:
    status = api.ingest(_conversation("r-cust", "2026-03-01T10:00:00Z", "My cat Miso needs a special diet."))
    customer_id = status["customer_id"]
    api.wait_indexed(customer_id)
    assert _everything(api, customer_id, "cat diet")
    assert api.delete(f"/v1/customers/{customer_id}").status_code == 204
    assert api.recall(customer_id, "cat diet").status_code == 404
    assert api.runtime.index.unit_count(tenant_id=api.tenant_id, customer_id=customer_id) == 0
    assert api.count("SELECT count(*) AS n FROM episodes WHERE customer_id = %s", customer_id) == 0


def test_since_and_until_filter_every_unit_type(api) -> None:
    early = api.ingest(_conversation("r-t1", "2026-01-10T10:00:00Z", "My router keeps dropping the wifi."))
    late = api.ingest(_conversation("r-t2", "2026-06-10T10:00:00Z", "The new router drops wifi again."))
    customer_id = early["customer_id"]
    api.wait_indexed(customer_id)
    since = _everything(api, customer_id, "router wifi", since="2026-03-01T00:00:00Z")
    assert since and {i["source"]["interaction_id"] for i in since} == {late["interaction_id"]}
    until = _everything(api, customer_id, "router wifi", until="2026-03-01T00:00:00Z")
    assert until and {i["source"]["interaction_id"] for i in until} == {early["interaction_id"]}
    assert not _everything(api, customer_id, "router wifi", since="2026-02-01T00:00:00Z",
                           until="2026-03-01T00:00:00Z")  # fmt: skip


def test_token_budget_is_respected(api) -> None:
    texts = [f"I ordered a blue lamp number {n} and it arrived broken, with the shade cracked." for n in range(8)]
    status = api.ingest(_conversation("r-budget", "2026-03-01T10:00:00Z", *texts))
    api.wait_indexed(status["customer_id"])
    for budget in (5, 30, 60):
        body = api.recall(status["customer_id"], "broken lamp", token_budget=budget, min_score=-1, top_k=50).json()
        assert body["token_count"] <= budget
        assert sum(i["token_count"] for i in body["items"]) == body["token_count"]
    assert api.recall(status["customer_id"], "broken lamp", token_budget=60, min_score=-1).json()["items"]


def test_recency_can_be_switched_off(api) -> None:
    api.ingest(_conversation("r-rec-1", "2025-01-10T10:00:00Z", "I asked about a refund for the blender."))
    last = api.ingest(_conversation("r-rec-2", "2026-06-10T10:00:00Z", "I asked about a refund for the toaster."))
    api.wait_indexed(last["customer_id"])
    on = _everything(api, last["customer_id"], "refund", types=["segment"])
    off = _everything(api, last["customer_id"], "refund", types=["segment"], recency=False)
    assert on and off
    assert on[0]["source"]["interaction_id"] == last["interaction_id"]


def _in_process(api, customer_id: str, query: str, **policy):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from memory_service.recall.service import recall
    from schemas.recall import RecallRequest

    runtime = api.runtime
    request = RecallRequest(query=query, top_k=20, include_profile=False, types=["segment"])
    with runtime.pool.connection() as conn:
        return recall(conn, index=runtime.index, query_vector=runtime.embedder.embed_query(query),
                      tenant_id=api.tenant_id, customer_id=customer_id, request=request,
                      policy=replace(runtime.recall_policy, **policy)).items  # fmt: skip


def test_the_reply_to_a_matching_agent_question_inherits_its_score(api) -> None:
    utterances = [
        {"id": "a0", "role": "agent", "text": "Which streaming plan would you like for the living room television?"},
        {"id": "c0", "role": "customer", "text": "The cheapest one, with no ads please."},
        {"id": "a1", "role": "agent", "text": "Noted. Anything else today?"},
        {"id": "c1", "role": "customer", "text": "My dog Rex chewed the remote control last week."},
    ]
    status = api.ingest(example_interaction(external_id="r-answer", started_at="2026-03-01T10:00:00Z",
                                            ended_at=None, utterances=utterances))  # fmt: skip
    api.wait_indexed(status["customer_id"])
    query = "streaming plan for the living room television"
    policy = api.runtime.recall_policy
    on = {i.source.utterance_ids[0]: i for i in _in_process(api, status["customer_id"], query)}
    # The answer on its own: it shares the question's words (a segment's text carries its neighbours), so
    # the agreement of both retrievers would admit it too; that mechanism is off here.
    off = {i.source.utterance_ids[0]: i
           for i in _in_process(api, status["customer_id"], query, answer_factor=0.0, agreement_head=0)}  # fmt: skip
    question = on["a0"].rank_score / policy.agent_weight  # its score before the agent-turn weight
    assert on["c0"].rank_score >= question * policy.answer_factor * 0.99
    assert "c0" not in off or off["c0"].rank_score < question * policy.answer_factor * 0.99
    assert on["c0"].rank_score > on["a0"].rank_score  # the answer before the agent's question
