"""Train the learned fact gate (memory_service/extraction/gate.py) and write its weights.

Training data: the MSC dialogues no evaluation split uses (MSC_SPLITS in eval_extraction.py:
tuned 0-120, aggregate 120-180, untuned 300-420), i.e. 180-300 and 420-500. Every statement part
of every customer sentence (statements.statement_part) is one example; its label is whether its
standalone form ("The customer has two kids.") matches its utterance's gold persona fact as the
evaluation scores it (cosine >= 0.5 with the gold fact as written or put in the third person).
Features: the part's embedding by the service's document embedder (build_embedder, the bundled
all-MiniLM-L6-v2) and gate.cheap_features. Model: L2 logistic regression (scikit-learn, only
needed here), C chosen by cross-validation grouped by dialogue. The threshold is given
(--threshold); it was chosen on the tuned split with eval_extraction.py --direct.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/train_fact_gate.py --threshold 0.3
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/train_fact_gate.py --check   # weights reproduce?

Deterministic: the same data and settings give the same weights (lbfgs, no sampling).
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import extraction_datasets as ds  # noqa: E402
import numpy as np  # noqa: E402

TRAIN_RANGES = ((180, 300), (420, 500))
WEIGHTS_FILE = Path(__file__).resolve().parent.parent / "memory_service" / "extraction" / "gate_weights.py"


def examples(ranges: tuple[tuple[int, int], ...], cache: Path | None) -> dict[str, np.ndarray]:
    """Features, labels and dialogue groups of every customer statement part in the ranges."""
    key = "-".join(f"{a}_{b}" for a, b in ranges)
    if cache is not None:
        path = cache.with_name(f"{cache.stem}-{key}.npz")
        if path.exists():
            with np.load(path) as saved:
                return dict(saved)
    from memory_service.config import Settings
    from memory_service.embeddings import SentenceTransformerEmbedder
    from memory_service.extraction import load_spacy
    from memory_service.extraction.gate import cheap_features
    from memory_service.extraction.rewrite import to_standalone
    from memory_service.extraction.statements import statement_part

    nlp = load_spacy(Settings().spacy_model)
    embedder = SentenceTransformerEmbedder()  # what eval_extraction.py scores with
    raw, standalone, cheap, gold, group, where = [], [], [], [], [], []
    for start, stop in ranges:
        refs: dict[str, int] = {}
        for item in ds.load_msc(start, stop):
            index = refs.setdefault(item.customer_ref, start + len(refs))  # dialogues in order
            uids = list(item.customer_utterances)
            for uid, doc in zip(uids, nlp.pipe([item.customer_utterances[u] for u in uids]), strict=True):
                for sentence in doc.sents:
                    part, after = statement_part(sentence)
                    if not part.text.strip():
                        continue
                    raw.append(part.text.strip())
                    standalone.append(to_standalone(part))
                    cheap.append(cheap_features(part, after))
                    gold.append(item.gold.get(uid, ""))
                    group.append(index)
                    where.append(f"{item.customer_ref}|{uid}")
        print(f"dialogues {start}-{stop}: {len(raw)} parts so far", file=sys.stderr)
    facts = sorted({g for g in gold if g})
    third = [" ".join(to_standalone(s) for s in doc.sents) for doc in nlp.pipe(facts)]
    # One pass of the scorer's model (torch); the service's ONNX export of the same model gives the
    # same vectors to ~1e-6, so the gate is trained on what it sees at run time.
    vectors = embedder.embed([*raw, *standalone, *facts, *third])
    n, f = len(raw), len(facts)
    obs_vec, fact_vec = vectors[n : 2 * n], dict(zip(facts, vectors[2 * n : 2 * n + f], strict=True))
    third_vec = dict(zip(facts, vectors[2 * n + f :], strict=True))
    label = np.array([
        bool(g) and max(float(v @ fact_vec[g]), float(v @ third_vec[g])) >= ds.MATCH_THRESHOLD
        for v, g in zip(obs_vec, gold, strict=True)
    ])  # fmt: skip
    data = {"embedding": vectors[:n].astype(np.float32), "cheap": np.asarray(cheap, np.float32),
            "label": label, "group": np.asarray(group), "has_gold": np.array([bool(g) for g in gold]),
            "where": np.array(where)}  # fmt: skip
    if cache is not None:
        np.savez(path, **data)
    return data


def fit(data: dict[str, np.ndarray], c: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    x = np.hstack([data["embedding"], data["cheap"]])
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(x, data["label"])
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def choose_c(data: dict[str, np.ndarray], grid: tuple[float, ...]) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.model_selection import GroupKFold

    x, y = np.hstack([data["embedding"], data["cheap"]]), data["label"]
    best, best_loss = grid[0], float("inf")
    for c in grid:
        losses = []
        for train, test in GroupKFold(n_splits=5).split(x, y, data["group"]):
            model = LogisticRegression(C=c, max_iter=5000).fit(x[train], y[train])
            losses.append(log_loss(y[test], model.predict_proba(x[test])[:, 1], labels=[False, True]))
        loss = float(np.mean(losses))
        print(f"C={c}: grouped 5-fold log loss {loss:.4f}", file=sys.stderr)
        if loss < best_loss:
            best, best_loss = c, loss
    return best


def render(
    coef: np.ndarray, intercept: float, thresholds: tuple[float, float], c: float, n: int, positives: int
) -> str:
    from memory_service.extraction.gate import CHEAP_FEATURES

    encoded = base64.b64encode(coef.astype("<f4").tobytes()).decode()
    lines = [encoded[i : i + 96] for i in range(0, len(encoded), 96)]
    body = "\n".join(f'    "{line}"' for line in lines)
    ranges = ", ".join(f"{a}-{b}" for a, b in TRAIN_RANGES)
    features = "\n".join(f"    {name!r}," for name in CHEAP_FEATURES)
    return (
        '"""Weights of the learned fact gate (gate.py). Generated by scripts/train_fact_gate.py; do not edit.\n\n'
        f"Trained on MSC valid dialogues {ranges}: {n} statement parts, {positives} matching a gold fact.\n"
        f'L2 logistic regression, C={c}; coefficients little-endian float32, base64."""\n\n'
        f"EMBEDDING_DIM = {coef.shape[0] - len(CHEAP_FEATURES)}\n"
        f"FEATURES = (\n{features}\n)\n"
        f"INTERCEPT = {intercept!r}\n"
        f"THRESHOLD = {thresholds[0]!r}\n"
        f"ADMIT_THRESHOLD = {thresholds[1]!r}\n"
        f"COEF = (\n{body}\n)\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threshold", type=float, help="probability at or above which a part the rules keep stays")
    parser.add_argument("--admit-threshold", type=float, help="... at which a part of a turn the rules keep nothing "
                        "of is taken")
    parser.add_argument("--c", type=float, help="regularisation (default: chosen by grouped cross-validation)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/fact-gate.npz"), help="features kept between runs")
    parser.add_argument("--check", action="store_true", help="train and compare with the bundled weights")
    args = parser.parse_args()
    data = examples(TRAIN_RANGES, args.cache)
    y = data["label"]
    print(f"{len(y)} parts, {int(y.sum())} positive, {int(data['has_gold'].sum())} of gold utterances",
          file=sys.stderr)  # fmt: skip
    c = args.c or choose_c(data, (0.1, 0.3, 1.0, 3.0))
    coef, intercept = fit(data, c)
    if args.check:
        from memory_service.extraction.gate import GateWeights

        bundled = GateWeights.bundled()
        diff = float(np.max(np.abs(bundled.coef - coef)))
        print(f"max coefficient difference from the bundled weights: {diff:.2e}")
        sys.exit(0 if diff < 1e-3 else 1)
    if args.threshold is None or args.admit_threshold is None:
        parser.error("--threshold and --admit-threshold are needed to write weights")
    thresholds = (args.threshold, args.admit_threshold)
    WEIGHTS_FILE.write_text(render(coef, intercept, thresholds, c, len(y), int(y.sum())))
    print(f"wrote {WEIGHTS_FILE}", file=sys.stderr)


if __name__ == "__main__":
    main()
