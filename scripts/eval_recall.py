"""Recall quality on LoCoMo and LongMemEval (dev splits), through the real API and workers.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/eval_recall.py [--locomo-convs conv-26,conv-30]
        [--lme-questions 12] [--skip-locomo] [--skip-lme] [--min-score X] [--no-recency]
        [--url URL --api-key KEY [--no-ingest]] [--concurrency 2] [--no-lme-baselines]

Without --url it starts `memory-service up` on a temp data dir and a free port (embedded
Postgres and Redis). LoCoMo: every session is an interaction per speaker (that speaker the
customer, the other the agent, utterance ids = dia_id); questions of categories 1-4 recall
from the speaker they name; the returned items' utterance ids, in order and deduplicated,
are the ranked list scored against the evidence ids. LongMemEval: one customer per
question, one interaction per haystack session; items collapse to sessions in order.
Baselines computed here, on the same data: BM25 over single turns (sessions for
LongMemEval) and dense MiniLM over raw turns.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_harness import print_table, running_service  # noqa: E402

DATA = Path(os.environ.get("MEMORY_EVAL_DATA", "/work/shared/datasets"))
LOCOMO = DATA / "locomo/locomo10_dev.json"
LME = DATA / "longmemeval/longmemeval_s_dev.json.gz"
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
_WORD = re.compile(r"[a-z0-9]+")
MAX_UTTERANCE_CHARS = 20_000  # the API's limit; a few LongMemEval turns are pasted documents

# The fixed split (2026-12-01). Rules and weights may be tuned on the "tuned" half only; the
# "untuned" half is scored in aggregate and never read question by question. LoCoMo: the two
# conversations every earlier round tuned on. LongMemEval: within each question type, questions in
# file order alternate, the first of each pair tuned (earlier rounds had scored all 57 in
# aggregate, never tuned one by one on the odd ones).
LOCOMO_TUNED = frozenset({"conv-26", "conv-30"})
# Tried on this split and not kept (R@10, LoCoMo tuned -> untuned, against 0.761 / 0.775):
# - a "when" question boosting units that state a time (x1.3): tuned 0.771, untuned 0.771 (temporal 0.772
#   against 0.782): no gain where not tuned. Measured on tuned only (untuned not run): the customer's turn
#   before a matching agent turn inheriting half its score 0.754; one unit per interaction favoured
#   (decay 0.8) 0.733; a pseudo-relevance feedback round over the pool (after the boost above) 0.768.
# Round of 2026-12-04 (R@10 tuned / untuned, against 0.761 / 0.773 on the same data):
# - the first 10 distinct candidates ungated (the gate trims only the tail): 0.795 / 0.775 (R@20 0.855 / 0.822,
#   untuned temporal 0.782 -> 0.804, tok@10 331 / 321, 278 / 276 with 160-char items); not kept: +0.002 where not
#   tuned, and it returns off-topic units when nothing matches (test_recall_returns_only_relevant_items).
# - a looser gate (min_score 0.2, relative_cutoff 0.5, 160-char items): 0.782 / 0.772 (R@20 0.842 / 0.824).
# - RRF k 20 instead of 60: 0.784 / 0.769. Tuned only: BM25 b 0.5 0.768 (R@5 0.691 -> 0.679); agent turns
#   weighted 0.45 0.752; the question's opening words ("When did") dropped from the dense query 0.752.
# Round of 2026-12-04b (R@10 tuned / untuned, against 0.771 / 0.773 on the same data). Kept: each list's
# normalised score beside RRF, a first rank's worth at most (RecallPolicy.score_weight): 0.787 / 0.786; on top,
# window_boost 2.0 instead of 1.3: 0.796 / 0.791 (untuned temporal 0.804 -> 0.815). Tried, not kept (against
# 0.787 / 0.786 unless said): the score share x61 (scores first, ranks as tie-breakers) 0.811 / 0.775;
# a Rocchio second dense search (query + half the mean of the 3 best hits' vectors, RRF weight 0.5) 0.794 / 0.781;
# the relative cutoff anchored on the 3rd-best cosine 0.791 / 0.785. Against 0.796 / 0.791: a same-day prior
# (units told the day the ten best were told, x(1 + 0.3 share)) 0.816 / 0.790 (multi-hop 0.532 -> 0.514); one
# BM25 list per query lexeme, RRF weight 0.5 shared, 0.799 / 0.790. Tuned only: min_score 0.2 with relative
# cutoff 0.5 0.800 (the untuned half gained nothing from it before); duplicate_cosine 0.85 / 0.80 0.796 / 0.793.
# Round of 2026-12-08 (R@10 tuned / untuned, against 0.796 / 0.791 on the same data, re-ingested). Kept: the
# customer's next own turn after a matching one of theirs inheriting 0.8 of its score and cosine, not for "when"
# questions (RecallPolicy.continuation_factor): 0.803 / 0.795 (R@5 0.741 / 0.727; multi-hop 0.466 / 0.515, down).
# Measured on the tuned half before the temporal exception: 0.798 (temporal 0.968 -> 0.952); checked on the
# untuned half so: 0.794 (temporal 0.815 -> 0.798), then with the exception (decided on the tuned figure) 0.795.
# LongMemEval untuned with it: --lme-questions 12 (6 untuned, one per type) Rall@5 1.000, Rall@10 1.000; the full
# untuned half was not re-run (ingestion ran at ~20 interactions a minute on the shared machine, ~1 h for 1,289).
# Where the tuned half loses: with min_score 0 from the caller (no gate) R@10 0.819, R@20 0.871, R@50 0.918; of 88
# evidence turns missing from the top 10, 47 share a session with an item there (the customer's previous own turn
# 14 times, the next one 10). Tried:
# - a dense second query per clause (split before and/with/from/after/before/during/about/for/while/since/at/on/in
#   and at commas; each part embedded and searched, top 50, RRF weight 0.5 shared by the parts): 0.800 / 0.783
#   (untuned single-hop 0.901 -> 0.891, temporal 0.815 -> 0.804, open-domain 0.495 -> 0.480, multi-hop 0.532 ->
#   0.532; the tuned gain is one question, "a hike after the roadtrip"). It would cost ~3 ms a part for the half of
#   the questions that split. Tuned only: weight 1.0 0.800; one content-words-only second query 0.795.
# - a named day (a window of at most 14 days) admitting units told inside it at min_score instead of the relative
#   cutoff: 0.800 / 0.791 (tuned single-hop 0.855 -> 0.864, one question; untuned R@5/R@10/R@20 unchanged).
# - Tuned only, variants of the kept one: the score alone (not the cosine for the gate) at 0.5 0.796, at 0.8 0.794;
#   with the "when" exception, 0.6 0.796, 1.0 0.784 (a narrow optimum: 0.8 is no robust setting). MMR over the best
#   40 (lambda 0.1 0.794, 0.35 0.785; with 0.2 the API stopped answering once, not looked into);
#   summary_weight 0.3 or 0 0.796 (no question changes its R@10); event observations x1.3 0.798; recency left on
#   for "recently"/"latest"/"last time" 0.796; the other speaker's name also dropped from the query (simulated in
#   the client; the service does not know the agent's name at recall) 0.799.


def locomo_half(sample_id: str) -> str:
    return "tuned" if sample_id in LOCOMO_TUNED else "untuned"


def lme_halves(questions: list[dict[str, Any]]) -> dict[str, str]:
    """question_id -> half, alternating within each question type in file order."""
    seen: dict[str, int] = defaultdict(int)
    out = {}
    for q in questions:
        if q["question_id"].endswith("_abs"):
            continue
        out[q["question_id"]] = "tuned" if seen[q["question_type"]] % 2 == 0 else "untuned"
        seen[q["question_type"]] += 1
    return out


def tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def estimate_tokens(text: str) -> int:
    return max(len(text.split()), math.ceil(len(text) / 4))


# ---------------------------------------------------------------- datasets -> interactions


def locomo_date(text: str) -> datetime:
    return datetime.strptime(text, "%I:%M %p on %d %B, %Y").replace(tzinfo=UTC)


def turn_text(turn: dict[str, Any]) -> str:
    caption = turn.get("blip_caption")
    return f"{turn['text']} [shares a photo of {caption}]" if caption else turn["text"]


def locomo_interactions(conv: dict[str, Any]) -> list[dict[str, Any]]:
    c, sample = conv["conversation"], conv["sample_id"]
    out = []
    for n in range(1, 100):
        if f"session_{n}" not in c:
            continue
        started = locomo_date(c[f"session_{n}_date_time"]).isoformat()
        for me in (c["speaker_a"], c["speaker_b"]):
            utterances = [{"id": t["dia_id"], "role": "customer" if t["speaker"] == me else "agent",
                           "speaker": t["speaker"], "text": turn_text(t)} for t in c[f"session_{n}"]]  # fmt: skip
            out.append({"external_id": f"{sample}-{me}-s{n}", "channel": "chat", "started_at": started,
                        "customer": {"identifiers": [{"type": "crm", "value": f"{sample}-{me}"}], "name": me},
                        "utterances": utterances})  # fmt: skip
    return out


def locomo_questions(conv: dict[str, Any]) -> list[dict[str, Any]]:
    c = conv["conversation"]
    speakers = [c["speaker_a"], c["speaker_b"]]
    out = []
    for qa in conv["qa"]:
        if qa.get("category") not in CATEGORIES:
            continue
        named = sorted((qa["question"].find(s), s) for s in speakers if s in qa["question"])
        speaker = named[0][1] if named else speakers[0]
        gold = {e.strip() for ev in qa["evidence"] for e in re.split(r"[;,]", ev) if e.strip()}
        out.append({"question": qa["question"], "category": qa["category"], "gold": gold,
                    "ref": f"crm:{conv['sample_id']}-{speaker}"})  # fmt: skip
    return out


def lme_date(text: str) -> datetime:
    return datetime.strptime(text.split(" (")[0] + text.split(")")[1], "%Y/%m/%d %H:%M").replace(tzinfo=UTC)


def lme_interactions(q: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    sessions = zip(q["haystack_session_ids"], q["haystack_dates"], q["haystack_sessions"], strict=True)
    for n, (sid, date, session) in enumerate(sessions):
        utterances = [{"id": str(j), "role": "customer" if t["role"] == "user" else "agent",
                       "text": t["content"][:MAX_UTTERANCE_CHARS]}
                      for j, t in enumerate(session) if t["content"].strip()]  # fmt: skip
        if utterances:
            customer = {"identifiers": [{"type": "crm", "value": f"lme-{q['question_id']}"}]}
            out.append({"external_id": f"lme-{q['question_id']}::{sid}::{n}", "channel": "chat",
                        "started_at": lme_date(date).isoformat(), "utterances": utterances,
                        "customer": customer})  # fmt: skip
    return out


# ---------------------------------------------------------------- metrics


def recall_at(ranked: list[str], gold: set[str], k: int) -> float:
    return len(gold & set(ranked[:k])) / len(gold) if gold else 0.0


def recall_all_at(ranked: list[str], gold: set[str], k: int) -> float:
    return float(gold <= set(ranked[:k]))


def ndcg_at(ranked: list[str], gold: set[str], k: int) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, x in enumerate(ranked[:k]) if x in gold)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(gold), k)))
    return dcg / ideal if ideal else 0.0


def dedupe(seq: list[str]) -> list[str]:
    return list(dict.fromkeys(seq))


# ---------------------------------------------------------------- service I/O


def ingest(http: httpx.Client, payloads: list[dict[str, Any]], label: str) -> float:
    started = time.perf_counter()
    ids = []
    for p in payloads:
        r = http.post("/v1/interactions", json=p)
        r.raise_for_status()
        ids.append(r.json()["interaction_id"])
    pending = set(ids)
    while pending:
        for iid in list(pending)[:200]:
            status = http.get(f"/v1/interactions/{iid}").json()["status"]
            if status in ("done", "failed"):
                pending.discard(iid)
        print(f"\r{label}: {len(ids) - len(pending)}/{len(ids)} processed", end="", file=sys.stderr, flush=True)
        time.sleep(0.5)
    print(file=sys.stderr)
    time.sleep(3)  # the index follows the change feed (LISTEN/NOTIFY, 2 s poll)
    return time.perf_counter() - started


def recall(http: httpx.Client, ref: str, query: str, opts: dict[str, Any]) -> list[dict[str, Any]]:
    body = {"query": query, "top_k": 20, "include_profile": False, **opts}
    r = http.post(f"/v1/customers/{quote(ref, safe='')}/recall", json=body)
    r.raise_for_status()
    return r.json()["items"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- baselines


class DenseModel:
    def __init__(self) -> None:
        from memory_service.embeddings import SentenceTransformerEmbedder

        self.model = SentenceTransformerEmbedder()

    def rank(self, query: str, texts: list[str], vectors: np.ndarray) -> list[int]:
        q = self.model.embed([query])[0]
        return list(np.argsort(-(vectors @ q)))


def bm25_rank(query: str, corpus_tokens: list[list[str]], bm25: Any) -> list[int]:
    scores = bm25.get_scores(tokens(query))
    return list(np.argsort(-np.asarray(scores)))


class Scores:
    """Per-system, per-group metric lists."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))

    def add(self, system: str, group: str, metrics: dict[str, float], half: str) -> None:
        for g in (group, "all"):
            for name, value in metrics.items():
                self.values[(system, g)][f"{half}:{name}"].append(value)

    def rows(self, names: list[str]) -> list[list[object]]:
        """One row per system and group: the tuned half's figures beside the untuned half's."""
        out: list[list[object]] = []
        for (system, group), metrics in sorted(self.values.items()):
            row: list[object] = [system, group]
            for half in ("tuned", "untuned"):
                first = metrics.get(f"{half}:{names[0]}", [])
                row.append(len(first))
                row += [float(np.mean(metrics[f"{half}:{m}"])) if first else float("nan") for m in names]
            out.append(row)
        return out

    @staticmethod
    def header(first: str, names: list[str]) -> list[str]:
        return ["system", first] + [f"{h}:{m}" for h in ("tuned", "untuned") for m in ["n", *names]]


def locomo_metrics(ranked: list[str], gold: set[str], tokens10: float) -> dict[str, float]:
    return {"R@5": recall_at(ranked, gold, 5), "R@10": recall_at(ranked, gold, 10), "R@20": recall_at(ranked, gold, 20),
            "nDCG@10": ndcg_at(ranked, gold, 10), "tok@10": tokens10}  # fmt: skip


def eval_locomo(http: httpx.Client, convs: list[dict[str, Any]], opts: dict[str, Any], dense: DenseModel) -> Scores:
    from rank_bm25 import BM25Okapi

    scores = Scores()
    for conv in convs:
        c = conv["conversation"]
        turns = [t for n in range(1, 100) for t in c.get(f"session_{n}", [])]
        ids, texts = [t["dia_id"] for t in turns], [turn_text(t) for t in turns]
        bm25, vectors = BM25Okapi([tokens(t) for t in texts]), dense.model.embed(texts)
        half = locomo_half(conv["sample_id"])
        for q in locomo_questions(conv):
            group = CATEGORIES[q["category"]]
            items = recall(http, q["ref"], q["question"], opts)
            ranked = dedupe([u for it in items for u in it["source"]["utterance_ids"]])
            tok10 = sum(it["token_count"] for it in items[:10])
            scores.add("service", group, locomo_metrics(ranked, q["gold"], tok10), half)
            for name, order in (("bm25-turns", bm25_rank(q["question"], [], bm25)),
                                ("dense-turns", dense.rank(q["question"], texts, vectors))):  # fmt: skip
                tok = sum(estimate_tokens(texts[i]) for i in order[:10])
                scores.add(name, group, locomo_metrics([ids[i] for i in order], q["gold"], tok), half)
    return scores


def lme_subset(questions: list[dict[str, Any]], n: int | None) -> list[dict[str, Any]]:
    kept = [q for q in questions if not q["question_id"].endswith("_abs")]
    if n is None:
        return kept
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in kept:
        by_type[q["question_type"]].append(q)
    per_type = math.ceil(n / len(by_type))
    return [q for qs in by_type.values() for q in qs[:per_type]][:n]


def lme_metrics(ranked: list[str], gold: set[str], tokens10: float) -> dict[str, float]:
    return {"Rall@5": recall_all_at(ranked, gold, 5), "Rall@10": recall_all_at(ranked, gold, 10),
            "nDCGany@5": ndcg_at(ranked, gold, 5), "tok@10": tokens10}  # fmt: skip


def lme_baselines(q: dict[str, Any], dense: DenseModel, scores: Scores, half: str) -> None:
    from rank_bm25 import BM25Okapi

    gold, group = set(q["answer_session_ids"]), q["question_type"]
    sids = q["haystack_session_ids"]
    docs = [" ".join(t["content"] for t in s) for s in q["haystack_sessions"]]
    order = bm25_rank(q["question"], [], BM25Okapi([tokens(d) for d in docs]))
    scores.add("bm25-sessions", group, lme_metrics([sids[i] for i in order], gold, float("nan")), half)
    turns = [(sid, t["content"]) for sid, s in zip(sids, q["haystack_sessions"], strict=True) for t in s]
    cache = Path("/tmp/ms-eval-cache") / f"lme-{q['question_id']}.npy"
    if cache.exists():
        vectors = np.load(cache)
    else:
        vectors = dense.model.embed([t for _, t in turns])
        cache.parent.mkdir(exist_ok=True)
        np.save(cache, vectors)
    order = dense.rank(q["question"], [], vectors)
    tok = sum(estimate_tokens(turns[i][1]) for i in order[:10])
    scores.add("dense-turns", group, lme_metrics(dedupe([turns[i][0] for i in order]), gold, tok), half)


def eval_lme(
    http: httpx.Client, questions: list[dict[str, Any]], opts: dict[str, Any], dense: DenseModel | None,
    halves: dict[str, str],
) -> Scores:
    scores = Scores()
    for q in questions:
        half = halves[q["question_id"]]
        as_of = lme_date(q["question_date"]).isoformat()
        items = recall(http, f"crm:lme-{q['question_id']}", q["question"], {"as_of": as_of, **opts})
        ranked = dedupe([str(it["source"]["external_id"]).split("::")[1] for it in items])
        tok = sum(it["token_count"] for it in items[:10])
        scores.add("service", q["question_type"], lme_metrics(ranked, set(q["answer_session_ids"]), tok), half)
        if dense is not None:
            lme_baselines(q, dense, scores, half)
    return scores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url")
    ap.add_argument("--api-key")
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--locomo-convs", help="comma-separated sample ids (default: all)")
    ap.add_argument("--lme-questions", type=int, help="first N non-abstention questions, spread over types")
    ap.add_argument("--lme-ids", help="comma-separated question ids (overrides --lme-questions)")
    ap.add_argument("--half", choices=["tuned", "untuned", "both"], default="both",
                    help="which half of the fixed split to run (see LOCOMO_TUNED and lme_halves)")
    ap.add_argument("--no-ingest", action="store_true",
                    help="the data is already in the service at --url: recall only (recall-side changes)")
    ap.add_argument("--skip-locomo", action="store_true")
    ap.add_argument("--skip-lme", action="store_true")
    ap.add_argument("--min-score", type=float, help="pass min_score to recall (default: the service's)")
    ap.add_argument("--no-recency", action="store_true", help="recall with recency=false")
    ap.add_argument("--no-lme-baselines", action="store_true",
                    help="LongMemEval: service only (the dense baseline embeds every haystack turn, ~40 s a question)")
    args = ap.parse_args()
    opts: dict[str, Any] = {"recency": not args.no_recency}
    if args.min_score is not None:
        opts["min_score"] = args.min_score
    convs = [] if args.skip_locomo else json.loads(LOCOMO.read_text())
    if args.locomo_convs:
        convs = [c for c in convs if c["sample_id"] in args.locomo_convs.split(",")]
    with gzip.open(LME) as f:
        all_lme = json.load(f)
    halves = lme_halves(all_lme)
    lme = [] if args.skip_lme else lme_subset(all_lme, args.lme_questions)
    if args.lme_ids:
        lme = [q for q in lme_subset(lme, None) if q["question_id"] in args.lme_ids.split(",")]
    if args.half != "both":
        convs = [c for c in convs if locomo_half(c["sample_id"]) == args.half]
        lme = [q for q in lme if halves[q["question_id"]] == args.half]
    dense = DenseModel()
    with running_service(args.url, args.api_key, concurrency=args.concurrency) as (url, key):
        http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120)
        if convs:
            if not args.no_ingest:
                payloads = [p for c in convs for p in locomo_interactions(c)]
                took = ingest(http, payloads, "locomo")
                print(f"LoCoMo: {len(payloads)} interactions ingested in {took:.0f} s", file=sys.stderr)
            names = ["R@5", "R@10", "R@20", "nDCG@10", "tok@10"]
            table = eval_locomo(http, convs, opts, dense).rows(names)
            title = f"LoCoMo dev ({len(convs)} conversations), evidence recall"
            print_table(title, Scores.header("category", names), table)
        if lme:
            if not args.no_ingest:
                took = ingest(http, [p for q in lme for p in lme_interactions(q)], "longmemeval")
                print(f"LongMemEval: {len(lme)} questions ingested in {took:.0f} s", file=sys.stderr)
            names = ["Rall@5", "Rall@10", "nDCGany@5", "tok@10"]
            table = eval_lme(http, lme, opts, None if args.no_lme_baselines else dense, halves).rows(names)
            print_table(f"LongMemEval_S dev ({len(lme)} questions), session recall", Scores.header("type", names),
                        table)  # fmt: skip


if __name__ == "__main__":
    main()
