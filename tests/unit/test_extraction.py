"""The offline extractor on real text with the real spaCy pipeline."""

from __future__ import annotations

import pytest

from memory_service.extraction import RuleBasedExtractor
from schemas.interactions import InteractionIn

pytestmark = pytest.mark.model


def _interaction(*utterances: tuple[str, str]) -> InteractionIn:
    return InteractionIn.model_validate({
        "external_id": "x", "customer": {"identifiers": [{"type": "phone", "value": "+15551234567"}]},
        "channel": "chat", "started_at": "2026-11-20T14:00:00Z",
        "utterances": [{"id": f"u{i}", "role": role, "text": text} for i, (role, text) in enumerate(utterances)],
    })  # fmt: skip


def test_traits_are_typed_and_normalised(spacy_nlp) -> None:
    extractor = RuleBasedExtractor(spacy_nlp)
    result = extractor.extract(_interaction(
        ("customer", "Hi, my name is Ana Ruiz and my email is Ana.Ruiz@Example.com."),
        ("customer", "You can reach me at (555) 987-6543. My order number is 88123."),
    ))  # fmt: skip
    traits = {(o.trait_key, o.attributes["value"]): o.utterance_ids for o in result.observations if o.kind == "trait"}
    assert traits[("email", "ana.ruiz@example.com")] == ["u0"]
    assert traits[("name", "Ana Ruiz")] == ["u0"]
    assert traits[("phone", "+15559876543")] == ["u1"]
    assert traits[("order_number", "88123")] == ["u1"]


def test_someone_elses_name_is_not_the_customers(spacy_nlp) -> None:
    result = RuleBasedExtractor(spacy_nlp).extract(_interaction(
        ("customer", "We got a puppy. Her name is Elsa."), ("customer", "My son's name is Tom Baker."),
        ("customer", "Yes, name is Ana Ruiz."),
    ))  # fmt: skip
    names = [o.attributes["value"] for o in result.observations if o.trait_key == "name"]
    assert names == ["Ana Ruiz"]


def test_questions_small_talk_and_agent_statements_are_not_customer_facts(spacy_nlp) -> None:
    extractor = RuleBasedExtractor(spacy_nlp)
    result = extractor.extract(_interaction(
        ("customer", "Hello there!"), ("customer", "Can you check where my parcel is?"),
        ("agent", "I have three kids myself."), ("customer", "Thanks so much, bye."),
        ("customer", "I work night shifts at the hospital."),
    ))  # fmt: skip
    facts = [o for o in result.observations if o.kind != "sentiment"]
    assert [(o.kind, o.utterance_ids) for o in facts] == [("fact", ["u4"])]
    assert facts[0].text == "The customer works night shifts at the hospital."


def test_agent_promises_are_commitments(spacy_nlp) -> None:
    extractor = RuleBasedExtractor(spacy_nlp)
    result = extractor.extract(_interaction(
        ("customer", "My order 88123 arrived damaged."), ("agent", "Sorry! We'll ship a replacement by Friday."),
    ))  # fmt: skip
    [commitment] = [o for o in result.observations if o.kind == "commitment"]
    assert commitment.utterance_ids == ["u1"] and commitment.attributes["status"] == "pending"
    assert commitment.attributes["due_text"] == "Friday"
    [issue] = [o for o in result.observations if o.kind == "issue"]
    assert issue.text == "The customer's order 88123 arrived damaged."
    assert result.summary and "damaged" in result.summary
    assert result.summary.count("88123") == 1  # the order-number trait adds nothing to the issue
