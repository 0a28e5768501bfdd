"""Score redaction and injection flags on the independent generators, dev and held-out side by side.

Secrets (scripts/datagen/secrets.py): every utterance is redacted with the text of the last agent
utterance before it as context, as the ingestion path does.
  recall     per gold secret: its surface text is gone from the redacted text and, for values of
             five or more characters, its value (digits, or the compact IBAN) appears nowhere in the
             redacted text's letters and digits;
  utterances the share of positive utterances with every secret gone;
  false pos. per negative kind (orders, tracking numbers, phones, dates, amounts, ZIP codes, times,
             talk about cards without a number): the share whose text was changed at all.
Injections (scripts/datagen/injections.py): precision and recall of `detect_injection`.
Also the issue-13 call, benign corpora (MSC and ABCD utterances: flags and redactions that should
not happen), and latency per utterance.

    python scripts/eval_redaction.py                         # dev and held-out, aggregate only
    python scripts/eval_redaction.py --dump-dev /tmp/dev-misses.jsonl   # dev failures, one a line

The held-out seed is for the aggregate table only: nothing of it is printed or written one by one.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from memory_service.redaction import detect_injection, redact, redact_transcript, warm_up  # noqa: E402
from memory_service.redaction.secrets import UtteranceText  # noqa: E402

DATASETS = Path("/work/shared/datasets")  # as scripts/extraction_datasets.py


def _compact(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum()).upper()


def _last_agent(context: Iterable[dict[str, str]]) -> str | None:
    texts = [u["text"] for u in context if u.get("role") == "agent"]
    return texts[-1] if texts else None


def _secret_gone(original: str, redacted: str, span: Any) -> bool:
    surface = original[span.start : span.end]
    if surface in redacted:
        return False
    value = _compact(span.value)
    return len(value) < 5 or value not in _compact(redacted)


class Tally:
    """Counts per key; renders 'rate (n)'."""

    def __init__(self) -> None:
        self.hit: dict[str, int] = defaultdict(int)
        self.total: dict[str, int] = defaultdict(int)

    def add(self, key: str, ok: bool) -> None:
        self.hit[key] += int(ok)
        self.total[key] += 1

    def rate(self, key: str) -> str:
        if not self.total.get(key):
            return "-"
        return f"{100 * self.hit[key] / self.total[key]:6.2f}% ({self.hit[key]}/{self.total[key]})"


def _timed(text: str, context: str | None, latencies: list[tuple[float, float]]) -> str:
    """Redact, recording (wall, CPU) seconds: on a shared machine the wall time includes waiting for a core."""
    wall, cpu = time.perf_counter(), time.thread_time()
    result = redact(text, context=context).text
    latencies.append((time.perf_counter() - wall, time.thread_time() - cpu))
    return result


def score_secrets(seed: int, dump: list[dict[str, Any]] | None) -> tuple[Tally, Tally, list[tuple[float, float]]]:
    from datagen import secrets as gen

    positives, negatives = gen.generate(seed)
    recall, false_pos = Tally(), Tally()
    latencies: list[tuple[float, float]] = []
    for example in positives:
        redacted = _timed(example.text, _last_agent(example.context), latencies)
        all_gone = True
        for span in example.spans:
            gone = _secret_gone(example.text, redacted, span)
            all_gone &= gone
            recall.add(f"{span.kind} ({example.form})", gone)
            recall.add("all secrets", gone)
        recall.add("utterances, every secret gone", all_gone)
        if dump is not None and not all_gone:
            dump.append({"id": example.id, "kind": example.kind, "form": example.form, "text": example.text,
                         "context": example.context, "redacted": redacted, "miss": "secret kept"})
    for example in negatives:
        redacted = _timed(example.text, _last_agent(example.context), latencies)
        changed = redacted != example.text
        false_pos.add(f"{example.kind} ({example.form})", changed)
        false_pos.add("all negatives", changed)
        if dump is not None and changed:
            dump.append({"id": example.id, "kind": example.kind, "form": example.form, "text": example.text,
                         "context": example.context, "redacted": redacted, "miss": "negative changed"})
    return recall, false_pos, latencies


def score_injections(seed: int, dump: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    try:
        from datagen import injections as gen
    except ImportError:
        return None
    injections, benign = gen.generate(seed)
    examples = [*injections, *benign]
    tp = fp = fn = tn = 0
    by_kind = Tally()
    for example in examples:
        text, gold, kind = _injection_fields(example)
        flagged = detect_injection(text).flagged
        tp += flagged and gold
        fp += flagged and not gold
        fn += gold and not flagged
        tn += not flagged and not gold
        by_kind.add(f"{'injection' if gold else 'benign'}: {kind}", flagged == gold)
        if dump is not None and flagged != gold:
            dump.append({"text": text, "gold": gold, "kind": kind, "miss": "injection verdict"})
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": precision, "recall": recall, "tp": tp, "fp": fp, "fn": fn, "tn": tn, "by_kind": by_kind}


def _injection_fields(example: Any) -> tuple[str, bool, str]:
    """(text, is an injection, kind and style) of a generated example."""
    return example.text, bool(example.injection), f"{example.kind} ({example.style})"


def issue_call(seed: int) -> str:
    from datagen import secrets as gen

    call, gold = gen.issue_call(seed)
    utterances = call["utterances"]
    texts, counts = redact_transcript(UtteranceText(u["role"], u["text"]) for u in utterances)
    by_id = {u["id"]: (u["text"], new) for u, new in zip(utterances, texts, strict=True)}
    kept = sum(
        _compact(value) in _compact(by_id[uid][1]) or by_id[uid][0] == by_id[uid][1]
        for uid, secrets in gold["secrets"].items()
        for _kind, value in secrets
    )
    flagged = detect_injection(by_id[gold["injection_utterance"]][1]).flagged
    label_ok = gold.get("card_label", "") in " ".join(texts)
    label = "ok" if label_ok else "MISSING"
    return f"secrets kept {kept}, counts {counts}, card label {label}, injection flagged {flagged}"


def benign_corpora() -> str:
    """Customer-like text that holds no secrets and no injections: anything changed or flagged is a false positive."""
    texts: list[tuple[str, str | None]] = []
    msc = DATASETS / "msc" / "msc_valid.json.gz"
    if msc.exists():
        with gzip.open(msc) as handle:
            conversations = json.load(handle)
        for conv in conversations:
            texts += [(turn["text"], None) for session in conv["sessions"] for turn in session["turns"]]
    abcd = DATASETS / "abcd" / "abcd_sample.json"
    if abcd.exists():
        for conv in json.loads(abcd.read_text()):
            last_agent = None
            for role, text in conv["original"]:
                texts.append((text, last_agent if role == "customer" else None))
                last_agent = text if role == "agent" else last_agent
    redacted = sum(redact(t, context=c).text != t for t, c in texts)
    flagged = sum(detect_injection(t).flagged for t, _ in texts)
    return f"{len(texts)} utterances: {redacted} redacted, {flagged} flagged as injection"


def _table(title: str, dev: Tally, held: Tally) -> None:
    print(f"\n{title:<42} {'dev':>22} {'held-out':>22}")
    for key in sorted(set(dev.total) | set(held.total), key=lambda k: (k.startswith(("all", "utter")), k)):
        print(f"  {key:<40} {dev.rate(key):>22} {held.rate(key):>22}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dump-dev", type=Path, help="write the dev seed's failures here (one JSON a line)")
    args = parser.parse_args()
    from datagen import secrets as gen

    warm_up()
    dump: list[dict[str, Any]] | None = [] if args.dump_dev else None
    dev_recall, dev_fp, dev_lat = score_secrets(gen.DEV_SEED, dump)
    held_recall, held_fp, held_lat = score_secrets(gen.HELD_OUT_SEED, None)
    _table("secret recall (secret gone)", dev_recall, held_recall)
    _table("false positives (negative changed)", dev_fp, held_fp)
    for name, column in (("wall", 0), ("CPU", 1)):
        times = sorted(pair[column] for pair in dev_lat + held_lat)
        print(f"\nlatency per utterance ({name}): mean {1000 * sum(times) / len(times):.3f} ms, "
              f"p99 {1000 * times[int(0.99 * len(times))]:.3f} ms, max {1000 * times[-1]:.3f} ms", end="")
    print()
    for name, seed in (("dev", gen.DEV_SEED), ("held-out", gen.HELD_OUT_SEED)):
        print(f"issue-13 call ({name}): {issue_call(seed)}")
    try:
        from datagen import injections as inj_gen
    except ImportError:
        print("\ninjections: scripts/datagen/injections.py not available")
    else:
        dev_inj = score_injections(inj_gen.DEV_SEED, dump)
        held_inj = score_injections(inj_gen.HELD_OUT_SEED, None)
        assert held_inj is not None and dev_inj is not None
        print(f"\n{'injection detection':<42} {'dev':>22} {'held-out':>22}")
        for key in ("precision", "recall"):
            print(f"  {key:<40} {100 * dev_inj[key]:21.2f}% {100 * held_inj[key]:21.2f}%")
        for key in ("tp", "fp", "fn", "tn"):
            print(f"  {key:<40} {dev_inj[key]:>22} {held_inj[key]:>22}")
        _table("injection verdict correct, by kind", dev_inj["by_kind"], held_inj["by_kind"])
    print(f"\nbenign corpora (MSC, ABCD): {benign_corpora()}")
    if args.dump_dev and dump is not None:
        args.dump_dev.write_text("".join(json.dumps(row) + "\n" for row in dump))
        print(f"dev failures: {len(dump)} written to {args.dump_dev}")


if __name__ == "__main__":
    main()
