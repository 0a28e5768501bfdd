"""Recall mechanisms of issue 9 item 3: time-stating units for "when" questions."""

from __future__ import annotations

from memory_service.recall.ranking import Candidate, boost_where
from memory_service.recall.timeparse import asks_for_time, is_temporal, mentions_time


def test_questions_that_ask_for_a_time() -> None:
    for q in ("When did she go camping?", "What year did he move?", "In which month was the trip?",
              "How long has she been painting?", "how many weeks did the repair take"):  # fmt: skip
        assert asks_for_time(q), q
        assert is_temporal(q), q
    for q in ("What did she paint recently?", "What is her address?", "Which city did they visit?"):
        assert not asks_for_time(q), q


def test_units_that_state_a_time() -> None:
    for text in ("I went to a support group yesterday", "Last Fri I took my kids to a workshop",
                 "back in 2019 we moved", "We went camping two weekends ago", "It arrived on 3 May",
                 "we did it in the summer", "Since I was 17 or so"):  # fmt: skip
        assert mentions_time(text), text
    for text in ("I love painting with my kids", "Thanks, that means a lot!", "My address is 12 Elm Street"):
        assert not mentions_time(text), text


def test_boost_where_only_touches_matching_candidates() -> None:
    a, b = Candidate("a", "segment", fused=1.0), Candidate("b", "segment", fused=1.0)
    boost_where([a, b], lambda c: c.unit_id == "a", 1.5)
    assert (a.fused, b.fused) == (1.5, 1.0)
