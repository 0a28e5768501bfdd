"""The profile carries open issues, pending commitments, summaries and traits with sources."""

from __future__ import annotations

import pytest

from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration


def test_profile_shows_open_issues_commitments_and_summaries(api) -> None:
    status = api.ingest(example_interaction(utterances=[
        {"id": "u1", "role": "agent", "text": "Thanks for calling, how can I help?"},
        {"id": "u2", "role": "customer", "text": "My order 88123 arrived damaged. My email is ana@example.com."},
        {"id": "u3", "role": "agent", "text": "I'm sorry about that. We'll ship a replacement by Friday."},
    ]))  # fmt: skip
    profile = api.get("/v1/customers/phone%3A%2B15551234567/profile").json()
    assert profile["name"] == "Ana Ruiz"
    assert profile["channels"] == ["voice"] and profile["interaction_count"] == 1
    assert profile["traits"]["email"]["value"] == "ana@example.com"
    assert profile["traits"]["email"]["source"]["utterance_ids"] == ["u2"]
    assert profile["traits"]["order_number"]["value"] == ["88123"]
    assert any("damaged" in i["text"] and i["source"]["utterance_ids"] == ["u2"] for i in profile["open_issues"])
    [promise] = [c for c in profile["pending_commitments"] if "replacement" in c["text"]]
    assert promise["source"]["utterance_ids"] == ["u3"]
    # "by Friday", said on Friday 2026-11-20: due that week, long past now.
    assert promise["due_date"] in ("2026-11-20", "2026-11-27") and promise["overdue"] is True
    [recent] = profile["recent_interactions"]
    assert recent["interaction_id"] == status["interaction_id"] and recent["summary"] == status["summary"]
    assert "damaged" in profile["summary"]
    # The email stated in the call is now an identifier of the customer.
    assert {"type": "email", "value": "ana@example.com"} in profile["identifiers"]


def test_an_issue_resolved_in_a_later_interaction_leaves_the_open_issues(api) -> None:
    api.ingest(example_interaction(started_at="2026-10-01T10:00:00Z", ended_at=None, utterances=[
        {"id": "a1", "role": "customer", "text": "My order arrived damaged."},
        {"id": "a2", "role": "agent", "text": "Let me look into it."},
    ]))  # fmt: skip
    profile = api.get("/v1/customers/phone%3A%2B15551234567/profile").json()
    assert any("damaged" in i["text"] for i in profile["open_issues"])
    second = api.ingest(example_interaction(started_at="2026-10-03T10:00:00Z", ended_at=None, utterances=[
        {"id": "b1", "role": "customer", "text": "My order arrived damaged."},
        {"id": "b2", "role": "agent", "text": "I've issued a full refund for it."},
    ]))  # fmt: skip
    profile = api.get("/v1/customers/phone%3A%2B15551234567/profile").json()
    assert not any("damaged" in i["text"] for i in profile["open_issues"])
    [issue] = [o for o in api.get("/v1/customers/phone%3A%2B15551234567/observations", params={"kind": "issue"}).json()[
        "items"] if "damaged" in o["text"]]  # fmt: skip
    assert issue["attributes"]["resolved"] is True
    assert issue["attributes"]["resolved_in"] == second["interaction_id"]
    assert len(issue["sources"]) == 2

    assert api.delete(f"/v1/interactions/{second['interaction_id']}").status_code == 204
    [issue] = [o for o in api.get("/v1/customers/phone%3A%2B15551234567/observations", params={"kind": "issue"}).json()[
        "items"] if "damaged" in o["text"]]  # fmt: skip
    assert issue["attributes"]["resolved"] is False and "resolved_in" not in issue["attributes"]


def test_a_commitment_fulfilled_in_a_later_interaction_is_done(api) -> None:
    promised = api.ingest(example_interaction(started_at="2026-11-20T14:02:00Z", utterances=[
        {"id": "a1", "role": "customer", "text": "My headphones arrived broken."},
        {"id": "a2", "role": "agent", "text": "Sorry! We'll ship a replacement by Friday."},
    ]))  # fmt: skip
    api.ingest(example_interaction(started_at="2026-11-24T09:00:00Z", ended_at=None, utterances=[
        {"id": "b1", "role": "customer", "text": "Has the replacement shipped?"},
        {"id": "b2", "role": "agent", "text": "Not yet, it hasn't shipped."},
    ]))  # fmt: skip
    pending = api.get("/v1/customers/phone%3A%2B15551234567/profile").json()["pending_commitments"]
    assert any("replacement" in c["text"] for c in pending)  # asked about and denied: still pending

    kept = api.ingest(example_interaction(started_at="2026-11-25T09:00:00Z", ended_at=None, utterances=[
        {"id": "c1", "role": "agent", "text": "Good news: your replacement shipped this morning."},
    ]))  # fmt: skip
    pending = api.get("/v1/customers/phone%3A%2B15551234567/profile").json()["pending_commitments"]
    assert not any("replacement" in c["text"] for c in pending)
    [done] = [o for o in api.get("/v1/customers/phone%3A%2B15551234567/observations", params={"kind": "commitment"})
              .json()["items"] if "replacement" in o["text"]]  # fmt: skip
    assert done["attributes"]["status"] == "done"
    assert done["attributes"]["fulfilled_in"] == kept["interaction_id"]
    assert done["attributes"]["fulfilment_utterance_ids"] == ["c1"]
    assert done["source"]["interaction_id"] == promised["interaction_id"]  # the promise's own provenance stays
    api.wait_indexed(kept["customer_id"])
    items = api.recall("phone:+15551234567", "is the replacement on its way?", include_profile=False).json()["items"]
    [promise] = [i for i in items if i["kind"] == "commitment"]
    assert promise["text"].endswith("[done 2026-11-25]") and promise["attributes"]["status"] == "done"

    # Forgetting the interaction that kept the promise takes its words and its effect with it.
    assert api.delete(f"/v1/interactions/{kept['interaction_id']}").status_code == 204
    [again] = [o for o in api.get("/v1/customers/phone%3A%2B15551234567/observations", params={"kind": "commitment"})
               .json()["items"] if "replacement" in o["text"]]  # fmt: skip
    assert again["attributes"]["status"] == "pending"
    assert not {"fulfilled_in", "fulfilment", "fulfilment_utterance_ids"} & set(again["attributes"])
