"""The offline extractor's typed attributes: dates, commitments, resolutions, sentiment,
answers to the agent's questions, and what is not a fact."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from memory_service.extraction import RuleBasedExtractor
from memory_service.extraction.sentiment import interaction_sentiment
from memory_service.extraction.temporal import resolve_dates
from schemas.interactions import InteractionIn

# 2026-11-20 is a Friday.
REFERENCE = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


def _interaction(*utterances: tuple[str, str]) -> InteractionIn:
    return InteractionIn.model_validate({
        "external_id": "x", "customer": {"identifiers": [{"type": "phone", "value": "+15551234567"}]},
        "channel": "voice", "started_at": REFERENCE.isoformat(),
        "utterances": [{"id": f"u{i}", "role": role, "text": text} for i, (role, text) in enumerate(utterances)],
    })  # fmt: skip


@pytest.mark.parametrize(
    ("text", "future", "expected"),
    [
        ("It broke yesterday.", False, "2026-11-19"),
        ("It arrived last Tuesday.", False, "2026-11-17"),
        ("We moved next month.", False, "2026-12-20"),
        ("I ordered it 3 weeks ago.", False, "2026-10-30"),
        ("We'll ship it by Monday.", True, "2026-11-23"),
        ("It happened on Monday.", False, "2026-11-16"),
        ("The tournament is on May 8th 2021.", False, "2021-05-08"),
        ("I'll call you in two days.", True, "2026-11-22"),
    ],
)
def test_relative_dates_resolve_against_the_utterance_time(text: str, future: bool, expected: str) -> None:
    assert resolve_dates(text, REFERENCE, future=future)[0].date.isoformat() == expected


def test_sentiment_is_lexicon_based_with_negation() -> None:
    angry = interaction_sentiment([("u1", "This is terrible, the parcel is damaged."), ("u2", "I am not happy.")])
    assert angry is not None and angry.label == "negative" and angry.utterance_ids == ["u1", "u2"]
    happy = interaction_sentiment([("u1", "Great, thanks so much!"), ("u2", "See you.")])
    assert happy is not None and happy.label == "positive" and happy.utterance_ids == ["u1"]
    assert interaction_sentiment([("u1", "My order number is 88123.")]) is None


@pytest.mark.model
def test_commitment_has_a_due_date_and_resolution_marks_the_issue(spacy_nlp) -> None:
    result = RuleBasedExtractor(spacy_nlp).extract(_interaction(
        ("customer", "My router stopped working yesterday and I'm really frustrated."),
        ("agent", "Sorry about that. We'll send a technician by Monday."),
        ("agent", "I've also reset your line, so it should be fixed now."),
    ))  # fmt: skip
    [issue] = [o for o in result.observations if o.kind == "issue"]
    assert issue.attributes["date"] == "2026-11-19" and issue.attributes["resolved"] is True
    assert issue.attributes["resolved_by"] == "u2"
    [commitment] = [o for o in result.observations if o.kind == "commitment"]
    assert commitment.attributes["status"] == "pending" and commitment.attributes["due_date"] == "2026-11-23"
    [sentiment] = [o for o in result.observations if o.kind == "sentiment"]
    assert sentiment.attributes["label"] == "negative" and sentiment.utterance_ids == ["u0"]
    assert result.outcome == "resolved" and result.resolution and result.resolution["utterance_id"] == "u2"
    assert result.summary and "router" in result.summary and "Outcome: resolved" in result.summary


@pytest.mark.model
def test_short_answers_to_the_agent_are_typed_traits(spacy_nlp) -> None:
    result = RuleBasedExtractor(spacy_nlp).extract(_interaction(
        ("agent", "May I have your full name please?"), ("customer", "Crystal Minh"),
        ("agent", "And your username and order ID?"), ("agent", "please"),
        ("customer", "cminh730"), ("customer", "3348917502"),
        ("agent", "What is your membership level?"), ("customer", "I'm a gold member"),
        ("agent", "Thanks, what is the best number to reach you?"), ("customer", "(977) 625-2661"),
    ))  # fmt: skip
    traits = {(o.trait_key, o.attributes["value"]) for o in result.observations if o.kind == "trait"}
    assert traits == {
        ("name", "Crystal Minh"), ("username", "cminh730"), ("order_number", "3348917502"),
        ("membership", "gold"), ("phone", "+19776252661"),
    }  # fmt: skip
    assert not [o for o in result.observations if o.kind not in ("trait", "sentiment")]


@pytest.mark.model
def test_reactions_and_remarks_about_the_other_party_are_not_facts(spacy_nlp) -> None:
    result = RuleBasedExtractor(spacy_nlp).extract(_interaction(
        ("customer", "I bet she appreciates that very much."), ("customer", "I'm sure you are a great nurse."),
        ("customer", "I would love that!"), ("customer", "I can't wait to see it."),
        ("customer", "Oh wow, I have two dogs and a cat."),
    ))  # fmt: skip
    facts = [o for o in result.observations if o.kind != "sentiment"]
    assert [(o.text, o.utterance_ids) for o in facts] == [("The customer has two dogs and a cat.", ["u4"])]


@pytest.mark.model
def test_an_address_change_is_an_address_trait_and_a_dated_event(spacy_nlp) -> None:
    result = RuleBasedExtractor(spacy_nlp).extract(_interaction(
        ("customer", "I moved last month. My new address is 12 Oak Street, Springfield."),
    ))  # fmt: skip
    [address] = [o for o in result.observations if o.trait_key == "address"]
    assert address.value == "12 Oak Street, Springfield" and address.single_valued
    [event] = [o for o in result.observations if o.kind == "event"]
    assert event.attributes["date"] == "2026-10-20"
