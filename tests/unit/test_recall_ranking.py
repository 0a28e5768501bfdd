from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from memory_service.index import CustomerVectorIndex
from memory_service.recall.ranking import (
    Candidate,
    apply_time_priors,
    reciprocal_rank_fusion,
    score_fusion,
    select_diverse,
)
from memory_service.recall.service import lexical_query
from memory_service.recall.timeparse import is_temporal, parse_window

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def test_rrf_rewards_agreement_between_lists() -> None:
    fused = reciprocal_rank_fusion([(["a", "b", "c"], 1.0), (["b", "d", "a"], 1.0)], k=60)
    assert max(fused, key=fused.__getitem__) == "b"
    assert fused["a"] > fused["d"] > fused["c"]
    assert set(fused) == {"a", "b", "c", "d"}


def test_score_fusion_adds_at_most_a_first_rank_and_keeps_the_gaps() -> None:
    dense = (["a", "b", "c"], [0.71, 0.70, 0.45], 1.0, True)
    lexical = (["c", "a"], [8.0, 2.0], 1.0, False)
    shares = score_fusion([dense, lexical], k=60.0)
    first = 1.0 / 61
    assert abs(shares["a"] - (first + first * 2.0 / 8.0)) < 1e-9  # best cosine, a quarter of the best BM25
    assert abs(shares["b"] - first * 0.25 / 0.26) < 1e-9  # a near tie with the best keeps nearly all
    assert abs(shares["c"] - first) < 1e-9  # the lowest cosine adds nothing, the best BM25 a first rank
    # a near tie between ranks 1 and 2 no longer costs what a wide gap costs
    fused = reciprocal_rank_fusion([(dense[0], 1.0), (lexical[0], 1.0)], k=60.0)
    assert fused["a"] + shares["a"] > fused["c"] + shares["c"]
    assert score_fusion([(["a"], [0.5], 1.0, True)]) == {}  # one hit: no spread to speak of


def test_recency_prior_prefers_newer_and_can_be_off() -> None:
    old = Candidate("old", "segment", fused=1.0, observed_at=NOW - timedelta(days=400))
    new = Candidate("new", "segment", fused=1.0, observed_at=NOW)
    apply_time_priors([old, new], recency_weight=0.1, half_life_days=180, window=None, window_boost=1.0)
    assert new.fused > old.fused
    a = Candidate("a", "segment", fused=1.0, observed_at=NOW - timedelta(days=400))
    b = Candidate("b", "segment", fused=1.0, observed_at=NOW)
    apply_time_priors([a, b], recency_weight=0.0, half_life_days=180, window=None, window_boost=1.0)
    assert a.fused == b.fused == 1.0


def test_time_window_boosts_units_inside_it() -> None:
    window = parse_window("what did I order last month?", now=NOW)
    assert window is not None and window.contains(NOW - timedelta(days=20))
    assert not window.contains(NOW - timedelta(days=200))
    inside = Candidate("in", "segment", fused=1.0, observed_at=NOW - timedelta(days=20))
    outside = Candidate("out", "segment", fused=1.0, observed_at=NOW - timedelta(days=200))
    apply_time_priors([inside, outside], recency_weight=0.0, half_life_days=180, window=window, window_boost=1.3)
    assert inside.fused > outside.fused


def test_time_expressions() -> None:
    three_weeks = parse_window("the thing I bought 3 weeks ago", now=NOW)
    assert three_weeks is not None and three_weeks.contains(NOW - timedelta(days=21))
    assert parse_window("in 2025 did I travel?", now=NOW).contains(datetime(2025, 6, 1, tzinfo=UTC))  # type: ignore[union-attr]
    assert parse_window("damaged order", now=NOW) is None
    assert is_temporal("When did Caroline go to the support group?")
    assert not is_temporal("what pets does she have")


def test_selection_skips_near_duplicates_and_covered_utterances() -> None:
    v = np.eye(4, dtype=np.float32)
    cands = [
        Candidate("obs", "observation", cosine=0.9, provenance=frozenset({("i", "u2")})),
        Candidate("seg", "segment", cosine=0.8, provenance=frozenset({("i", "u2")})),
        Candidate("dup", "segment", cosine=0.7, provenance=frozenset({("i", "u3")})),
        Candidate("other", "segment", cosine=0.6, provenance=frozenset({("i", "u4")})),
    ]
    vectors = {"obs": v[0], "seg": v[1], "dup": v[0], "other": v[2]}
    chosen = select_diverse(cands, vectors=vectors, limit=10, duplicate_cosine=0.92, admit=lambda c: True)
    assert [c.unit_id for c in chosen] == ["obs", "other"]


def test_lexical_query_drops_boilerplate_words() -> None:
    assert "customer" not in lexical_query("does the customer have any pets?").lower()


def test_index_holds_typed_units_and_returns_vectors() -> None:
    for codec in ("flat", "fp16", "sq8"):
        index = CustomerVectorIndex(4, codec=codec)
        vecs = np.eye(4, dtype=np.float32)
        index.replace_customer(tenant_id="t", customer_id="c", ids=["o", "s"], vectors=vecs[:2],
                               types=["observation", "segment"])  # fmt: skip
        assert index.customer_ids(tenant_id="t", customer_id="c") == ["o"]
        assert index.customer_ids(tenant_id="t", customer_id="c", unit_type="segment") == ["s"]
        hits = index.search(tenant_id="t", customer_id="c", query=vecs[1], k=5)
        assert hits[0].unit_id == "s" and hits[0].unit_type == "segment"
        assert np.allclose(index.vectors(tenant_id="t", customer_id="c", ids=["s"])["s"], vecs[1], atol=0.02)


def test_lexical_query_drops_the_customers_own_name() -> None:
    assert "caroline" not in lexical_query("What did Caroline's sister paint?", customer_name="Caroline").lower()
    assert "paint" in lexical_query("What did Caroline's sister paint?", customer_name="Caroline")


def test_micro_batching_embeds_concurrent_queries_together() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from memory_service.embeddings.batching import MicroBatchingEmbedder
    from tests.fakes import HashingEmbedder

    base = HashingEmbedder(dim=16)
    batched = MicroBatchingEmbedder(base, window_s=0.01)
    texts = [f"query number {n}" for n in range(20)]
    with ThreadPoolExecutor(8) as pool:
        vectors = list(pool.map(lambda t: batched.embed([t])[0], texts))
    assert all(np.allclose(v, base.embed([t])[0]) for v, t in zip(vectors, texts, strict=True))
    assert batched.texts == 20 and batched.batches < 20


def test_focus_keeps_short_units_and_cuts_long_ones_to_the_matching_sentences() -> None:
    from memory_service.recall.items import focus, stems

    assert focus("My fridge leaks.", stems("fridge"), 200) == "My fridge leaks."
    text = ("Thanks for asking, it has been a long week at work and the kids were ill. "
            "We finally went camping by the lake last weekend and it was lovely. "
            "Next month we plan to repaint the kitchen, which will take ages. "
            "[shares a photo of a tent next to a lake]")  # fmt: skip
    cut = focus(text, stems("where did they camp?"), 150)
    assert "camping by the lake" in cut and len(cut) <= 150 + 4
    assert cut.startswith("… ") and cut.endswith(" …")
    assert "kids were ill" not in cut
    first = focus(text, stems("unrelated words"), 100)
    assert first.startswith("Thanks for asking") and len(first) <= 104
    assert stems("Camping and camped, the camps") == {"camp"}


def test_calendar_dates_in_a_query_name_their_own_window() -> None:
    day = parse_window("What movie did Joanna watch on 1 May, 2022?", now=NOW)
    assert day is not None and day.contains(datetime(2022, 5, 2, tzinfo=UTC))
    assert not day.contains(datetime(2022, 6, 1, tzinfo=UTC)) and not day.contains(datetime(2026, 5, 2, tzinfo=UTC))
    assert parse_window("on May 3rd, 2023", now=NOW).contains(datetime(2023, 5, 5, tzinfo=UTC))  # type: ignore[union-attr]
    month = parse_window("what did he change in April 2022?", now=NOW)
    assert month is not None and month.contains(datetime(2022, 4, 20, tzinfo=UTC))
    assert month.contains(datetime(2022, 5, 10, tzinfo=UTC)) and not month.contains(datetime(2022, 3, 30, tzinfo=UTC))
    assert parse_window("on 31 feb, 2022", now=NOW) is None
    assert parse_window("you may 2 of them", now=NOW) is None


def test_month_or_season_without_year_is_anchored_to_the_history() -> None:
    history_end = datetime(2023, 10, 20, tzinfo=UTC)
    june = parse_window("When did she go camping in June?", now=NOW, history_end=history_end)
    assert june is not None and june.contains(datetime(2023, 6, 27, tzinfo=UTC))
    assert not june.contains(datetime(2026, 6, 27, tzinfo=UTC))
    assert parse_window("in June", now=NOW).contains(datetime(2026, 6, 27, tzinfo=UTC))  # type: ignore[union-attr]
    summer = parse_window("a pride parade during the summer", now=NOW, history_end=history_end)
    assert summer is not None and summer.contains(datetime(2023, 8, 10, tzinfo=UTC))
    assert not summer.contains(datetime(2023, 5, 10, tzinfo=UTC))
    winter = parse_window("what did he do last winter?", now=NOW, history_end=history_end)
    assert winter is not None and winter.contains(datetime(2023, 1, 15, tzinfo=UTC))
    named = parse_window("in the summer of 2021", now=NOW, history_end=history_end)
    assert named is not None and named.contains(datetime(2021, 7, 1, tzinfo=UTC))


def test_selection_head_admits_what_both_retrievers_agree_on() -> None:
    v = np.eye(4, dtype=np.float32)
    cands = [Candidate(f"c{i}", "segment", cosine=0.1, provenance=frozenset({("i", f"u{i}")})) for i in range(4)]
    vectors = {c.unit_id: v[i] for i, c in enumerate(cands)}

    def agreed(c: Candidate) -> bool:
        return c.unit_id != "c1"

    chosen = select_diverse(
        cands, vectors=vectors, limit=10, duplicate_cosine=0.92, admit=lambda c: False, head=2, head_admit=agreed
    )
    assert [c.unit_id for c in chosen] == ["c0", "c2"]
    assert select_diverse(cands, vectors=vectors, limit=10, duplicate_cosine=0.92, admit=lambda c: False) == []
