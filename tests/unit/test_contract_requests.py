"""The requests the client builds for the 2026-12-01 contract, and the contract's example
answers read into the wire models."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from memory_service_client import Requests
from schemas import ContextResponse, HandoffBrief, HandoffRequest, LiveInteractionIn

REQUESTS = Requests("http://memory.test/", "key")
CUSTOMER = {"identifiers": [{"type": "phone", "value": "+15551234567"}], "name": "Ana Ruiz"}


def _sent(call) -> tuple[str, str, dict | None]:  # type: ignore[no-untyped-def]
    body = json.loads(call.request.content) if call.request.content else None
    return call.request.method, call.request.url.raw_path.decode(), body


def test_live_conversation_requests_follow_the_contract() -> None:
    opened = LiveInteractionIn(external_id="chat-1", customer=CUSTOMER, channel="chat",  # type: ignore[arg-type]
                               started_at="2026-12-01T10:00:00Z")  # type: ignore[arg-type]  # fmt: skip
    method, path, body = _sent(REQUESTS.open_interaction(opened))
    assert (method, path) == ("POST", "/v1/interactions") and body is not None
    assert body["status"] == "live" and body["utterances"] == [] and "ended_at" not in body
    method, path, body = _sent(REQUESTS.append_utterances("i 1", [{"id": "u1", "role": "customer", "text": "hi"}]))
    assert (method, path, body) == ("POST", "/v1/interactions/i%201/utterances",
                                    {"utterances": [{"id": "u1", "role": "customer", "text": "hi"}]})  # fmt: skip
    assert _sent(REQUESTS.end_interaction("i1")) == ("POST", "/v1/interactions/i1/end", {"ended_at": None})


def test_handoff_context_and_export_requests() -> None:
    request = HandoffRequest(interaction_id="i1", reason="customer asked for a person", token_budget=800)
    method, path, body = _sent(REQUESTS.handoff("phone:+15551234567", request))
    assert (method, path) == ("POST", "/v1/customers/phone%3A%2B15551234567/handoff")
    assert body == {"interaction_id": "i1", "reason": "customer asked for a person", "trigger": "customer_request",
                    "token_budget": 800}  # fmt: skip
    call = REQUESTS.context("crm:ACME-991", query="billing", token_budget=300)
    assert call.request.method == "GET" and call.idempotent
    assert str(call.request.url) == "http://memory.test/v1/customers/crm%3AACME-991/context?query=billing&token_budget=300"
    assert _sent(REQUESTS.export("c1"))[:2] == ("GET", "/v1/customers/c1/export")
    with pytest.raises(ValidationError):
        HandoffRequest(reason="no conversation given")


def test_the_contracts_example_answers_are_read_into_models() -> None:
    source = {"interaction_id": "i0", "external_id": "call-2026-11-20-0042", "utterance_ids": ["u2"]}
    item = {"id": "o1", "type": "observation", "kind": "issue", "text": "Order 88123 arrived damaged",
            "score": 0.83, "confidence": 0.9, "observed_at": "2026-11-20T14:02:10Z", "source": source}  # fmt: skip
    brief = HandoffBrief.model_validate({
        "customer_id": "c1", "reason": "customer asked for a person", "text": "# Handoff: Ana Ruiz\n...",
        "identity": {"name": "Ana Ruiz", "identifiers": CUSTOMER["identifiers"], "channels": ["voice", "chat"],
                     "first_seen": "2026-11-20T14:02:00Z"},
        "already_provided": [{"trait": "order_number", "value": "88123", "source": source}],
        "open_issues": [], "commitments": [], "relevant": [item],
        "sentiment": {"now": "negative", "trend": "falling"}, "conversation_summary": "...",
        "recent_interactions": [{"interaction_id": "i0", "channel": "voice", "started_at": "2026-11-20T14:02:00Z",
                                 "summary": "Order 88123 arrived damaged."}],
        "token_count": 512,
    })  # fmt: skip
    assert brief.already_provided[0].source.utterance_ids == ["u2"] and brief.relevant[0].score == 0.83
    profile = {"customer_id": "c1", "identifiers": []}
    context = ContextResponse.model_validate(
        {"customer_id": "c1", "text": "Ana Ruiz ...", "token_count": 42, "items": [item], "profile": profile}
    )
    assert context.profile is not None and context.items[0].source.external_id == "call-2026-11-20-0042"
