"""Scoped keys: every forbidden call answers 403 naming the scope; per-key rate limits answer 429
with Retry-After; a key made before scopes existed keeps every scope; export returns what is stored."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.integration.conftest import Api
from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration
REF = quote("phone:+15551234567", safe="")


def _key(api: Api, *, scopes: list[str] | None = None, rate_limit: int | None = None) -> dict[str, str]:
    from memory_service.tenants.service import create_api_key

    with api.runtime.pool.connection() as conn:
        key = create_api_key(conn, tenant_name=api.tenant, scopes=scopes, rate_limit_per_minute=rate_limit)
    return {"Authorization": f"Bearer {key}"}


def _call(api: Api, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
    return api.client.request(method, path, headers=headers, **kwargs)


def test_each_forbidden_call_answers_403_naming_the_scope(api: Api) -> None:
    status = api.ingest(example_interaction())
    observation_id = api.get(f"/v1/customers/{REF}/observations").json()["items"][0]["id"]
    read, ingest = _key(api, scopes=["read"]), _key(api, scopes=["ingest"])
    forbidden = [
        (read, "POST", "/v1/interactions", {"json": example_interaction()}, "ingest"),
        (ingest, "POST", f"/v1/customers/{REF}/recall", {"json": {"query": "damaged order"}}, "read"),
        (ingest, "GET", f"/v1/customers/{REF}/profile", {}, "read"),
        (ingest, "GET", f"/v1/customers/{REF}/observations", {}, "read"),
        (read, "DELETE", f"/v1/interactions/{status['interaction_id']}", {}, "admin"),
        (read, "DELETE", f"/v1/customers/{REF}", {}, "admin"),
        (read, "DELETE", f"/v1/customers/{REF}/observations/{observation_id}", {}, "admin"),
        (read, "PATCH", f"/v1/customers/{REF}/observations/{observation_id}", {"json": {"text": "x y"}}, "admin"),
        (read, "GET", f"/v1/customers/{REF}/export", {}, "admin"),
        (ingest, "GET", f"/v1/customers/{REF}/export", {}, "admin"),
    ]
    for headers, method, path, kwargs, scope in forbidden:
        response = _call(api, method, path, headers, **kwargs)
        assert response.status_code == 403, (method, path, response.text)
        detail = response.json()["detail"][0]
        assert detail["type"] == "forbidden" and f"'{scope}'" in detail["msg"], detail
    # Nothing was done by the refused calls.
    assert api.get(f"/v1/customers/{REF}/profile").status_code == 200
    assert api.count("SELECT count(*) AS n FROM interactions WHERE tenant_id = %s", api.tenant_id) == 1
    # What each key may do, it can.
    assert _call(api, "POST", f"/v1/customers/{REF}/recall", read, json={"query": "damaged"}).status_code == 200
    assert _call(api, "GET", f"/v1/interactions/{status['interaction_id']}", ingest).status_code == 200
    accepted = _call(api, "POST", "/v1/interactions", ingest, json=example_interaction())
    assert accepted.status_code == 202, accepted.text
    me = _call(api, "GET", "/v1/keys/me", read).json()
    assert me["scopes"] == ["read"] and me["tenant"] == api.tenant


def test_keys_made_before_scopes_keep_every_scope(api: Api) -> None:
    """Migration 0006 gave existing keys every scope: a key inserted without naming scopes has them."""
    import uuid

    from memory_service.tenants.service import hash_key

    key = "msk_legacy_" + uuid.uuid4().hex
    with api.runtime.pool.connection() as conn:
        conn.execute(
            "INSERT INTO api_keys (id, tenant_id, key_hash, prefix) VALUES (%s, %s, %s, %s)",
            (uuid.uuid4(), api.tenant_id, hash_key(key), key[:8]),
        )
    me = api.client.get("/v1/keys/me", headers={"Authorization": f"Bearer {key}"}).json()
    assert me["scopes"] == ["admin", "ingest", "read"]


def test_rate_limit_answers_429_with_retry_after(api: Api) -> None:
    limited = _key(api, rate_limit=3)
    codes = [_call(api, "GET", "/v1/keys/me", limited).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    refused = _call(api, "GET", "/v1/keys/me", limited)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["detail"][0]["type"] == "rate_limited"
    assert api.get("/v1/keys/me").status_code == 200  # other keys are not limited by it


def test_export_returns_everything_stored_with_history_and_sources(api: Api) -> None:
    first = api.ingest(example_interaction(utterances=[
        {"id": "a1", "role": "customer", "text": "My email is ana@example.com and my order 88123 arrived damaged."}]))
    api.ingest(example_interaction(started_at="2026-11-25T10:00:00Z", ended_at="2026-11-25T10:05:00Z", utterances=[
        {"id": "b1", "role": "customer", "text": "My new email is ana.ruiz@example.org."}]))  # fmt: skip
    body = api.get(f"/v1/customers/{REF}/export").json()
    assert {"type": "phone", "value": "+15551234567"} in body["identifiers"]
    assert body["profile"]["traits"]["email"]["value"] == "ana.ruiz@example.org"
    emails = {o["attributes"].get("value"): o for o in body["observations"] if o["attributes"].get("trait") == "email"}
    assert emails["ana@example.com"]["status"] == "superseded" and emails["ana.ruiz@example.org"]["status"] == "active"
    assert emails["ana@example.com"]["sources"][0]["interaction_id"] == first["interaction_id"]
    transcripts = {i["interaction_id"]: i for i in body["interactions"]}
    assert transcripts[first["interaction_id"]]["utterances"][0]["text"].startswith("My email is ana@example.com")
    assert len(body["interactions"]) == 2
