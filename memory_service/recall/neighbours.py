"""Candidates from the turns next to a match (recall step 2): the customer's reply to a matching
agent turn, and the customer's next own turn after a matching turn of theirs, join the
candidates with part of the matching turn's score and cosine (RecallPolicy.answer_factor,
continuation_factor). Found through the units' facts (the index's, or the rows'), so nothing
here reads Postgres when the index holds them."""

from __future__ import annotations

import numpy as np

from memory_service.index import VectorIndex
from memory_service.index.lexical import UnitFacts
from memory_service.recall.ranking import Candidate
from memory_service.recall.timeparse import is_temporal
from memory_service.recall.units import CandidateRows
from schemas.recall import RecallRequest


def with_answers(
    source: CandidateRows, index: VectorIndex, query_vector: np.ndarray, candidates: list[Candidate],
    vectors: dict[str, np.ndarray], request: RecallRequest, *, factor: float, pool: int,
) -> list[Candidate]:  # fmt: skip
    """The customer's reply to a matching agent turn inherits part of its score: a question
    ("what kind of jobs are you thinking of?") matches the query, the answer carries the
    evidence in words of its own. Facts and vectors of new candidates are added in place."""
    by_id = {c.unit_id: c for c in candidates}
    parents = _replies_of(candidates, source, "agent_turn", pool)
    _load_missing(source, index, parents, vectors)
    _inherit(parents, by_id, candidates, source, vectors, query_vector, request, factor)
    return candidates


def with_continuations(
    source: CandidateRows, index: VectorIndex, query_vector: np.ndarray, candidates: list[Candidate],
    vectors: dict[str, np.ndarray], request: RecallRequest, *, factor: float, pool: int,
) -> list[Candidate]:  # fmt: skip
    """The customer's next own turn after one of their matching turns inherits part of its score:
    found through the index's facts, the turn's reply (the agent's) and that reply's reply. Not
    for a question about when: the turn that tells the event carries its date."""
    if is_temporal(request.query):
        return candidates
    by_id = {c.unit_id: c for c in candidates}
    replies = _replies_of(candidates, source, "utterance", pool)
    _load_missing(source, index, replies)
    parents: dict[str, Candidate] = {}
    for reply_id, parent in replies.items():
        reply = source.facts.get(reply_id)
        if reply is not None and reply.kind == "agent_turn" and reply.reply_id is not None:
            parents.setdefault(reply.reply_id, parent)
    _load_missing(source, index, parents, vectors)
    _inherit(parents, by_id, candidates, source, vectors, query_vector, request, factor)
    return candidates


def _replies_of(candidates: list[Candidate], source: CandidateRows, kind: str, pool: int) -> dict[str, Candidate]:
    """The segment right after each of the `pool` best segment candidates of this kind -> that candidate."""
    replies: dict[str, Candidate] = {}
    for c in sorted(candidates, key=lambda c: c.fused, reverse=True)[:pool]:
        fact = source.facts[c.unit_id]
        if c.unit_type == "segment" and fact.kind == kind and fact.reply_id is not None:
            replies.setdefault(fact.reply_id, c)
    return replies


def _load_missing(
    source: CandidateRows, index: VectorIndex, ids: dict[str, Candidate], vectors: dict[str, np.ndarray] | None = None
) -> None:
    """Facts (and, given `vectors`, vectors, added in place) of the segments not yet known."""
    missing = [u for u in ids if u not in source.facts]
    if missing:
        source.load_facts((u, "segment") for u in missing)
        if vectors is not None:
            vectors.update(index.vectors(tenant_id=source.tenant_id, customer_id=source.customer_id, ids=missing))


def _inherit(
    parents: dict[str, Candidate], by_id: dict[str, Candidate], candidates: list[Candidate], source: CandidateRows,
    vectors: dict[str, np.ndarray], query_vector: np.ndarray, request: RecallRequest, factor: float,
) -> None:  # fmt: skip
    """Each customer turn in `parents` (unit id -> the candidate it follows) joins the candidates
    (in place) with `factor` of that candidate's score and cosine, if it scores less on its own."""
    q = np.asarray(query_vector, dtype=np.float32)
    for unit_id, parent in parents.items():
        fact = source.facts.get(unit_id)
        if fact is None or fact.kind != "utterance":  # the customer's own turn
            continue
        cand = by_id.get(unit_id)
        if cand is None:
            if not passes_filters(fact, Candidate(unit_id, "segment"), request):
                continue
            vec = vectors.get(unit_id)
            cand = Candidate(unit_id=unit_id, unit_type="segment", cosine=None if vec is None else float(vec @ q))
            by_id[unit_id] = cand
            candidates.append(cand)
        cand.fused = max(cand.fused, parent.fused * factor)
        cand.inherited = max(cand.inherited or 0.0, (parent.cosine or 0.0) * factor)


def passes_filters(fact: UnitFacts, cand: Candidate, request: RecallRequest) -> bool:
    if request.types and cand.unit_type not in request.types:
        return False
    if request.kinds and fact.kind not in request.kinds:
        return False
    if request.since and fact.observed_at < request.since:
        return False
    return not (request.until and fact.observed_at > request.until)
