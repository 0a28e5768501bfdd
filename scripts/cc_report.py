"""Markdown tables for scripts/bench_contact_centre.py's results."""

from __future__ import annotations

import statistics
from typing import Any


def bucket_stats(manifest: dict[str, Any], buckets: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    out = {}
    for b in buckets:
        cs = [c for c in manifest["customers"] if c["bucket"] == b and c["units"] > 0]
        if not cs:
            continue
        units = sorted(c["units"] for c in cs)
        out[b] = {"customers": len(cs), "units_min": units[0], "units_median": int(statistics.median(units)),
                  "units_max": units[-1], "interactions": sum(c["n_interactions"] for c in cs),
                  "utterances": sum(c["n_utterances"] for c in cs),
                  "queries": sum(len(c["queries"]) for c in cs),
                  "sources": sorted({c["source"].split(":")[0] for c in cs})}  # fmt: skip
    return out


def _table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(v: Any) -> str:
        return f"{v:.1f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _dataset(results: dict[str, Any]) -> str:
    rows = [[b, s["customers"], f"{s['units_min']} / {s['units_median']} / {s['units_max']}", s["interactions"],
             s["utterances"], s["queries"], ", ".join(s["sources"])]
            for b, s in results["buckets"].items()]  # fmt: skip
    return _table(["bucket (units)", "customers", "units min / median / max", "interactions", "utterances",
                   "questions", "from"], rows)  # fmt: skip


def _ingest(results: dict[str, Any]) -> str:
    m = results["manifest"]
    i, a = (
        m["ingest"],
        m["mem0_add"] or {"utterances": float("nan"), "embed_s": 1.0, "add_s": float("nan"), "network_attempts": "-"},
    )
    rows = [
        [
            "this service, POST /v1/interactions → processed",
            f"{m['ingest_workers']} worker processes",
            f"{i['interactions']} interactions, {i['utterances']} utterances in {i['seconds']:.0f} s: "
            f"{i['interactions_per_s']:.2f} interactions/s, {i['utterances_per_s']:.1f} utterances/s "
            f"({i['failed']} failed, {i['unfinished']} unfinished)",
        ],
        [
            "bare encoder, batch 32 (same texts, for mem0)",
            "sentence-transformers fp32",
            f"{a['utterances'] / a['embed_s']:.1f} utterances/s ({a['embed_s']:.0f} s)",
        ],
        [
            "mem0 add, infer=False (vectors precomputed)",
            "Qdrant local path",
            f"{a['utterances']:.0f} utterances in {a['add_s']:.0f} s, {a['network_attempts']} network attempts",
        ],
    ]
    return _table(["ingestion (built once)", "setting", "figures"], rows)  # fmt: skip


def _latency(results: dict[str, Any]) -> str:
    rows = []
    for r in results["latency"]:
        cpu = " / ".join(f"{r[k]:.1f}" if k in r else "-" for k in
                         ("cpu_ms_api", "cpu_ms_worker+redis", "cpu_ms_postgres", "cpu_ms_loadgen"))  # fmt: skip
        failed = f"{r['errors']}" + (f" + {r['unsent']} unsent" if r.get("unsent") else "")
        rows.append([r["backend"], r["bucket"], r["load"], r["kind"], r["p50"], r["p95"], r["p99"], r["rps"],
                     failed, cpu])  # fmt: skip
    return _table(["path", "bucket", "load", "query", "p50 ms", "p95 ms", "p99 ms", "recalls/s", "errors",
                   "CPU ms/recall: API / worker+Redis / Postgres / load gen"], rows)  # fmt: skip


def _find(results: dict[str, Any], backend: str, bucket: str, load: str, kind: str) -> dict[str, Any] | None:
    for r in results["latency"]:
        if (r["backend"], r["bucket"], r["load"], r["kind"]) == (backend, bucket, load, kind):
            return r
    return None


def _versus(results: dict[str, Any]) -> str:
    bare = results["bare_embedding"]["p50"]
    rows = []
    for b in results["buckets"]:
        cold, cached = _find(results, "faiss", b, "c=1", "cold"), _find(results, "faiss", b, "c=1", "cached")
        mem0 = _find(results, "mem0", b, "c=1 in process", "no cache")
        pg = _find(results, "pgvector", b, "c=1", "cold")
        if not cold or not cached:
            continue
        rows.append([b, cold["p50"], f"{cold['p50'] / bare:.2f}×", cached["p50"], pg["p50"] if pg else "-",
                     mem0["p50"] if mem0 else "-", f"{mem0['p50'] / cold['p50']:.1f}×" if mem0 else "-"])  # fmt: skip
    return _table(["bucket", "service c=1 cold p50 ms", "÷ bare embedding", "service c=1 cached p50 ms",
                   "pgvector c=1 cold p50 ms", "mem0 search p50 ms", "mem0 ÷ service cold"], rows)  # fmt: skip


def _targets(results: dict[str, Any]) -> str:
    """Issue 10's must-show figures, against this run."""
    bare, big, small = results["bare_embedding"]["p50"], list(results["buckets"])[-1], "<=100"
    c1_cold, c1_cached = _find(results, "faiss", big, "c=1", "cold"), _find(results, "faiss", big, "c=1", "cached")
    c8_cold, small_cold = _find(results, "faiss", big, "c=8", "cold"), _find(results, "faiss", small, "c=1", "cold")
    mem0 = _find(results, "mem0", big, "c=1 in process", "no cache")
    quality = results["quality"]
    rows = []
    if c1_cold:
        rows.append(["c=1 cold p50 ÷ bare embedding p50", "≤ 1.5", f"{c1_cold['p50'] / bare:.2f}"])
    if c1_cached:
        rows.append(["c=1 cached p50", "≤ 5 ms", f"{c1_cached['p50']:.1f} ms"])
    if c8_cold:
        rows.append(
            ["c=8 cold p99 / throughput", "≤ 60 ms, ≥ 150/s", f"{c8_cold['p99']:.0f} ms, {c8_cold['rps']:.0f}/s"]
        )
    if c1_cold and small_cold:
        rows.append(["cold p50, biggest ÷ smallest bucket", "≤ 1.5", f"{c1_cold['p50'] / small_cold['p50']:.2f}"])
    if c1_cold and mem0:
        rows.append(["mem0 search p50 ÷ service c=1 cold p50", "≥ 5", f"{mem0['p50'] / c1_cold['p50']:.2f}"])
    for name, metric in (("longmemeval", "recall_all@5"), ("locomo", "R@10")):
        if name in quality.get("service", {}) and name in quality.get("mem0", {}):
            rows.append([f"{name} {metric}, service vs mem0", "service ≥ mem0",
                         f"{quality['service'][name][metric]:.3f} vs {quality['mem0'][name][metric]:.3f}"])  # fmt: skip
    return _table([f"issue 10 target (biggest bucket here: {big})", "target", "this run"], rows)


def _quality(results: dict[str, Any]) -> str:
    rows = []
    for system, by_set in results["quality"].items():
        for name, q in by_set.items():
            figures = ", ".join(f"{k} {v:.3f}" for k, v in q.items() if k != "n")
            rows.append([system, name, int(q["n"]), figures])
    return _table(["system", "questions", "n", "evidence recall (top 20; LongMemEval by session, LoCoMo by turn)"],
                  rows)  # fmt: skip


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    bare, after = results["bare_embedding"], results.get("bare_embedding_after", {})
    head = (f"{m['cores']} cores; load average {m['load_avg_start'][0]:.2f} at start, "
            f"{m.get('load_avg_end', [float('nan')])[0]:.2f} at end; bench {results.get('bench_seconds', 0):.0f} s.\n"
            f"Bare fp32 sentence-transformers query embedding (this process, 1 thread): p50 {bare['p50']:.1f} ms, "
            f"p95 {bare['p95']:.1f} ms (after the run: p50 {after.get('p50', float('nan')):.1f} ms).")  # fmt: skip
    parts = [head, _dataset(results), _ingest(results), _targets(results), _versus(results), _latency(results),
             _quality(results)]  # fmt: skip
    return "\n\n".join(parts)
