"""Datasets and scoring shared by the extraction evaluation (scripts/eval_extraction.py).

MSC: each session is one interaction; the customer is bot_0 in even dialogues and bot_1 in odd
ones (the other bot is the agent), so both personas are scored. Utterance ids are
``s<session>-t<turn>``, which maps every observation back to the turn and its gold fact.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

DATASETS = Path("/work/shared/datasets")
MSC_PATH = DATASETS / "msc" / "msc_valid.json.gz"
ABCD_PATH = DATASETS / "abcd" / "abcd_sample.json"
MATCH_THRESHOLD = 0.5
# Kinds that state something about the customer; commitments (agent promises) and the
# per-interaction sentiment are not persona facts and are not scored against MSC.
FACT_KINDS = frozenset({"trait", "preference", "issue", "intent", "event", "fact"})
MSC_EPOCH = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


@dataclass
class MscItem:
    customer_ref: str
    interaction: dict[str, Any]
    gold: dict[str, str]  # utterance id -> gold fact, customer utterances only
    customer_utterances: dict[str, str] = field(default_factory=dict)


def load_msc(start: int, stop: int, path: Path = MSC_PATH) -> list[MscItem]:
    with gzip.open(path, "rt") as fh:
        dialogues = json.load(fh)
    items = []
    for index in range(start, min(stop, len(dialogues))):
        dialogue = dialogues[index]
        customer_bot = f"bot_{index % 2}"
        ref = f"crm:msc-{dialogue['initial_data_id']}-{customer_bot}"
        for session in dialogue["sessions"]:
            items.append(_msc_session(dialogue["initial_data_id"], session, customer_bot, ref))
    return items


def _msc_session(dialogue_id: str, session: dict[str, Any], customer_bot: str, ref: str) -> MscItem:
    number = int(session["session"])
    started = MSC_EPOCH + timedelta(days=14 * number)
    utterances, gold, texts = [], {}, {}
    for turn_no, turn in enumerate(session["turns"]):
        uid = f"s{number}-t{turn_no}"
        role = "customer" if turn["speaker"] == customer_bot else "agent"
        at = started + timedelta(seconds=30 * turn_no)
        utterances.append({"id": uid, "role": role, "speaker": turn["speaker"], "text": turn["text"],
                           "at": at.isoformat()})  # fmt: skip
        if role == "customer":
            texts[uid] = turn["text"]
            if turn.get("gold_fact"):
                gold[uid] = turn["gold_fact"]
    interaction = {
        "external_id": f"msc-{dialogue_id}-{customer_bot}-s{number}",
        "customer": {"identifiers": [{"type": ref.split(":", 1)[0], "value": ref.split(":", 1)[1]}]},
        "channel": "chat", "started_at": started.isoformat(), "utterances": utterances,
    }  # fmt: skip
    return MscItem(customer_ref=ref, interaction=interaction, gold=gold, customer_utterances=texts)


@dataclass
class Scored:
    text: str
    utterance_ids: list[str]


@dataclass
class MscScore:
    precision: float
    recall: float
    f1: float
    observations: int
    gold_facts: int
    no_gold_rate: float


def score_msc(
    items: Iterable[MscItem],
    observed: dict[str, list[Scored]],
    embed: Callable[[list[str]], np.ndarray],
    third_person: Callable[[list[str]], list[str]] | None = None,
) -> MscScore:
    """observed: customer_ref -> fact observations. Match = same utterance and cosine >= 0.5.

    Gold facts are first person ("I have a dog.") while observations are about the customer
    ("The customer has a dog."); with ``third_person`` the cosine is the better of the gold
    fact as written and the gold fact put in the third person, so the convention is not scored.
    """
    gold: dict[tuple[str, str], str] = {}
    for item in items:
        gold.update({(item.customer_ref, uid): fact for uid, fact in item.gold.items()})
    pairs: list[tuple[int, tuple[str, str]]] = []
    flat: list[tuple[str, Scored]] = [(ref, obs) for ref, obs_list in observed.items() for obs in obs_list]
    for i, (ref, obs) in enumerate(flat):
        pairs.extend((i, (ref, uid)) for uid in obs.utterance_ids if (ref, uid) in gold)
    matched_obs, matched_gold = set(), set()
    if pairs:
        obs_vec = embed([obs.text for _, obs in flat])
        gold_keys = sorted({key for _, key in pairs})
        gold_texts = [gold[k] for k in gold_keys]
        gold_vec = dict(zip(gold_keys, embed(gold_texts), strict=True))
        alt_vec = dict(zip(gold_keys, embed(third_person(gold_texts)), strict=True)) if third_person else gold_vec
        for i, key in pairs:
            cosine = max(float(np.dot(obs_vec[i], gold_vec[key])), float(np.dot(obs_vec[i], alt_vec[key])))
            if cosine >= MATCH_THRESHOLD:
                matched_obs.add(i)
                matched_gold.add(key)
    no_gold = sum(1 for ref, obs in flat if not any((ref, uid) in gold for uid in obs.utterance_ids))
    precision = len(matched_obs) / len(flat) if flat else 0.0
    recall = len(matched_gold) / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return MscScore(precision, recall, f1, len(flat), len(gold), no_gold / len(flat) if flat else 0.0)


def naive_baseline(items: Iterable[MscItem], split_sentences: Callable[[str], list[str]]) -> dict[str, list[Scored]]:
    """Every customer sentence of 3+ words is an observation (the issue's reference point)."""
    observed: dict[str, list[Scored]] = {}
    for item in items:
        for uid, text in item.customer_utterances.items():
            for sentence in split_sentences(text):
                if len(re.findall(r"[A-Za-z0-9']+", sentence)) >= 3:
                    observed.setdefault(item.customer_ref, []).append(Scored(sentence, [uid]))
    return observed


def load_abcd(path: Path = ABCD_PATH) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """(interaction, expected traits) per ABCD sample; 'action' rows become system utterances."""
    out = []
    for convo in json.loads(path.read_text()):
        personal, order = convo["scenario"]["personal"], convo["scenario"]["order"]
        utterances = [
            {"id": f"t{i}", "role": {"action": "system"}.get(role, role), "text": text}
            for i, (role, text) in enumerate(convo["original"])
        ]
        ref_value = f"abcd-{convo['convo_id']}"
        interaction = {
            "external_id": ref_value, "customer": {"identifiers": [{"type": "crm", "value": ref_value}]},
            "channel": "chat", "started_at": "2026-11-20T10:00:00+00:00", "utterances": utterances,
        }  # fmt: skip
        expected = {
            "name": personal.get("customer_name", "").title(), "email": personal.get("email", "").lower(),
            "phone": "+1" + re.sub(r"\D", "", personal.get("phone", "")), "username": personal.get("username", ""),
            "order_number": order.get("order_id") or "", "membership": personal.get("member_level", ""),
        }  # fmt: skip
        expected = {key: value for key, value in expected.items() if value and value != "+1"}
        out.append((interaction, expected))
    return out


def abcd_in_transcript(interaction: dict[str, Any], expected: dict[str, str]) -> dict[str, str]:
    """Only the expected traits the customer actually says can be extracted; score those."""
    said = " ".join(u["text"] for u in interaction["utterances"] if u["role"] == "customer").lower()
    digits = re.sub(r"\D", "", said)
    kept = {}
    for key, value in expected.items():
        probe = re.sub(r"\D", "", value)[-10:] if key == "phone" else value.lower()
        if (key == "phone" and probe and probe in digits) or (key != "phone" and probe and probe in said):
            kept[key] = value
    return kept


def trait_counts(expected: dict[str, str], extracted: dict[str, set[str]]) -> tuple[int, int, int]:
    """(correct, expected, extracted) over the expected trait keys and any extracted identity trait."""
    correct = sum(1 for key, value in expected.items() if value.lower() in {v.lower() for v in extracted.get(key, ())})
    extracted_n = sum(len(values) for values in extracted.values())
    return correct, len(expected), extracted_n


def dump_msc(
    path: Path,
    items: Iterable[MscItem],
    observed: dict[str, list[Scored]],
    embed: Callable[[list[str]], np.ndarray],
    third_person: Callable[[list[str]], list[str]],
) -> None:
    """One JSON line per customer utterance: its text, gold fact, and each observation made from
    it with its cosine to the gold fact (the better of as written and third person)."""
    items = list(items)
    by_utterance: dict[tuple[str, str], list[str]] = {}
    for ref, obs_list in observed.items():
        for obs in obs_list:
            for uid in obs.utterance_ids:
                by_utterance.setdefault((ref, uid), []).append(obs.text)
    gold_texts = sorted({fact for item in items for fact in item.gold.values()})
    gold_vec = dict(zip(gold_texts, embed(gold_texts), strict=True))
    alt_vec = dict(zip(gold_texts, embed(third_person(gold_texts)), strict=True)) if gold_texts else {}
    with path.open("w") as fh:
        for item in items:
            for uid, text in item.customer_utterances.items():
                fact = item.gold.get(uid)
                texts = by_utterance.get((item.customer_ref, uid), [])
                vectors = embed(texts) if texts else np.zeros((0, 1))
                cosines = [
                    round(max(float(np.dot(v, gold_vec[fact])), float(np.dot(v, alt_vec[fact]))), 3) if fact else None
                    for v in vectors
                ]
                found = [{"text": t, "cosine": c} for t, c in zip(texts, cosines, strict=True)]
                row = {"ref": item.customer_ref, "uid": uid, "text": text, "gold": fact, "observations": found}
                fh.write(json.dumps(row) + "\n")
