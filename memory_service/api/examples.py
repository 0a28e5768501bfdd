"""Request and response examples shown in the OpenAPI spec (/docs), taken from CONTRACT.md."""

from __future__ import annotations

from typing import Any

CUSTOMER = {"identifiers": [{"type": "phone", "value": "+15551234567"}], "name": "Ana Ruiz"}
SOURCE = {"interaction_id": "5f0c2a7e-…", "external_id": "call-2026-11-20-0042", "utterance_ids": ["u2"]}

FINISHED = {
    "external_id": "call-2026-11-20-0042",
    "customer": CUSTOMER,
    "channel": "voice",
    "started_at": "2026-11-20T14:02:00Z",
    "ended_at": "2026-11-20T14:09:30Z",
    "utterances": [
        {"id": "u1", "role": "agent", "speaker": "Max", "text": "Thanks for calling, how can I help?",
         "at": "2026-11-20T14:02:03Z"},
        {"id": "u2", "role": "customer", "speaker": "Ana", "text": "My order 88123 arrived damaged.",
         "at": "2026-11-20T14:02:10Z"},
    ],
    "metadata": {},
}  # fmt: skip
LIVE = {
    "status": "live",
    "external_id": "chat-2026-12-01-0007",
    "customer": CUSTOMER,
    "channel": "chat",
    "started_at": "2026-12-01T10:00:00Z",
}

# POST /v1/interactions takes either shape; the two schemas are registered by app/openapi.py.
INTERACTION_BODY_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"oneOf": [{"$ref": "#/components/schemas/InteractionIn"},
                                     {"$ref": "#/components/schemas/LiveInteractionIn"}]},
                "examples": {
                    "finished": {"summary": "A finished interaction (queued for extraction)", "value": FINISHED},
                    "live": {"summary": "Open a live conversation", "value": LIVE},
                },
            }
        },
    }
}  # fmt: skip
ACCEPTED_EXAMPLES = {
    "queued": {"value": {"interaction_id": "5f0c2a7e-…", "customer_id": "9d2e41b0-…", "status": "queued"}},
    "live": {"value": {"interaction_id": "7a11c3d4-…", "customer_id": "9d2e41b0-…", "status": "live"}},
}
APPEND_EXAMPLE = {
    "utterances": [
        {"id": "c1", "role": "customer", "text": "Hi, it's about order 88123 again, still no replacement."},
        {"id": "c2", "role": "agent", "agent_kind": "ai", "text": "I'm sorry. Let me check that for you."},
    ]
}
APPENDED_EXAMPLE = {"interaction_id": "7a11c3d4-…", "utterance_count": 2}
END_EXAMPLE = {"ended_at": None}
STATUS_EXAMPLE = {
    "interaction_id": "5f0c2a7e-…", "external_id": "call-2026-11-20-0042", "customer_id": "9d2e41b0-…",
    "status": "done", "error": None, "observations_created": 3, "observations_updated": 0,
    "summary": "The customer's order 88123 arrived damaged. Outcome: no resolution or commitment recorded.",
    "attempts": 1,
}  # fmt: skip
RECALL_REQUEST = {"query": "is the replacement for the damaged order on its way?", "top_k": 10,
                  "token_budget": None, "include_profile": False}  # fmt: skip
RECALL_ITEM = {
    "id": "obs_…", "type": "observation", "kind": "issue", "text": "The customer's order 88123 arrived damaged.",
    "score": 0.83, "confidence": 0.9, "observed_at": "2026-11-20T14:02:10Z", "source": SOURCE, "token_count": 9,
}  # fmt: skip
RECALL_RESPONSE = {"customer_id": "9d2e41b0-…", "items": [RECALL_ITEM], "profile": None, "token_count": 9}
PROFILE = {
    "customer_id": "9d2e41b0-…", "identifiers": [{"type": "phone", "value": "+15551234567"}], "name": "Ana Ruiz",
    "traits": {"order_number": {"value": ["88123"], "confidence": 0.9, "updated_at": "2026-11-20T14:02:10Z",
                                "source": SOURCE, "observation_id": "obs_…"}},
    "observation_count": 3, "interaction_count": 1, "channels": ["voice"],
    "first_seen": "2026-11-20T14:02:00Z", "last_seen": "2026-11-20T14:09:30Z",
}  # fmt: skip
HANDOFF_REQUEST = {"interaction_id": "7a11c3d4-…", "utterances": None, "reason": "customer asked for a person",
                   "trigger": "customer_request", "token_budget": 800}  # fmt: skip
HANDOFF_RESPONSE = {
    "customer_id": "9d2e41b0-…", "reason": "customer asked for a person", "trigger": "customer_request",
    "detected_issue": "The customer's replacement for order 88123 has not arrived.",
    "text": "# Handoff: Ana Ruiz\n**Reason:** customer asked for a person (customer_request)\n…",
    "identity": {"name": "Ana Ruiz", "identifiers": [{"type": "phone", "value": "+15551234567"}],
                 "channels": ["chat", "voice"], "first_seen": "2026-11-20T14:02:00Z"},
    "already_provided": [{"trait": "order_number", "value": "88123", "source": SOURCE,
                          "observed_at": "2026-11-20T14:02:10Z", "channel": "voice"}],
    "open_issues": [], "commitments": [], "relevant": [RECALL_ITEM],
    "sentiment": {"now": "negative", "trend": "falling"},
    "conversation_summary": "The customer's replacement for order 88123 has not arrived.",
    "recent_interactions": [{"interaction_id": "5f0c2a7e-…", "channel": "voice", "started_at": "2026-11-20T14:02:00Z",
                             "summary": "The customer's order 88123 arrived damaged."}],
    "links": {"profile": "/v1/customers/9d2e41b0-…/profile"}, "token_count": 512,
}  # fmt: skip
CONTEXT_RESPONSE = {
    "customer_id": "9d2e41b0-…",
    "text": "## Customer: Ana Ruiz\n- phone: +15551234567\n## Relevant memory\n- [issue 2026-11-20] The customer's "
            "order 88123 arrived damaged.",
    "token_count": 41, "items": [RECALL_ITEM], "profile": None,
}  # fmt: skip


def example(value: Any, description: str | None = None) -> dict[str, Any]:
    """An OpenAPI response entry with one JSON example."""
    entry: dict[str, Any] = {"content": {"application/json": {"example": value}}}
    if description:
        entry["description"] = description
    return entry


OBSERVATION = {
    **{k: v for k, v in RECALL_ITEM.items() if k not in ("score", "token_count")},
    "sources": [SOURCE], "attributes": {"resolved": False}, "status": "active",
    "valid_from": "2026-11-20T14:02:10Z", "valid_to": None, "superseded_by": None,
}  # fmt: skip
OBSERVATION_PAGE = {"items": [OBSERVATION], "next_cursor": None}
CORRECTION = {"text": "The customer's order 88124 arrived damaged.", "reason": "typo in the order number"}
KEY_INFO = {"tenant": "default", "prefix": "msk_AbCd", "scopes": ["ingest", "read"], "rate_limit_per_minute": 600}
