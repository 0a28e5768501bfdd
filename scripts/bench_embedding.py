"""Embedding backends side by side, in one run, on real dialogue text (no service).

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/bench_embedding.py [--sentences 3000] [--queries 300]

For torch fp32 (sentence-transformers, the reference; and the service's lean torch path), ONNX
Runtime fp32 and ONNX Runtime int8, all on one thread:
- single-query latency p50/p95 (one text per call, real utterances as queries);
- batch throughput in sentences/s at batch 64 over LoCoMo turns and MSC utterances;
- cosine agreement with sentence-transformers fp32 on those texts (min, p1, mean);
- export time (into a fresh cache dir) and model file size;
- dense retrieval over LoCoMo conv-26's turns with each backend: evidence R@10 on its questions.
Backends take turns chunk by chunk, so load from other processes falls on all of them alike.
Printed last: among backends whose minimum cosine is >= 0.99, the fastest single query (the
API's path) and the fastest batch (the worker's).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from eval_recall import locomo_questions, recall_at, turn_text  # noqa: E402
from service_harness import percentile, print_table  # noqa: E402

DATA = Path("/work/shared/datasets")
Embed = Callable[[list[str]], np.ndarray]


def dev_texts(limit: int) -> list[str]:
    """LoCoMo turns and MSC utterances, alternating, so both kinds are in any prefix."""
    locomo = json.loads((DATA / "locomo/locomo10_dev.json").read_text())
    turns = [
        turn_text(t) for conv in locomo for n in range(1, 100) for t in conv["conversation"].get(f"session_{n}", [])
    ]
    with gzip.open(DATA / "msc/msc_valid.json.gz") as handle:
        msc = [t["text"] for d in json.load(handle) for s in d["sessions"] for t in s["turns"]]
    mixed = [t for pair in zip(turns, msc, strict=False) for t in pair]
    return mixed[:limit]


def build_backends(cache: Path) -> tuple[dict[str, Embed], dict[str, tuple[float, float]]]:
    """name -> embed function, and name -> (export seconds, model file MB)."""
    from memory_service.embeddings import SentenceTransformerEmbedder, bundled_model_path
    from memory_service.embeddings.mean_pooling import MeanPoolingEmbedder
    from memory_service.embeddings.onnx_runtime import OnnxEmbedder

    path = bundled_model_path()
    weights_mb = (Path(path) / "model.safetensors").stat().st_size / 1e6
    fp32 = OnnxEmbedder(path, cache, variant="fp32", batch_size=64, threads=1)
    int8 = OnnxEmbedder(path, cache, variant="int8", batch_size=64, threads=1)
    backends: dict[str, Embed] = {
        "torch fp32 (sentence-transformers)": SentenceTransformerEmbedder(path, batch_size=64).embed,
        "torch fp32 (service lean path)": MeanPoolingEmbedder(path, batch_size=64).embed,
        "onnx fp32": fp32.embed,
        "onnx int8": int8.embed,
    }
    files = {"torch fp32 (sentence-transformers)": (0.0, weights_mb),
             "torch fp32 (service lean path)": (0.0, weights_mb),
             "onnx fp32": (fp32.export_seconds, fp32.model_file.stat().st_size / 1e6),
             "onnx int8": (int8.export_seconds, int8.model_file.stat().st_size / 1e6)}  # fmt: skip
    return backends, files


def throughput(
    backends: dict[str, Embed], texts: list[str], chunk: int = 512
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Sentences/s over all texts (batch 64 inside each call), and every backend's vectors."""
    seconds = dict.fromkeys(backends, 0.0)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in backends}
    for start in range(0, len(texts), chunk):
        for name, embed in backends.items():
            began = time.perf_counter()
            parts[name].append(embed(texts[start : start + chunk]))
            seconds[name] += time.perf_counter() - began
    return {n: len(texts) / s for n, s in seconds.items()}, {n: np.vstack(p) for n, p in parts.items()}


def latency(backends: dict[str, Embed], queries: list[str], rounds: int = 6) -> dict[str, list[float]]:
    """Milliseconds per single-text call; backends alternate every few queries."""
    times: dict[str, list[float]] = {name: [] for name in backends}
    for embed in backends.values():
        embed(queries[:3])  # warm up
    step = max(1, len(queries) // rounds)
    for start in range(0, len(queries), step):
        for name, embed in backends.items():
            for query in queries[start : start + step]:
                began = time.perf_counter()
                embed([query])
                times[name].append((time.perf_counter() - began) * 1000)
    return times


def conv26_recall(backends: dict[str, Embed]) -> dict[str, float]:
    """Dense retrieval over conv-26's turns, mean evidence recall@10 over its questions."""
    conv = next(c for c in json.loads((DATA / "locomo/locomo10_dev.json").read_text()) if c["sample_id"] == "conv-26")
    turns = [t for n in range(1, 100) for t in conv["conversation"].get(f"session_{n}", [])]
    ids, texts = [t["dia_id"] for t in turns], [turn_text(t) for t in turns]
    questions = locomo_questions(conv)
    out = {}
    for name, embed in backends.items():
        corpus, asked = embed(texts), embed([q["question"] for q in questions])
        ranked = np.argsort(-(asked @ corpus.T), axis=1)[:, :10]
        hits = [recall_at([ids[i] for i in row], q["gold"], 10) for row, q in zip(ranked, questions, strict=True)]
        out[name] = float(np.mean(hits))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=3000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--cache-dir", type=Path, default=None, help="default: a fresh temp dir (export is timed)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from memory_service.logging import limit_torch_threads

    limit_torch_threads(1)
    texts = dev_texts(args.sentences)
    with tempfile.TemporaryDirectory() as tmp:
        backends, files = build_backends(args.cache_dir or Path(tmp))
        rates, vectors = throughput(backends, texts)
        times = latency(backends, texts[1 :: max(1, len(texts) // args.queries)][: args.queries])
        recall10 = conv26_recall(backends)
    reference = vectors["torch fp32 (sentence-transformers)"]
    rows, agree = [], {}
    for name in backends:
        cos = (vectors[name] * reference).sum(1)
        agree[name] = float(cos.min())
        p50, p95 = percentile(times[name], 50), percentile(times[name], 95)
        quality = [f"{cos.min():.4f}", f"{np.percentile(cos, 1):.4f}", f"{cos.mean():.5f}", recall10[name]]
        sizes = [round(files[name][0], 1), round(files[name][1], 1)]
        rows.append([name, round(p50, 2), round(p95, 2), round(rates[name], 1), *quality, *sizes])
    print_table(f"Embedding backends: {len(texts)} LoCoMo+MSC sentences, {len(times['onnx fp32'])} single queries, "
                "1 thread, batch 64; cosine vs sentence-transformers fp32; R@10 = dense over LoCoMo conv-26 turns",
                ["backend", "query p50 ms", "query p95 ms", "batch sent/s", "cos min", "cos p1", "cos mean", "R@10",
                 "export s", "file MB"], rows)  # fmt: skip
    eligible = [n for n in backends if agree[n] >= 0.99]
    print(f"\nwith min cosine >= 0.99: fastest single query {min(eligible, key=lambda n: percentile(times[n], 50))}, "
          f"fastest batch {max(eligible, key=lambda n: rates[n])}")  # fmt: skip


if __name__ == "__main__":
    main()
