"""The context block and the handoff brief are never over their token budget by one token,
counted with the tokenizer the README names (the bundled MiniLM tokenizer.json): 1,000 random
budgets each (seeded; hypothesis is not installed)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from tokenizers import Tokenizer

from memory_service.context.service import build_block
from memory_service.handoff.render import render
from memory_service.tokens import count_tokens, fit_lines, tokenizer_path
from schemas.handoff import HandoffBrief, HandoffIdentity, HandoffSentiment, ProvidedFact, RecentInteraction
from schemas.observations import Source
from schemas.profiles import Profile, ProfileItem, TraitOut
from schemas.recall import RecallItem

AT = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
SOURCE = Source(interaction_id="5f0c2a7e-0000-4000-8000-000000000001", external_id="email-1", utterance_ids=["m1"])
WORDS = ("order 88123 arrived damaged replacement refund ana.ruiz@example.com +15551234567 café naïve — "
         "“quoted” über 東京 emoji 🙂 tab\tnew-line, punctuation!? (brackets) [note] $42.50 don't").split(" ")


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 30)))


def _profile(rng: random.Random) -> Profile:
    trait = TraitOut(value="ana.ruiz@example.com", confidence=0.9, updated_at=AT, source=SOURCE, observation_id="o1")
    issue = ProfileItem(id="o2", kind="issue", text=_sentence(rng), observed_at=AT, source=SOURCE)
    return Profile(customer_id="c1", identifiers=[{"type": "phone", "value": "+15551234567"}], name="Ana Ruiz",
                   traits={"email": trait, "order_number": trait.model_copy(update={"value": ["88123", "77001"]})},
                   interaction_count=3, channels=["chat", "email"], first_seen=AT, open_issues=[issue],
                   pending_commitments=[issue.model_copy(update={"kind": "commitment", "overdue": True})])  # fmt: skip


def _items(rng: random.Random) -> list[RecallItem]:
    return [
        RecallItem(id=f"i{n}", kind="issue", text=_sentence(rng), score=0.8, confidence=0.9, observed_at=AT,
                   source=SOURCE)
        for n in range(rng.randint(0, 12))
    ]  # fmt: skip


def test_the_tokenizer_is_the_bundled_models_and_counts_without_special_tokens() -> None:
    reference = Tokenizer.from_file(str(tokenizer_path()))
    reference.no_truncation()
    text = "Order 88123 arrived damaged. " * 200  # past the model's 512-token truncation
    assert count_tokens(text) == len(reference.encode(text, add_special_tokens=False).ids) > 512
    assert count_tokens("") == 0 and count_tokens("hello") == 1


def test_the_context_block_fits_1000_random_budgets_exactly() -> None:
    rng = random.Random(20261201)
    tight = 0
    for _ in range(1000):
        budget = rng.randint(1, 600)
        block = build_block(_profile(rng), _items(rng), query="damaged order", budget=budget)
        assert block.token_count == count_tokens(block.text) <= budget, (budget, block.text)
        tight += block.token_count >= budget - 8
        shown = block.text.split("\n")
        assert all(any(" ".join(item.text.split()) in line for line in shown) for item in block.items)
        whole = [line for line in shown if line.startswith("- [issue 2026") and not line.endswith(" …")]
        assert len(block.items) == len(whole)  # an item cut short is not returned
    assert tight > 500  # a full budget is used, not just respected


def test_the_handoff_text_fits_1000_random_budgets_exactly() -> None:
    rng = random.Random(7)
    for _ in range(1000):
        budget = rng.randint(50, 900)
        profile = _profile(rng)
        brief = HandoffBrief(
            customer_id="c1", reason=_sentence(rng), trigger="customer_request", detected_issue=_sentence(rng),
            text="", token_count=0,
            identity=HandoffIdentity(name="Ana Ruiz", identifiers=profile.identifiers, channels=["chat"],
                                     first_seen=AT),
            already_provided=[ProvidedFact(trait="order_number", value="88123", source=SOURCE, observed_at=AT,
                                           channel="email")],
            open_issues=profile.open_issues, commitments=profile.pending_commitments, relevant=_items(rng),
            sentiment=HandoffSentiment(now="negative", trend="falling"), conversation_summary=_sentence(rng),
            recent_interactions=[RecentInteraction(interaction_id="i", channel="email", started_at=AT,
                                                   summary=_sentence(rng))],
            links={"profile": "/v1/customers/c1/profile"},
        )  # fmt: skip
        text, used = render(brief, budget)
        assert used == count_tokens(text) <= budget, (budget, text)
        assert text.startswith("# Handoff: Ana Ruiz")


def test_a_line_that_does_not_fit_is_cut_at_a_word() -> None:
    text, used = fit_lines(["# Title", "one two three four five six seven eight"], 6)
    assert text == "# Title\none two three …" and used == count_tokens(text) == 6
    assert fit_lines(["a very long first line"], 0) == ("", 0)
