"""Query-side int8: how far int8 query vectors stray from fp32 ones, and what that does to dense
retrieval over fp32 document vectors (MEMORY_QUERY_EMBEDDING_BACKEND=onnx-int8 keeps documents fp32).

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/bench_query_int8.py

On LoCoMo dev, per half of the fixed split (eval_recall.py: conv-26 and conv-30 tuned, the other
eight untuned): every turn embedded with the fp32 export, every category 1-4 question embedded one
at a time by fp32 and by int8 variants (the service's onnx-int8, which keeps the first layer's
feed-forward output MatMul in fp32; every MatMul quantised, the recipe before 2026-12-04; all six
feed-forward outputs kept fp32); per variant and half: query cosine to fp32 (min / p1 / mean),
evidence R@10 of a dense search over that conversation's turns, the top-10 overlap with the fp32
query's, and single-query latency on the tuned half's questions (one thread; fp32 at the start
and the end, to show drift).
"""

from __future__ import annotations

import copy
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
LOCOMO = Path("/work/shared/datasets/locomo/locomo10_dev.json")
if not LOCOMO.exists():
    LOCOMO = Path(__file__).resolve().parents[2] / "shared/datasets/locomo/locomo10_dev.json"


def main() -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from memory_service.embeddings.onnx_export import default_cache_dir
    from memory_service.embeddings.onnx_runtime import OnnxEmbedder, _session
    from memory_service.embeddings.sentence_transformer import bundled_model_path

    base = OnnxEmbedder(bundled_model_path(), default_cache_dir(), variant="fp32", threads=1)
    fp32 = base.model_file

    def with_file(path: Path) -> OnnxEmbedder:
        """The service's embedder (tokenizer, batching, pooling) over another ONNX file."""
        other = copy.copy(base)
        other.session = _session(path, 1)
        return other

    def embed(e: OnnxEmbedder, texts: list[str], batch: int = 64) -> np.ndarray:
        return e.embed(texts) if batch > 1 else np.vstack([e.embed([t]) for t in texts])
    halves: dict[str, tuple[list[Any], list[str]]] = {"tuned": ([], []), "untuned": ([], [])}
    for conv in json.loads(LOCOMO.read_text()):
        data, questions = halves["tuned" if conv["sample_id"] in ("conv-26", "conv-30") else "untuned"]
        turns = [(t["dia_id"], t["text"]) for n in range(1, 40) for t in conv["conversation"].get(f"session_{n}") or []]
        qs = [(q["question"], set(q["evidence"])) for q in conv["qa"] if q.get("category") in (1, 2, 3, 4)]
        data.append(([d for d, _ in turns], embed(base, [t for _, t in turns]), qs))
        questions += [q for q, _ in qs]
    reference = {h: embed(base, qs, batch=1) for h, (_, qs) in halves.items()}

    def measure(s: OnnxEmbedder, half: str) -> tuple[np.ndarray, float, float]:
        data, questions = halves[half]
        vectors, recalls, overlaps, k = embed(s, questions, batch=1), [], [], 0
        for ids, docs, qs in data:
            for _, gold in qs:
                top, ref = np.argsort(-(docs @ vectors[k]))[:10], np.argsort(-(docs @ reference[half][k]))[:10]
                recalls.append(len({ids[i] for i in top} & gold) / max(len(gold), 1))
                overlaps.append(len(set(top) & set(ref)) / 10)
                k += 1
        return (vectors * reference[half]).sum(1), statistics.fmean(recalls), statistics.fmean(overlaps)

    def latency(s: OnnxEmbedder) -> float:
        took = []
        for q in halves["tuned"][1][:150]:
            started = time.perf_counter()
            embed(s, [q])
            took.append((time.perf_counter() - started) * 1000)
        return statistics.median(took)

    def row(name: str, s: OnnxEmbedder) -> list[str]:
        cells = [name]
        for half in halves:
            cos, r10, overlap = measure(s, half)
            spread = f"{cos.min():.4f} / {np.percentile(cos, 1):.4f} / {cos.mean():.5f}"
            cells += [spread, f"{r10:.3f}", f"{overlap:.3f}"]
        return [*cells, f"{latency(s):.2f}"]

    graph = onnx.load(str(fp32)).graph
    matmuls = [n.name for n in graph.node if n.op_type == "MatMul"]
    ffn_out = [m for m in matmuls if m.endswith("/output/dense/MatMul") and "attention" not in m]
    reference_row = row("fp32 (reference)", base)
    reference_row[1] = reference_row[4] = "1 / 1 / 1"
    rows = [reference_row]
    rows.append(row("int8, the service's onnx-int8 (layer 0 FFN output fp32)", OnnxEmbedder(
        bundled_model_path(), default_cache_dir(), variant="int8", threads=1)))  # fmt: skip
    variants: dict[str, dict[str, Any]] = {
        "int8, every MatMul (before 2026-12-04)": {"nodes_to_exclude": []},
        "int8, all six FFN output MatMuls fp32": {"nodes_to_exclude": ffn_out},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, options in variants.items():
            out = Path(tmp) / "q.onnx"
            quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT}, **options)  # fmt: skip
            rows.append(row(name, with_file(out)))
    rows.append(["fp32 again (latency drift)", "", "", "", "", "", "", f"{latency(base):.2f}"])
    from service_harness import print_table

    counts = " / ".join(f"{len(qs)} {h}" for h, (_, qs) in halves.items())
    print_table(f"Query-side int8 over fp32 documents: LoCoMo dev questions ({counts})",
                ["query model", "tuned: cosine min / p1 / mean", "R@10", "top-10 overlap",
                 "untuned: cosine min / p1 / mean", "R@10", "top-10 overlap", "query p50 ms"], rows)  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
