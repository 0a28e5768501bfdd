"""Tenant isolation through the API and the index; forgetting customers and interactions."""

from __future__ import annotations

import numpy as np
import pytest

from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration


def test_tenant_b_never_sees_tenant_a(make_api) -> None:
    a, b = make_api(), make_api()
    status = a.ingest(example_interaction())
    customer_id = status["customer_id"]
    a.wait_indexed(customer_id)

    for ref in (customer_id, "phone:+15551234567"):
        assert b.recall(ref, "damaged order").status_code == 404
        assert b.get(f"/v1/customers/{ref.replace(':', '%3A').replace('+', '%2B')}/profile").status_code == 404
        assert b.get(f"/v1/customers/{ref.replace(':', '%3A').replace('+', '%2B')}/observations").status_code == 404
    assert b.get(f"/v1/interactions/{status['interaction_id']}").status_code == 404
    assert b.delete(f"/v1/interactions/{status['interaction_id']}").status_code == 404
    assert b.delete(f"/v1/customers/{customer_id}").status_code == 404

    # The index itself refuses: A's customer searched with B's tenant gives nothing.
    query = np.ones(a.runtime.index.dim, dtype=np.float32) / np.sqrt(a.runtime.index.dim)
    assert a.runtime.index.search(tenant_id=b.tenant_id, customer_id=customer_id, query=query, k=10) == []
    assert a.runtime.index.search(tenant_id=a.tenant_id, customer_id=customer_id, query=query, k=10)

    # The same phone number in tenant B is a different customer.
    other = b.ingest(example_interaction())
    assert other["customer_id"] != customer_id
    assert a.get("/v1/customers/phone%3A%2B15551234567/profile").json()["customer_id"] == customer_id


def test_forgotten_customer_never_comes_back(api) -> None:
    status = api.ingest(example_interaction())
    customer_id = status["customer_id"]
    api.wait_indexed(customer_id)
    assert api.recall(customer_id, "damaged order").json()["items"]

    assert api.delete(f"/v1/customers/{customer_id}").status_code == 204
    assert api.get(f"/v1/customers/{customer_id}/profile").status_code == 404
    assert api.recall(customer_id, "damaged order").status_code == 404
    assert api.recall("phone:+15551234567", "damaged order").status_code == 404
    assert api.runtime.index.customer_ids(tenant_id=api.tenant_id, customer_id=customer_id) == []
    for table in ("observations", "interactions", "customer_identifiers"):
        assert api.count(f"SELECT count(*) AS n FROM {table} WHERE customer_id = %s", customer_id) == 0
    # A new interaction for that phone starts a new, empty customer.
    again = api.ingest(example_interaction(utterances=[{"role": "customer", "text": "I like green tea a lot."}]))
    assert again["customer_id"] != customer_id


def test_forgetting_an_interaction_keeps_what_others_support(api) -> None:
    first = api.ingest(example_interaction(utterances=[
        {"id": "a1", "role": "customer", "text": "My order 88123 arrived damaged."},
        {"id": "a2", "role": "customer", "text": "I work night shifts at the hospital."},
    ]))  # fmt: skip
    second = api.ingest(example_interaction(utterances=[
        {"id": "b1", "role": "customer", "text": "My order 88123 arrived damaged."},
    ]))  # fmt: skip
    customer_id = first["customer_id"]
    assert api.delete(f"/v1/interactions/{first['interaction_id']}").status_code == 204
    assert api.get(f"/v1/interactions/{first['interaction_id']}").status_code == 404

    items = api.recall(customer_id, "damaged order", include_profile=False).json()["items"]
    assert items and items[0]["source"]["interaction_id"] == second["interaction_id"]
    assert items[0]["source"]["utterance_ids"] == ["b1"]
    night = api.recall(customer_id, "does the customer work nights at the hospital?", include_profile=False)
    assert all("night" not in item["text"] for item in night.json()["items"])


def test_forgetting_the_middle_value_keeps_history_in_order(api) -> None:
    """Address v1 -> v2 -> v3; forgetting v2's interaction must not bring v1 back beside v3."""
    said = []
    for day, street in (("01", "1 First Street"), ("02", "2 Second Street"), ("03", "3 Third Street")):
        said.append(api.ingest(example_interaction(started_at=f"2026-10-{day}T10:00:00Z", ended_at=None, utterances=[
            {"id": f"a{day}", "role": "customer", "text": f"My address is {street}, Springfield."}])))  # fmt: skip
    assert api.delete(f"/v1/interactions/{said[1]['interaction_id']}").status_code == 204
    items = api.get("/v1/customers/phone%3A%2B15551234567/observations", params={"status": "all"}).json()["items"]
    addresses = {o["attributes"]["value"].split(",")[0]: o for o in items if o["attributes"].get("trait") == "address"}
    assert set(addresses) == {"1 First Street", "3 Third Street"}
    assert addresses["3 Third Street"]["status"] == "active"
    assert addresses["1 First Street"]["status"] == "superseded"
    assert addresses["1 First Street"]["superseded_by"] == addresses["3 Third Street"]["id"]
    # Forgetting the newest brings the oldest back: it is the last value left.
    assert api.delete(f"/v1/interactions/{said[2]['interaction_id']}").status_code == 204
    profile = api.get("/v1/customers/phone%3A%2B15551234567/profile").json()
    assert profile["traits"]["address"]["value"].startswith("1 First Street")
