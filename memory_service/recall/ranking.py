"""Ranking: fuse dense and lexical lists, apply time priors, select diverse items.

Fusion is reciprocal rank fusion (Cormack et al. 2009): score = sum over lists of
w / (k + rank). It needs no score calibration between cosine and BM25, which live on
unrelated scales, and is robust to either list being empty. Each list's score, normalised
within the list, adds at most a first rank's worth (score_fusion): ranks keep the lists
comparable, the scores say how far apart neighbouring hits are.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from memory_service.recall.timeparse import TimeWindow


@dataclass
class Candidate:
    unit_id: str
    unit_type: str
    cosine: float | None = None
    bm25: float | None = None
    fused: float = 0.0
    inherited: float | None = None  # cosine passed on from the agent turn this unit answers
    dense_hit: bool = False  # in the dense candidate list (bm25 is set for the lexical one)
    observed_at: datetime | None = None
    provenance: frozenset[tuple[str, str]] = field(default_factory=frozenset)


def reciprocal_rank_fusion(
    lists: Iterable[tuple[list[str], float]], *, k: float = 60.0
) -> dict[str, float]:
    """{unit id: fused score} from best-first id lists, each with a weight."""
    fused: dict[str, float] = {}
    for ids, weight in lists:
        for rank, unit_id in enumerate(ids):
            fused[unit_id] = fused.get(unit_id, 0.0) + weight / (k + rank + 1)
    return fused


def score_fusion(
    lists: Iterable[tuple[list[str], list[float], float, bool]], *, k: float = 60.0, weight: float = 1.0
) -> dict[str, float]:
    """{unit id: score share} from best-first id lists with their scores, each with a list weight
    and whether to min-max its scores (cosine; else divided by the best, BM25). A list's best
    score adds weight * w / (k + 1), what its first rank adds in reciprocal rank fusion; the
    others in proportion, so a clear gap between hits counts and a near tie hardly does."""
    out: dict[str, float] = {}
    for ids, scores, list_weight, min_max in lists:
        if not scores:
            continue
        hi = max(scores)
        lo = min(scores) if min_max else 0.0
        if hi <= lo:
            continue
        share = weight * list_weight / (k + 1)
        for unit_id, score in zip(ids, scores, strict=True):
            out[unit_id] = out.get(unit_id, 0.0) + share * (score - lo) / (hi - lo)
    return out


def apply_time_priors(
    candidates: list[Candidate],
    *,
    recency_weight: float,
    half_life_days: float,
    window: TimeWindow | None,
    window_boost: float,
) -> None:
    """Recency: a mild boost decaying with age relative to the customer's newest candidate
    (not the wall clock, so old histories are not flattened). A time window named in the
    query boosts the units inside it."""
    dates = [c.observed_at for c in candidates if c.observed_at is not None]
    newest = max(dates) if dates else None
    for c in candidates:
        if recency_weight and newest is not None and c.observed_at is not None:
            age_days = max((newest - c.observed_at).total_seconds() / 86400.0, 0.0)
            c.fused *= 1.0 + recency_weight * math.pow(0.5, age_days / half_life_days)
        if window is not None and window.contains(c.observed_at):
            c.fused *= window_boost


def select_diverse(
    candidates: list[Candidate],
    *,
    vectors: dict[str, np.ndarray],
    limit: int,
    duplicate_cosine: float,
    admit: Callable[[Candidate], bool],
    head: int = 0,
    head_admit: Callable[[Candidate], bool] | None = None,
) -> list[Candidate]:
    """Greedy best-first selection that skips near-duplicates of what is already chosen: a
    unit whose vector is within `duplicate_cosine` of a chosen one, or whose utterances are
    all covered by chosen units (an observation and the segment it was extracted from)."""
    chosen: list[Candidate] = []
    chosen_vectors: list[np.ndarray] = []
    covered: set[tuple[str, str]] = set()
    for c in candidates:
        if len(chosen) >= limit:
            break
        if c.provenance and c.provenance <= covered:
            continue
        vec = vectors.get(c.unit_id)
        if vec is not None and chosen_vectors and float(np.max(np.stack(chosen_vectors) @ vec)) >= duplicate_cosine:
            continue
        if not admit(c) and not (len(chosen) < head and head_admit is not None and head_admit(c)):
            continue
        chosen.append(c)
        covered |= c.provenance
        if vec is not None:
            chosen_vectors.append(vec)
    return chosen
