"""The customer's next own turn after a matching turn of theirs joins the candidates (neighbours.with_continuations)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from memory_service.index.lexical import UnitFacts
from memory_service.recall.neighbours import with_continuations
from memory_service.recall.ranking import Candidate
from memory_service.recall.service import RecallPolicy
from memory_service.recall.units import CandidateRows
from schemas.recall import RecallRequest

AT = datetime(2023, 7, 15, tzinfo=UTC)


class FakeIndex:
    """What the ranking asks of the in-process index: facts and vectors by id."""

    holds_lexemes = True

    def __init__(self, facts: dict[str, UnitFacts], vectors: dict[str, np.ndarray]) -> None:
        self._facts, self._vectors = facts, vectors

    def facts(self, *, tenant_id: str, customer_id: str, ids: list[str]) -> dict[str, UnitFacts]:
        return {u: self._facts[u] for u in ids if u in self._facts}

    def vectors(self, *, tenant_id: str, customer_id: str, ids: list[str]) -> dict[str, np.ndarray]:
        return {u: self._vectors[u] for u in ids if u in self._vectors}


def _conversation() -> tuple[FakeIndex, dict[str, np.ndarray]]:
    # c1 (customer) -> a1 (agent) -> c2 (customer) -> a2 (agent) -> c3 (customer); x1 an agent turn -> c9
    facts = {
        "c1": UnitFacts("utterance", AT, "a1"), "a1": UnitFacts("agent_turn", AT, "c2"),
        "c2": UnitFacts("utterance", AT, "a2"), "a2": UnitFacts("agent_turn", AT, "c3"),
        "c3": UnitFacts("utterance", AT, None), "x1": UnitFacts("agent_turn", AT, "y1"),
        "y1": UnitFacts("agent_turn", AT, "c9"), "c9": UnitFacts("utterance", AT, None),
    }  # fmt: skip
    vectors = {u: np.eye(4, dtype=np.float32)[i % 4] for i, u in enumerate(facts)}
    return FakeIndex(facts, vectors), vectors


def _run(query: str, candidates: list[Candidate], factor: float = 0.8) -> dict[str, Candidate]:
    index, all_vectors = _conversation()
    source = CandidateRows(None, index, tenant_id="t", customer_id="c")  # type: ignore[arg-type]
    source.load_facts((c.unit_id, c.unit_type) for c in candidates)
    vectors = {c.unit_id: all_vectors[c.unit_id] for c in candidates}
    out = with_continuations(source, index, np.eye(4, dtype=np.float32)[2], candidates, vectors,  # type: ignore[arg-type]
                             RecallRequest(query=query), factor=factor, pool=RecallPolicy().answer_pool)  # fmt: skip
    return {c.unit_id: c for c in out}


def test_the_next_own_turn_inherits_part_of_a_matching_turns_score() -> None:
    got = _run("what did she see on the camping trip?", [Candidate("c1", "segment", cosine=0.6, fused=0.05)])
    assert set(got) == {"c1", "c2"}  # c2, two segments on; not c3 (one step only), not the agent's turn
    assert abs(got["c2"].fused - 0.04) < 1e-9
    assert got["c2"].inherited is not None and abs(got["c2"].inherited - 0.48) < 1e-6
    assert got["c2"].cosine is not None  # its own cosine, against the query vector


def test_a_turn_that_scores_more_on_its_own_keeps_its_score() -> None:
    cands = [Candidate("c1", "segment", cosine=0.6, fused=0.05), Candidate("c2", "segment", cosine=0.7, fused=0.09)]
    got = _run("what did she see on the camping trip?", cands)
    assert got["c2"].fused == 0.09
    assert got["c3"].fused == 0.09 * 0.8  # c2's own next turn


def test_only_the_customers_turns_pass_on_and_receive() -> None:
    got = _run("what did she see on the camping trip?", [Candidate("x1", "segment", cosine=0.6, fused=0.05)])
    assert set(got) == {"x1"}  # an agent turn's next-but-one is no continuation of the customer's


def test_not_for_questions_about_when() -> None:
    got = _run("When did she go camping?", [Candidate("c1", "segment", cosine=0.6, fused=0.05)])
    assert set(got) == {"c1"}
