"""Bad input is refused with the field named, and nothing is stored."""

from __future__ import annotations

import pytest

from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration


def _without(payload: dict, key: str) -> dict:
    return {k: v for k, v in payload.items() if k != key}


CASES = [
    ("missing utterances", lambda p: _without(p, "utterances"), ["body", "utterances"]),
    ("empty utterances", lambda p: {**p, "utterances": []}, ["body", "utterances"]),
    ("unknown channel", lambda p: {**p, "channel": "fax"}, ["body", "channel"]),
    ("bad role", lambda p: {**p, "utterances": [{"role": "robot", "text": "hi"}]}, ["body", "utterances", 0, "role"]),
    ("naive timestamp", lambda p: {**p, "started_at": "2026-11-20T14:02:00"}, ["body", "started_at"]),
    ("ended before started", lambda p: {**p, "ended_at": "2026-11-19T00:00:00Z"}, ["body", "ended_at"]),
    ("no identifiers", lambda p: {**p, "customer": {"identifiers": []}}, ["body", "customer", "identifiers"]),
    ("blank external id", lambda p: {**p, "external_id": ""}, ["body", "external_id"]),
    ("unknown field", lambda p: {**p, "colour": "blue"}, ["body", "colour"]),
    (
        "duplicate utterance ids",
        lambda p: {
            **p,
            "utterances": [{"id": "x", "role": "customer", "text": "a"}, {"id": "x", "role": "agent", "text": "b"}],
        },  # fmt: skip
        ["body", "utterances"],
    ),
]


@pytest.mark.parametrize(("case", "mutate", "loc"), CASES, ids=[c[0] for c in CASES])
def test_bad_payload_names_the_field(api, case, mutate, loc) -> None:
    response = api.post("/v1/interactions", json=mutate(example_interaction()))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert any(item["loc"] == loc for item in detail), detail
    assert all({"type", "msg", "loc"} <= set(item) for item in detail)
    assert api.count("SELECT count(*) AS n FROM interactions WHERE tenant_id = %s", api.tenant_id) == 0
    assert api.count("SELECT count(*) AS n FROM customers WHERE tenant_id = %s", api.tenant_id) == 0


def test_malformed_json_is_422(api) -> None:
    response = api.post("/v1/interactions", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_oversized_body_is_413(api) -> None:
    limit = api.runtime.settings.max_body_bytes
    big = example_interaction(
        utterances=[{"role": "customer", "text": "x" * 19_000} for _ in range(limit // 19_000 + 2)]
    )
    response = api.post("/v1/interactions", json=big)
    assert response.status_code == 413
    assert response.json()["detail"][0]["loc"] == ["body"]
    assert api.count("SELECT count(*) AS n FROM interactions WHERE tenant_id = %s", api.tenant_id) == 0


def test_missing_or_wrong_key_is_401(app_client) -> None:
    assert app_client.post("/v1/interactions", json=example_interaction()).status_code == 401
    wrong = app_client.get("/v1/customers/x/profile", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["detail"][0]["loc"] == ["header", "authorization"]


def test_recall_request_is_validated(api) -> None:
    api.ingest(example_interaction())
    response = api.recall("phone:+15551234567", "x", top_k=0)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "top_k"]
    response = api.recall("phone:+15551234567", "x", since="2026-02-01T00:00:00Z", until="2026-01-01T00:00:00Z")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "until"]


def test_oversized_streamed_body_is_413(api) -> None:
    limit = api.runtime.settings.max_body_bytes

    def chunks():  # no Content-Length: the limit is enforced while reading
        yield b'{"external_id": "x", "utterances": ['
        for _ in range(limit // 50_000 + 2):
            yield b'{"role": "customer", "text": "' + b"x" * 50_000 + b'"},'
        yield b"]}"

    response = api.post("/v1/interactions", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_unknown_routes_keep_the_error_shape(api) -> None:
    response = api.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["detail"][0]["type"] == "not_found"
    response = api.client.put("/v1/interactions", headers=api.headers)
    assert response.status_code == 405 and response.json()["detail"][0]["type"] == "method_not_allowed"


def test_nul_characters_are_refused_with_422_naming_the_field(api) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL cannot store U+0000: every place a client can put one answers 422, never 500,
    and the next request on the same connection is served."""
    payload = example_interaction()
    payload["utterances"][1]["text"] = "My order \u0000 88123 arrived damaged."
    refused = api.post("/v1/interactions", json=payload)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "utterances", 1, "text"]
    meta = api.post("/v1/interactions", json=example_interaction(metadata={"note": ["a\u0000b"]}))
    assert meta.status_code == 422 and meta.json()["detail"][0]["loc"] == ["body", "metadata"]
    name = api.post("/v1/interactions", json=example_interaction(customer={
        "identifiers": [{"type": "phone", "value": "+15551234567"}], "name": "A\u0000na"}))  # fmt: skip
    assert name.status_code == 422 and name.json()["detail"][0]["loc"] == ["body", "customer", "name"]
    assert api.count("SELECT count(*) AS n FROM interactions WHERE tenant_id = %s", api.tenant_id) == 0
    recall = api.post("/v1/customers/phone%3A%2B15551234567/recall", json={"query": "damaged\u0000order"})
    assert recall.status_code == 422, recall.text
    assert api.get("/v1/customers/email%3Aa%00b%40example.com/profile").status_code in (404, 422)
    api.ingest(example_interaction())  # the same connection serves the next request
    assert api.get("/v1/customers/phone%3A%2B15551234567/observations?kind=is%00sue").status_code == 422
