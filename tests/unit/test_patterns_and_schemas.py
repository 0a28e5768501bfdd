from __future__ import annotations

import pytest
from pydantic import ValidationError

from memory_service.extraction.base import content_key
from memory_service.extraction.patterns import (
    ORDER_RE,
    find_ids,
    normalize_email,
    normalize_identifier,
    normalize_phone,
)
from memory_service.observations.reconcile import combined_confidence, observation_id
from memory_service.recall.items import estimate_tokens
from schemas.interactions import InteractionIn


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("(555) 123-4567", "+15551234567"), ("+44 20 7946 0958", "+442079460958"), ("1-555-123-4567", "+15551234567"),
     ("12345", None)],
)  # fmt: skip
def test_phones_are_normalised_to_e164(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_identifiers_are_canonical() -> None:
    assert normalize_email(" Ana.Ruiz@Example.COM ") == "ana.ruiz@example.com"
    assert normalize_identifier("whatsapp", "+1 (555) 123 4567") == "+15551234567"
    assert normalize_identifier("crm", " ACME-991 ") == "ACME-991"


def test_order_numbers_need_a_digit() -> None:
    assert find_ids(ORDER_RE, "my order number is 88123 and order status is late") == ["88123"]
    assert find_ids(ORDER_RE, "order #AB-1234 arrived") == ["AB-1234"]


def test_content_key_ignores_case_space_and_punctuation() -> None:
    assert content_key("fact", "I like  tea!") == content_key("fact", "i like tea")
    assert content_key("trait", "x", "email", "A@B.com") == content_key("trait", "y", "email", "a@b.com")
    assert content_key("fact", "I like tea") != content_key("preference", "I like tea")


def test_confidence_grows_with_support_but_stays_below_one() -> None:
    c = 0.6
    for _ in range(10):
        nxt = combined_confidence(c, 0.6)
        assert c < nxt < 1.0
        c = nxt


def test_observation_ids_are_deterministic() -> None:
    assert observation_id("i1", "k") == observation_id("i1", "k") != observation_id("i2", "k")


def test_token_estimate_is_at_least_one_per_word() -> None:
    assert estimate_tokens("a b c d e") == 5
    assert estimate_tokens("x" * 400) == 100


def _payload(**overrides: object) -> dict:
    base = {
        "external_id": "e1", "customer": {"identifiers": [{"type": "Phone", "value": " +15551234567 "}]},
        "channel": "sms", "started_at": "2026-01-01T00:00:00Z",
        "utterances": [{"role": "customer", "text": "hi"}, {"role": "agent", "text": "hello"}],
    }  # fmt: skip
    base.update(overrides)
    return base


def test_utterances_without_ids_are_numbered_by_position() -> None:
    interaction = InteractionIn.model_validate(_payload())
    assert [u.id for u in interaction.utterances] == ["0", "1"]
    assert interaction.customer.identifiers[0].type == "phone"
    assert interaction.customer.identifiers[0].value == "+15551234567"


def test_validation_errors_name_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        InteractionIn.model_validate(_payload(channel="pigeon", ended_at="2025-01-01T00:00:00Z"))
    locs = {tuple(e["loc"]) for e in err.value.errors()}
    assert ("channel",) in locs and ("ended_at",) in locs
