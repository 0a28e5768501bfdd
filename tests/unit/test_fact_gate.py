"""The learned fact gate: bundled weights load and fit the features, and the extractor applies it
to the sentences the rules keep (and only to those)."""

from __future__ import annotations

import numpy as np
import pytest

from memory_service.extraction import RuleBasedExtractor
from memory_service.extraction.gate import CHEAP_FEATURES, FactGate, GateWeights, cheap_features
from memory_service.extraction.statements import statement_part
from schemas.interactions import InteractionIn

pytestmark = pytest.mark.model
DIM = 384


def _interaction(*texts: str) -> InteractionIn:
    return InteractionIn.model_validate({
        "external_id": "x", "customer": {"identifiers": [{"type": "crm", "value": "c1"}]},
        "channel": "chat", "started_at": "2026-11-20T14:00:00Z",
        "utterances": [{"id": f"u{i}", "role": "customer", "text": t} for i, t in enumerate(texts)],
    })  # fmt: skip


def _facts(extractor: RuleBasedExtractor, *texts: str) -> dict[str, str]:
    found = extractor.extract(_interaction(*texts)).observations
    return {o.utterance_ids[0]: o.text for o in found if o.kind not in ("sentiment", "trait")}


def test_bundled_weights_fit_the_features() -> None:
    weights = GateWeights.bundled()
    assert weights.coef.shape == (DIM + len(CHEAP_FEATURES),)
    assert np.all(np.isfinite(weights.coef)) and 0.0 < weights.threshold < weights.admit_threshold < 1.0


def test_cheap_features_follow_the_rules(spacy_nlp) -> None:  # type: ignore[no-untyped-def]
    kept, _ = statement_part(next(spacy_nlp("I have two kids and a dog.").sents))
    asked, _ = statement_part(next(spacy_nlp("Do you have any kids?").sents))
    kept_f = dict(zip(CHEAP_FEATURES, cheap_features(kept, False), strict=True))
    asked_f = dict(zip(CHEAP_FEATURES, cheap_features(asked, False), strict=True))
    assert kept_f["rule_pass"] == 1.0 and kept_f["self_reference_2"] == 1.0 and kept_f["question"] == 0.0
    assert asked_f["rule_pass"] == 0.0 and asked_f["question"] == 1.0


def _constant_gate(probability: float) -> FactGate:
    """A gate whose every probability is `probability`: zero weights, the logit as intercept."""
    logit = float(np.log(probability / (1.0 - probability)))
    weights = GateWeights(np.zeros(DIM + len(CHEAP_FEATURES), np.float32), logit, 0.5, 0.8)
    return FactGate(lambda texts: np.zeros((len(texts), DIM), np.float32), weights)


def test_the_extractor_drops_what_the_gate_rejects(spacy_nlp) -> None:  # type: ignore[no-untyped-def]
    texts = ("I have two kids and a dog.", "I work as a nurse in Ohio.")
    assert set(_facts(RuleBasedExtractor(spacy_nlp), *texts)) == {"u0", "u1"}
    assert _facts(RuleBasedExtractor(spacy_nlp, gate=_constant_gate(0.9)), *texts) == _facts(
        RuleBasedExtractor(spacy_nlp), *texts)
    assert _facts(RuleBasedExtractor(spacy_nlp, gate=_constant_gate(0.1)), *texts) == {}


def test_the_gate_admits_only_in_turns_the_rules_keep_nothing_of(spacy_nlp) -> None:  # type: ignore[no-untyped-def]
    rejected = "Sounds like a lot of fun for the whole family."
    assert _facts(RuleBasedExtractor(spacy_nlp), rejected) == {}
    assert _facts(RuleBasedExtractor(spacy_nlp, gate=_constant_gate(0.6)), rejected) == {}  # under 0.8
    assert set(_facts(RuleBasedExtractor(spacy_nlp, gate=_constant_gate(0.9)), rejected)) == {"u0"}
    # Beside a sentence the rules keep, the rejected one stays out.
    both = f"I have two kids. {rejected}"
    assert _facts(RuleBasedExtractor(spacy_nlp, gate=_constant_gate(0.9)), both) == _facts(
        RuleBasedExtractor(spacy_nlp), both)


def test_identity_traits_do_not_pass_through_the_gate(spacy_nlp) -> None:  # type: ignore[no-untyped-def]
    found = RuleBasedExtractor(spacy_nlp, gate=_constant_gate(0.01)).extract(
        _interaction("My email is ana.ruiz@example.com")).observations
    assert any(o.kind == "trait" and o.value == "ana.ruiz@example.com" for o in found)


def test_the_bundled_gate_tells_a_persona_fact_from_a_reply(spacy_nlp) -> None:  # type: ignore[no-untyped-def]
    from memory_service.embeddings import SentenceTransformerEmbedder

    gate = FactGate(SentenceTransformerEmbedder().embed)
    fact, _ = statement_part(next(spacy_nlp("I have three children and I work as a nurse.").sents))
    reply, _ = statement_part(next(spacy_nlp("I think that would be a lot of fun for sure.").sents))
    high, low = gate.probabilities([(fact, False), (reply, False)])
    assert high >= gate.weights.threshold > low


def test_the_gate_keeps_or_drops_a_turn_whole(spacy_nlp) -> None:  # type: ignore[no-untyped-def]
    """The best-scoring part decides for the turn: a low part beside a high one stays."""
    coef = np.zeros(DIM + len(CHEAP_FEATURES), np.float32)
    coef[0] = 10.0

    def embed(texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), DIM), np.float32)
        vectors[:, 0] = [1.0 if "kids" in t else 0.0 for t in texts]
        return vectors

    gated = RuleBasedExtractor(spacy_nlp, gate=FactGate(embed, GateWeights(coef, -5.0, 0.5, 0.8)))
    both = "I have two kids. I work as a nurse in Ohio."
    assert _facts(gated, both) == _facts(RuleBasedExtractor(spacy_nlp), both)
    assert "nurse" in _facts(gated, both)["u0"]
    assert _facts(gated, "I work as a nurse in Ohio.") == {}


def test_a_reported_problem_is_never_dropped_by_the_gate(spacy_nlp) -> None:  # type: ignore[no-untyped-def]
    """The gate learnt persona facts from chit-chat; a contact centre's issue stays whatever it says."""
    gated = RuleBasedExtractor(spacy_nlp, gate=_constant_gate(0.01))
    found = gated.extract(_interaction("I got the wrong size and my order arrived damaged.")).observations
    assert [o.kind for o in found if o.kind not in ("sentiment", "trait")] == ["issue"]
    assert _facts(gated, "I have two kids and a dog.") == {}


def test_the_gate_is_a_setting_and_shares_the_embedder_it_is_given() -> None:
    from memory_service.config import Settings
    from memory_service.extraction.factory import build_extractor
    from tests.fakes import HashingEmbedder

    embedder = HashingEmbedder()
    on = build_extractor(Settings(), embedder=embedder)
    off = build_extractor(Settings(extraction_fact_gate=False), embedder=embedder)
    assert isinstance(on, RuleBasedExtractor) and isinstance(off, RuleBasedExtractor)
    assert on.gate is not None and on.gate.embed == embedder.embed
    assert off.gate is None
