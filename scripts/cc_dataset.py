"""Contact-centre-shaped customers for scripts/bench_contact_centre.py, from the dev datasets.

A long tail of history sizes, all real text:
- big (~10,000 units): several LongMemEval_S haystacks concatenated into one customer, each
  haystack dated after the one before, so the history grows over time; queries are those
  haystacks' questions, scored by session (recall_all@5);
- mid (~1,000 units): one LoCoMo speaker each (19-32 sessions), queries the LoCoMo questions
  naming that speaker; when more are asked for than LoCoMo has speakers, single LongMemEval
  haystacks;
- small (<= 100 units): one MSC dialogue each, 1-4 of its sessions (skewed to few), or an ABCD
  customer-service dialogue; queries are the customer's own statements (MSC gold persona facts,
  the ABCD customer's first request).

The dataset loaders are eval_recall's and extraction_datasets' (imported, not copied).
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from eval_recall import LME, LOCOMO, lme_interactions, locomo_interactions, locomo_questions
from extraction_datasets import ABCD_PATH, load_msc


@dataclass
class Customer:
    ref: str
    plan: str  # big | mid | small: the intended size; the bucket comes from counted units
    source: str
    interactions: list[dict[str, Any]] = field(repr=False)
    queries: list[dict[str, Any]]  # {"question", "gold": [...] or [], "scoring": lme|locomo|none}

    def summary(self) -> dict[str, Any]:
        out = asdict(self)
        del out["interactions"]
        out["n_interactions"] = len(self.interactions)
        out["n_utterances"] = sum(len(it["utterances"]) for it in self.interactions)
        return out


def _retarget(interactions: list[dict[str, Any]], ref: str, prefix: str, shift: timedelta) -> list[dict[str, Any]]:
    """Same interactions for another customer ref, dated `shift` later; external ids keep the
    session id as their second `::` field (what scoring maps items back to)."""
    kind, value = ref.split(":", 1)
    out = []
    for it in interactions:
        started = datetime.fromisoformat(it["started_at"]) + shift
        _, sid, n = it["external_id"].split("::")
        out.append({**it, "external_id": f"{prefix}::{sid}::{n}", "started_at": started.isoformat(),
                    "customer": {"identifiers": [{"type": kind, "value": value}]}})  # fmt: skip
    return out


def _lme_customer(ref: str, plan: str, questions: list[dict[str, Any]]) -> Customer:
    """Haystacks one after another: each starts a day after the previous one's last session."""
    interactions: list[dict[str, Any]] = []
    last: datetime | None = None
    for j, q in enumerate(questions):
        own = lme_interactions(q)
        first = min(datetime.fromisoformat(it["started_at"]) for it in own)
        shift = (last + timedelta(days=1) - first) if last and last >= first else timedelta(0)
        moved = _retarget(own, ref, f"{ref}-h{j}", shift)
        last = max(datetime.fromisoformat(it["started_at"]) for it in moved)
        interactions += moved
    queries = [{"question": q["question"], "gold": list(q["answer_session_ids"]), "scoring": "lme"} for q in questions]
    return Customer(ref, plan, "longmemeval:" + ",".join(q["question_id"] for q in questions), interactions, queries)


def _locomo_customers(convs: list[dict[str, Any]]) -> list[Customer]:
    out = []
    for conv in convs:
        by_ref: dict[str, list[dict[str, Any]]] = {}
        for it in locomo_interactions(conv):
            ref = "crm:" + it["customer"]["identifiers"][0]["value"]
            by_ref.setdefault(ref, []).append(it)
        questions = locomo_questions(conv)
        for ref, interactions in by_ref.items():
            queries = [{"question": q["question"], "gold": sorted(q["gold"]), "scoring": "locomo"}
                       for q in questions if q["ref"] == ref]  # fmt: skip
            out.append(Customer(ref, "mid", f"locomo:{conv['sample_id']}", interactions, queries))
    return out


def _msc_customers(n: int, rng: random.Random) -> list[Customer]:
    by_ref: dict[str, list[Any]] = {}
    for item in load_msc(0, n):
        by_ref.setdefault(item.customer_ref, []).append(item)
    out = []
    for ref, items in by_ref.items():
        keep = items[: rng.choice([1, 1, 1, 2, 2, 3, 4])]  # most customers called once or twice
        facts = list(dict.fromkeys(f for it in keep for f in it.gold.values()))
        queries = [{"question": f, "gold": [], "scoring": "none"} for f in facts[:8]]
        if queries:
            out.append(Customer(ref, "small", "msc", [it.interaction for it in keep], queries))
    return out


def _abcd_customers() -> list[Customer]:
    out = []
    for convo in json.loads(ABCD_PATH.read_text()):
        ref = f"crm:abcd-{convo['convo_id']}"
        turns = [(who, text) for who, text in convo["original"] if who in ("agent", "customer")]
        utterances = [{"id": str(j), "role": who, "text": text} for j, (who, text) in enumerate(turns)]
        asks = [text for who, text in turns if who == "customer" and len(text.split()) >= 5][:3]
        who_is = {"identifiers": [{"type": "crm", "value": f"abcd-{convo['convo_id']}"}]}
        interaction = {"external_id": f"abcd-{convo['convo_id']}", "channel": "chat", "customer": who_is,
                       "started_at": "2026-02-01T10:00:00+00:00", "utterances": utterances}  # fmt: skip
        out.append(Customer(ref, "small", "abcd", [interaction], [{"question": a, "gold": [], "scoring": "none"}
                                                                  for a in asks]))  # fmt: skip
    return out


def build(big: int, haystacks_per_big: int, mid: int, small: int, seed: int = 5) -> list[Customer]:
    """The customers, deterministic for given sizes."""
    rng = random.Random(seed)
    with gzip.open(LME) as fh:
        lme = [q for q in json.load(fh) if not q["question_id"].endswith("_abs")]
    customers = [_lme_customer(f"crm:cc-big-{i}", "big", lme[i * haystacks_per_big:(i + 1) * haystacks_per_big])
                 for i in range(big)]  # fmt: skip
    used = big * haystacks_per_big
    convs = json.loads(LOCOMO.read_text())
    customers += _locomo_customers(convs)[:mid]
    for i in range(max(0, mid - 2 * len(convs))):  # more mid customers than LoCoMo speakers
        customers.append(_lme_customer(f"crm:cc-mid-{i}", "mid", lme[used + i : used + i + 1]))
    customers += (_abcd_customers() + _msc_customers(small, rng))[:small]
    return customers
