"""Payload builders for integration tests."""

from __future__ import annotations

import uuid
from typing import Any


def example_interaction(**overrides: Any) -> dict[str, Any]:
    """The contract's example interaction."""
    payload: dict[str, Any] = {
        "external_id": f"call-{uuid.uuid4().hex[:8]}",
        "customer": {"identifiers": [{"type": "phone", "value": "+15551234567"}], "name": "Ana Ruiz"},
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
    payload.update(overrides)
    return payload
