"""Query-side int8: how far int8 query vectors stray from fp32 ones, and what that does to dense
retrieval over fp32 document vectors (MEMORY_QUERY_EMBEDDING_BACKEND=onnx-int8 keeps documents fp32).

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/bench_query_int8.py

On LoCoMo dev conv-26 and conv-30 (the tuned half): every turn embedded with the fp32 export,
every category 1-4 question embedded one at a time by fp32 and by int8 variants (the service's
dynamic quantisation, and two that keep some MatMuls in fp32); per variant: query cosine to fp32
(min / p1 / mean), evidence R@10 of a dense search over the turns, the top-10 overlap with the
fp32 query's, and single-query latency (one thread, interleaved with fp32 at the start and end).
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
    data, questions = [], []
    for conv in json.loads(LOCOMO.read_text()):
        if conv["sample_id"] not in ("conv-26", "conv-30"):
            continue
        turns = [(t["dia_id"], t["text"]) for n in range(1, 40) for t in conv["conversation"].get(f"session_{n}") or []]
        qs = [(q["question"], set(q["evidence"])) for q in conv["qa"] if q.get("category") in (1, 2, 3, 4)]
        data.append(([d for d, _ in turns], embed(base, [t for _, t in turns]), qs))
        questions += [q for q, _ in qs]
    reference = embed(base, questions, batch=1)

    def measure(s: OnnxEmbedder) -> tuple[np.ndarray, float, float, float]:
        vectors, recalls, overlaps, k = embed(s, questions, batch=1), [], [], 0
        for ids, docs, qs in data:
            for _, gold in qs:
                top, ref = np.argsort(-(docs @ vectors[k]))[:10], np.argsort(-(docs @ reference[k]))[:10]
                recalls.append(len({ids[i] for i in top} & gold) / max(len(gold), 1))
                overlaps.append(len(set(top) & set(ref)) / 10)
                k += 1
        took = []
        for q in questions[:150]:
            started = time.perf_counter()
            embed(s, [q])
            took.append((time.perf_counter() - started) * 1000)
        cosines = (vectors * reference).sum(1)
        return cosines, statistics.fmean(recalls), statistics.fmean(overlaps), statistics.median(took)

    graph = onnx.load(str(fp32)).graph
    matmuls = [n.name for n in graph.node if n.op_type == "MatMul"]
    attention = [n.name for n in graph.node if n.op_type == "Attention"]
    ffn_out = [m for m in matmuls if m.endswith("/output/dense/MatMul") and "attention" not in m]
    not_ffn_in = attention + [m for m in matmuls if "intermediate" not in m]
    variants: dict[str, dict[str, Any]] = {
        "int8, all (the service's onnx-int8)": {},
        "int8, FFN output MatMuls kept fp32": {"nodes_to_exclude": ffn_out},
        "int8, FFN input MatMuls only": {"nodes_to_exclude": not_ffn_in},
    }
    _, r10, _, latency = measure(base)
    rows = [["fp32 (reference)", "1 / 1 / 1", f"{r10:.3f}", "1.000", f"{latency:.2f}"]]
    with tempfile.TemporaryDirectory() as tmp:
        for name, options in variants.items():
            out = Path(tmp) / "q.onnx"
            quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT}, **options)  # fmt: skip
            cos, r10, overlap, latency = measure(with_file(out))
            rows.append([name, f"{cos.min():.4f} / {np.percentile(cos, 1):.4f} / {cos.mean():.5f}", f"{r10:.3f}",
                         f"{overlap:.3f}", f"{latency:.2f}"])  # fmt: skip
    _, _, _, latency = measure(base)
    rows.append(["fp32 again (latency drift)", "", "", "", f"{latency:.2f}"])
    from service_harness import print_table

    print_table(f"Query-side int8 over fp32 documents: {len(questions)} LoCoMo conv-26/30 questions",
                ["query model", "cosine min / p1 / mean", "R@10", "top-10 overlap", "query p50 ms"], rows)  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
