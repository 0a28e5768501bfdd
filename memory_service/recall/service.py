"""Recall: the customer's relevant memory for a query, best first, within a token budget.

Units searched: observations (what the extractor understood), segments (what was said,
verbatim, one utterance each) and interaction summaries, each with its provenance.

1. Candidates: the dense list (FAISS, cosine) and the lexical list (BM25 over Postgres'
   lexemes, in process beside FAISS or in SQL for pgvector), fused by reciprocal rank fusion
   plus each list's normalised score (a first rank's worth at most).
2. Facts: each candidate's kind and time (from the index, or the rows with pgvector);
   kinds/types/since/until filter here. The customer's reply to a matching agent turn joins
   the candidates with part of the turn's score (the question matches the query, the answer
   holds the evidence); so does the customer's next own turn after a matching turn of theirs
   (what they say next goes on with it), except for questions about when (neighbours.py).
3. Priors: per-kind weights (agent turns and summaries count for less than the customer's
   own words), a mild recency boost (request.recency, on by default) and a boost for units
   inside a time window named in the query ("last month", "3 weeks ago").
4. Selection: best first, skipping near-duplicates (cosine) and units whose utterances are
   already covered, keeping only relevant items: cosine at least `min_score` and, unless the
   caller set min_score, `relative_cutoff` of the best cosine, or a strong lexical match.
5. top_k and token_budget; a long unit is cut to its sentences that carry the query's words.
   Postgres re-check: rows are read by primary key, best first, a few more than top_k at a
   time, until the answer is settled (units.py), so nothing deleted, superseded or retracted
   since the index saw it comes back, and the rows read do not grow with the history.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from psycopg import Connection

from memory_service.index import VectorIndex
from memory_service.index.lexical import UnitFacts
from memory_service.recall import items as item_builder
from memory_service.recall.neighbours import passes_filters, with_answers, with_continuations
from memory_service.recall.ranking import (
    Candidate,
    apply_time_priors,
    reciprocal_rank_fusion,
    score_fusion,
    select_diverse,
)
from memory_service.recall.rerank import Reranker
from memory_service.recall.timeparse import is_temporal, parse_window
from memory_service.recall.units import CandidateRows, RowNotRead, lexical_hits
from schemas.recall import RecallItem, RecallRequest, RecallResponse

# Words every observation and many questions carry ("the customer prefers..."): no evidence.
_DOMAIN_STOPWORDS = re.compile(r"\b(customer|customers|client|agent|agents|user|assistant)('s)?\b", re.IGNORECASE)


def without_name(query: str, *, customer_name: str | None) -> str:
    """Every unit of a customer is about them, so their own name in a query carries no
    evidence; it only pulls towards turns where the other party addresses them by name.
    Measured on LoCoMo dev (2 conversations): dense evidence recall@10 0.24 -> 0.62."""
    stripped = query
    for part in (customer_name or "").split():
        if len(part) > 1:
            stripped = re.sub(rf"\b{re.escape(part)}('s)?\b", " ", stripped, flags=re.IGNORECASE)
    return stripped if len(stripped.split()) >= 2 else query


def lexical_query(query: str, *, customer_name: str | None = None) -> str:
    """The query's content words: no boilerplate roles, not the customer's own name."""
    return without_name(_DOMAIN_STOPWORDS.sub(" ", query), customer_name=customer_name)


@dataclass(frozen=True)
class RecallPolicy:
    min_score: float = 0.3
    relative_cutoff: float = 0.6
    dense_candidates: int = 100
    lexical_candidates: int = 100
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    rerank_pool: int = 80
    rrf_k: float = 60.0
    # Each list's own score, normalised, adds up to what its first rank adds (ranking.score_fusion):
    # rank alone tells "0.71 then 0.70" from "0.71 then 0.45" no better than "1st then 2nd". Measured
    # on LoCoMo dev (R@10 tuned / untuned, against 0.771 / 0.773 on the same data): 0.787 / 0.786,
    # untuned single-hop 0.874 -> 0.894, multi-hop 0.527 -> 0.532, temporal 0.804 -> 0.804. 61 times
    # this weight (scores first, ranks as tie-breakers): 0.811 / 0.775, not kept.
    score_weight: float = 1.0
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    recency_weight: float = 0.05
    half_life_days: float = 180.0
    # Units inside a time window the query names ("on October 13, 2023", "last month"). With the score
    # fusion above, 1.3 no longer lifts a unit told on the named day past undated near-matches. Measured
    # on LoCoMo dev (R@10 tuned / untuned, against 0.787 / 0.786, 1.3): 0.796 / 0.791, untuned temporal
    # 0.804 -> 0.815, single-hop 0.894 -> 0.901 (tuned: 1.6 0.791, 3.0 0.796).
    window_boost: float = 2.0
    duplicate_cosine: float = 0.92
    lexical_relative_cutoff: float = 0.5
    lexical_cosine_factor: float = 0.5
    # Among the first `agreement_head` items, a unit both the dense and the lexical list found passes
    # the relevance gate whatever its cosine.
    agreement_head: int = 10
    # Longer units come back as their sentences that carry the query's words (items.focus).
    max_item_chars: int = 160
    # Per-kind multipliers of the fused score. Most evidence about a customer is in their own
    # words: on LoCoMo dev 93 % of evidence turns are the named speaker's. A summary rests on many
    # utterances and repeats what its segments say. Measured on LoCoMo dev (conv-26, conv-30,
    # confirmed on conv-41/42/43): evidence recall@10 0.707 -> 0.743 on both halves.
    agent_weight: float = 0.7
    summary_weight: float = 0.5
    observation_weight: float = 1.0
    # The customer's reply to a matching agent turn inherits this share of its score and cosine
    # (recall@10 0.743 -> 0.773 / 0.762 on the two halves); agent turns looked at: the best answer_pool.
    answer_factor: float = 0.9
    answer_pool: int = 30
    # The customer's next own turn (after the agent's reply) inherits this share of the score and cosine
    # of one of their turns among the best answer_pool: a detail is often told in the turn after the one
    # that matches ("we went camping" ... "we saw the Perseids"). Not for questions about when (is_temporal):
    # the turn that tells the event carries its date, the next one crowds it out (tuned temporal 0.968 ->
    # 0.952 with it). Measured on LoCoMo dev (R@10 tuned / untuned, against 0.796 / 0.791 on the same data):
    # 0.803 / 0.795 (R@5 0.725 -> 0.741 / 0.713 -> 0.727, R@20 0.841 -> 0.850 / 0.825 -> 0.827; single-hop
    # 0.855 -> 0.882 / 0.901 -> 0.911, temporal 0.968 / 0.815 unchanged, open-domain 0.462 -> 0.423 /
    # 0.495 -> 0.510, multi-hop 0.485 -> 0.466 / 0.532 -> 0.515: a list question loses breadth). Tuned: 0.6
    # 0.796 (no question changes), 1.0 0.784; without the cosine for the gate 0.794. ~0.2 ms a recall.
    continuation_factor: float = 0.8


# Rows read beyond top_k in the first batch: room for units that vanished, fail a filter, are
# near-duplicates or fall below the relevance gate; more are read only if still short.
ROW_SPARES = 10


def recall(
    conn: Connection,
    *,
    index: VectorIndex,
    query_vector: np.ndarray,
    tenant_id: str,
    customer_id: str,
    request: RecallRequest,
    policy: RecallPolicy,
    reranker: Reranker | None = None,
    customer_name: str | None = None,
) -> RecallResponse:
    candidates = _candidates(conn, index, query_vector, tenant_id, customer_id, request, policy, customer_name)
    vectors = index.vectors(tenant_id=tenant_id, customer_id=customer_id, ids=[c.unit_id for c in candidates])
    for c in candidates:
        if c.cosine is None and c.unit_id in vectors:
            c.cosine = float(vectors[c.unit_id] @ np.asarray(query_vector, dtype=np.float32))
    source = CandidateRows(conn, index, tenant_id=tenant_id, customer_id=customer_id)
    facts = source.load_facts((c.unit_id, c.unit_type) for c in candidates)
    candidates = [c for c in candidates if c.unit_id in facts and passes_filters(facts[c.unit_id], c, request)]
    if policy.answer_factor > 0:
        candidates = with_answers(source, index, query_vector, candidates, vectors, request,
                                  factor=policy.answer_factor, pool=policy.answer_pool)
    if policy.continuation_factor > 0:
        candidates = with_continuations(source, index, query_vector, candidates, vectors, request,
                                        factor=policy.continuation_factor, pool=policy.answer_pool)
    for c in candidates:
        c.observed_at = source.facts[c.unit_id].observed_at
    _prioritise(candidates, source.facts, request, policy)
    if reranker is not None and candidates:
        source.load_rows((c.unit_id, c.unit_type) for c in candidates)
        candidates = [c for c in candidates if c.unit_id in source.rows]
        _rerank(reranker, request.query, candidates, source.rows)
    query_stems = item_builder.stems(lexical_query(request.query, customer_name=customer_name))
    return _select(customer_id, candidates, source, vectors, request, policy, query_stems)


def _select(
    customer_id: str, candidates: list[Candidate], source: CandidateRows, vectors: dict[str, np.ndarray],
    request: RecallRequest, policy: RecallPolicy, query_stems: set[str],
) -> RecallResponse:  # fmt: skip
    """Selection over the best candidates whose rows are read, more rows only while the answer
    could still change. Greedy selection is prefix-stable: what it picks among the first n
    candidates is what it picks from all of them, until top_k items fit or the limit is met.
    Candidates the relevance gate turns away without reading their row are never read."""
    admit = _relevance_gate(candidates, source.rows, request, policy, query_stems)

    def may_pass(c: Candidate) -> bool:  # most gate decisions need no row; the rest wait for theirs
        try:
            return bool(admit(c))
        except RowNotRead:
            return True

    agreement = min(policy.agreement_head, request.top_k) if request.min_score is None else 0  # a caller's floor holds

    def found_by_both(c: Candidate) -> bool:
        return c.dense_hit and c.bm25 is not None

    def agreed(c: Candidate) -> bool:  # as in the gate, an agent turn must share the query's words itself
        if not found_by_both(c) or source.facts[c.unit_id].kind != "agent_turn":
            return found_by_both(c)
        return _shares_stem(query_stems, item_builder.stems(str(source.rows[c.unit_id]["text"])))

    eligible = [c for c in candidates if may_pass(c) or (agreement and found_by_both(c))]
    limit = max(request.top_k * 3, 30)
    size = request.top_k + ROW_SPARES
    while True:
        head = eligible[:size]
        source.load_rows((c.unit_id, c.unit_type) for c in head)
        live = [c for c in head if c.unit_id in source.rows and passes_filters(source.facts[c.unit_id], c, request)]
        for c in live:
            c.observed_at, c.provenance = item_builder.when_and_provenance(source.rows[c.unit_id], c.unit_type)
        chosen = select_diverse(  # admitted ones only: the same choice, far fewer duplicate checks
            [c for c in live if admit(c) or (agreement and agreed(c))], vectors=vectors, limit=limit,
            duplicate_cosine=policy.duplicate_cosine, admit=admit, head=agreement, head_admit=agreed,
        )  # fmt: skip
        answer = _within_budget(customer_id, chosen, source.rows, request, policy, query_stems)
        if len(answer.items) >= request.top_k or len(chosen) >= limit or size >= len(eligible):
            return answer
        size *= 2


def _candidates(
    conn: Connection, index: VectorIndex, query_vector: np.ndarray, tenant_id: str, customer_id: str,
    request: RecallRequest, policy: RecallPolicy, name: str | None,
) -> list[Candidate]:  # fmt: skip
    filtered = bool(request.since or request.until or request.kinds or request.types)
    k = index.unit_count(tenant_id=tenant_id, customer_id=customer_id) if filtered else policy.dense_candidates
    dense = index.search(tenant_id=tenant_id, customer_id=customer_id, query=query_vector, k=k)
    text = lexical_query(request.query, customer_name=name)
    lexical = lexical_hits(
        conn, index, tenant_id=tenant_id, customer_id=customer_id, text=text,
        limit=policy.lexical_candidates * (5 if filtered else 1), since=request.since, until=request.until,
        k1=policy.bm25_k1, b=policy.bm25_b,
    )  # fmt: skip
    by_id: dict[str, Candidate] = {}
    for hit in dense:
        by_id[hit.unit_id] = Candidate(unit_id=hit.unit_id, unit_type=hit.unit_type, cosine=hit.score, dense_hit=True)
    for hit in lexical:
        cand = by_id.setdefault(hit.unit_id, Candidate(unit_id=hit.unit_id, unit_type=hit.unit_type))
        cand.bm25 = hit.score
    dense_list = ([h.unit_id for h in dense], policy.dense_weight)
    lexical_list = ([h.unit_id for h in lexical], policy.lexical_weight)
    fused = reciprocal_rank_fusion([dense_list, lexical_list], k=policy.rrf_k)
    if policy.score_weight:
        scored = [(dense_list[0], [h.score for h in dense], policy.dense_weight, True),
                  (lexical_list[0], [h.score for h in lexical], policy.lexical_weight, False)]  # fmt: skip
        for unit_id, score in score_fusion(scored, k=policy.rrf_k, weight=policy.score_weight).items():
            fused[unit_id] = fused.get(unit_id, 0.0) + score
    for unit_id, score in fused.items():
        by_id[unit_id].fused = score
    ranked = sorted(by_id.values(), key=lambda c: c.fused, reverse=True)
    return ranked[: policy.rerank_pool * (4 if filtered else 1)]


def _prioritise(
    candidates: list[Candidate], facts: dict[str, UnitFacts], request: RecallRequest, policy: RecallPolicy
) -> None:
    now = request.as_of or datetime.now(UTC)
    weights = {"agent_turn": policy.agent_weight, "summary": policy.summary_weight}
    for c in candidates:
        kind = "observation" if c.unit_type == "observation" else facts[c.unit_id].kind
        c.fused *= policy.observation_weight if kind == "observation" else weights.get(kind, 1.0)
    temporal = is_temporal(request.query)
    # Without as_of, "now" is the wall clock, which an imported history may be far behind.
    dates = [c.observed_at for c in candidates if c.observed_at is not None]
    apply_time_priors(
        candidates,
        recency_weight=policy.recency_weight if request.recency and not temporal else 0.0,
        half_life_days=policy.half_life_days,
        window=parse_window(request.query, now=now, history_end=None if request.as_of else max(dates, default=None)),
        window_boost=policy.window_boost,
    )
    candidates.sort(key=lambda c: c.fused, reverse=True)


def _rerank(reranker: Reranker, query: str, candidates: list[Candidate], rows: dict[str, dict[str, Any]]) -> None:
    scores = reranker.rerank(query, [str(rows[c.unit_id]["text"]) for c in candidates])
    order = sorted(range(len(candidates)), key=lambda i: scores[i], reverse=True)
    reordered = [candidates[i] for i in order]
    for rank, c in enumerate(reordered):
        c.fused = 1.0 / (1 + rank)
    candidates[:] = reordered


def _relevance_gate(  # type: ignore[no-untyped-def]
    candidates: list[Candidate], rows: dict[str, dict[str, Any]], request: RecallRequest, policy: RecallPolicy,
    query_stems: set[str],
):  # fmt: skip
    cosines = [c.cosine for c in candidates if c.cosine is not None]
    best_cos = max(cosines, default=0.0)
    best_bm25 = max((c.bm25 for c in candidates if c.bm25 is not None), default=math.inf)
    floor = policy.min_score if request.min_score is None else request.min_score
    if request.min_score is None:
        floor = max(floor, best_cos * policy.relative_cutoff)

    def admit(c: Candidate) -> bool:
        if c.inherited is not None and c.inherited >= floor:
            return True
        if c.cosine is not None and c.cosine >= floor:
            return True
        # A strong lexical match is relevant even when MiniLM misses it, if not semantically remote.
        lexical = c.bm25 is not None and c.bm25 >= best_bm25 * policy.lexical_relative_cutoff
        if not (request.min_score is None and lexical and (c.cosine or 0.0) >= floor * policy.lexical_cosine_factor):
            return False
        # A segment's full text carries its neighbours so that a short reply matches the question
        # it answers; an agent turn matched only through the customer's words next to it ("thanks
        # for calling, how can I help?" before "my order arrived damaged") is not evidence.
        row = rows[c.unit_id]
        if item_builder.kind_of(row, c.unit_type) != "agent_turn":
            return True
        return _shares_stem(query_stems, item_builder.stems(str(row["text"])))

    return admit


def _shares_stem(query_stems: set[str], text_stems: set[str]) -> bool:
    """The light stemmer leaves "ship"/"shipp", "deliver"/"delivery": one a prefix of the other counts."""
    if query_stems & text_stems:
        return True
    return any(
        (t.startswith(q) or q.startswith(t)) and min(len(q), len(t)) >= 4 for q in query_stems for t in text_stems
    )


def _within_budget(
    customer_id: str, chosen: list[Candidate], rows: dict[str, dict[str, Any]], request: RecallRequest,
    policy: RecallPolicy, query_stems: set[str],
) -> RecallResponse:  # fmt: skip
    items: list[RecallItem] = []
    used = 0
    for c in chosen:
        item = item_builder.build_item(rows[c.unit_id], c, max_chars=policy.max_item_chars, query_stems=query_stems)
        if request.token_budget is not None and used + item.token_count > request.token_budget:
            continue
        used += item.token_count
        items.append(item)
        if len(items) >= request.top_k:
            break
    return RecallResponse(customer_id=customer_id, items=items, token_count=used)
