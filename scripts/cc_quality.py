"""Evidence recall of the same questions for the service and mem0 (scripts/bench_contact_centre.py).

LongMemEval (whole haystacks ingested): the top 20 collapsed to sessions, recall_all@5/@10.
LoCoMo (mid customers): the top 20's utterance ids (the service's `source.utterance_ids`; for
mem0, which stores each utterance verbatim, the ids of the customer's utterances with that
text), evidence recall@5/@10 at turn level, as scripts/eval_recall.py scores them.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from eval_recall import dedupe, recall_all_at, recall_at

# (customer ref, question) -> ranked hits, each (session id, utterance ids)
Search = Callable[[str, str], list[tuple[str, list[str]]]]


def questions(manifest: dict[str, Any], scoring: str) -> list[dict[str, Any]]:
    return [{"ref": c["ref"], "question": q["question"], "gold": set(q["gold"])} for c in manifest["customers"]
            if c["units"] > 0 for q in c["queries"] if q["scoring"] == scoring]  # fmt: skip


def evaluate(search: Search, manifest: dict[str, Any], cap: int = 0) -> dict[str, dict[str, float]]:
    """`cap` > 0: at most that many questions of each scoring, every n-th in manifest order
    (the same ones for every system; mem0's search takes about a second a question)."""
    out: dict[str, dict[str, float]] = {}
    lme, locomo = questions(manifest, "lme"), questions(manifest, "locomo")
    if cap:
        lme, locomo = lme[:: max(1, -(-len(lme) // cap))], locomo[:: max(1, -(-len(locomo) // cap))]
    if lme:
        scores: dict[str, list[float]] = {"recall_all@5": [], "recall_all@10": []}
        for q in lme:
            ranked = dedupe([session for session, _ in search(q["ref"], q["question"])])
            for k in (5, 10):
                scores[f"recall_all@{k}"].append(recall_all_at(ranked, q["gold"], k))
        out["longmemeval"] = {k: statistics.fmean(v) for k, v in scores.items()} | {"n": len(lme)}
    if locomo:
        scores = {"R@5": [], "R@10": []}
        for q in locomo:
            ranked = dedupe([u for _, ids in search(q["ref"], q["question"]) for u in ids])
            for k in (5, 10):
                scores[f"R@{k}"].append(recall_at(ranked, q["gold"], k))
        out["locomo"] = {k: statistics.fmean(v) for k, v in scores.items()} | {"n": len(locomo)}
    return out


def utterance_ids_by_text(customers: list[Any]) -> dict[str, dict[str, list[str]]]:
    """Per customer ref: utterance text -> its ids (to map mem0's verbatim memories back)."""
    out: dict[str, dict[str, list[str]]] = {}
    for c in customers:
        table = out.setdefault(c.ref, {})
        for it in c.interactions:
            for u in it["utterances"]:
                table.setdefault(u["text"], []).append(str(u.get("id", "")))
    return out
