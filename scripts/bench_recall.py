"""Recall at scale: N synthetic customers x M observations bulk-loaded with COPY, then HTTP
recall latency/throughput at several concurrencies, FAISS vs pgvector, index memory per
observation, and time to ready after a restart (snapshot vs. build from Postgres).

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/bench_recall.py [--customers 10000] [--per-customer 100]
        [--concurrency 1,8] [--seconds 15] [--queries 400] [--data-dir DIR]

Two kinds of HTTP load, reported separately:
- cached: `--queries` distinct query texts (agents repeat questions), each sent once beforehand,
  so every measured request finds its query embedding in the LRU cache;
- cold: every request a query text never sent before, so every request embeds its query
  (micro-batched with whatever else is waiting for the model).
Each request picks a random customer. The search comparison times the vector search alone,
server side, on the same customers and query vectors: FAISS in process vs. the pgvector path
(round trip and Postgres execution time from EXPLAIN ANALYZE).

Observation vectors are synthetic but realistic in geometry: each is a real MiniLM embedding
of one of a few hundred topic sentences plus Gaussian noise, renormalised, so queries (real
sentences, embedded by the service) find true neighbours and the relevance threshold keeps
a realistic number of items.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from service_harness import BOOTSTRAP_KEY, free_port, percentile, print_table, wait_ready  # noqa: E402

SUBJECTS = ["order", "parcel", "invoice", "refund", "subscription", "router", "phone", "laptop", "account", "card",
            "delivery", "password", "warranty", "plan", "bill", "appointment", "booking", "flight", "car", "insurance"]
PROBLEMS = ["arrived damaged", "never arrived", "was charged twice", "stopped working", "needs to be cancelled",
            "was delayed by a week", "has the wrong address", "needs an upgrade", "keeps failing", "is too expensive",
            "should be sent by email", "was returned", "is missing a part", "needs a replacement"]  # fmt: skip


def topics() -> list[str]:
    return [f"The customer's {s} {p}." for s in SUBJECTS for p in PROBLEMS]


FORMS = ["what happened when the {s} {p}?", "did the {s} that {p} get fixed", "{s} {p}",
         "any problem lately, the {s} {p}?", "is it resolved that the {s} {p}"]  # fmt: skip


def queries(rng: random.Random, n: int) -> list[str]:
    """n distinct query texts (at most 5 x 20 x 14 = 1400)."""
    n = min(n, len(FORMS) * len(SUBJECTS) * len(PROBLEMS))
    found: dict[str, None] = {}
    while len(found) < n:
        found[rng.choice(FORMS).format(s=rng.choice(SUBJECTS), p=rng.choice(PROBLEMS))] = None
    return list(found)


def cold_queries(rng: random.Random, avoid: set[str]) -> Iterator[str]:
    """Endless distinct texts, none in `avoid`, so none cached: two complaints in one question
    (1400 x 280 combinations; a run uses a few thousand)."""
    seen = set(avoid)
    while True:
        text = (rng.choice(FORMS).format(s=rng.choice(SUBJECTS), p=rng.choice(PROBLEMS)).rstrip("?")
                + f", and the {rng.choice(SUBJECTS)} that {rng.choice(PROBLEMS)}")  # fmt: skip
        if text not in seen:
            seen.add(text)
            yield text


def bulk_load(url: str, customers: int, per_customer: int, centroids: np.ndarray, texts: list[str]) -> float:
    import psycopg
    from pgvector.psycopg import register_vector

    from memory_service.tenants.service import ensure_bootstrap_key

    started = time.perf_counter()
    rng = np.random.default_rng(7)
    with psycopg.connect(url) as conn:
        register_vector(conn)
        from psycopg.rows import dict_row

        conn.row_factory = dict_row  # type: ignore[assignment]
        ensure_bootstrap_key(conn, key=BOOTSTRAP_KEY)
        tenant = conn.execute("SELECT id FROM tenants WHERE name = 'default'").fetchone()["id"]  # type: ignore[index]
        cids = [uuid.uuid4() for _ in range(customers)]
        with conn.cursor().copy("COPY customers (id, tenant_id) FROM STDIN") as copy:
            for cid in cids:
                copy.write_row((cid, tenant))
        with conn.cursor().copy("COPY customer_identifiers (tenant_id, type, value, customer_id) FROM STDIN") as copy:
            for n, cid in enumerate(cids):
                copy.write_row((tenant, "crm", f"bench-{n}", cid))
        cols = ("id, tenant_id, customer_id, kind, text, content_key, embedding, confidence, observed_at, valid_from, "
                "last_seen_at")
        with conn.cursor().copy(f"COPY observations ({cols}) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["uuid", "uuid", "uuid", "text", "text", "text", "vector", "real", "timestamptz",
                            "timestamptz", "timestamptz"])  # fmt: skip
            for n, cid in enumerate(cids):
                picks = rng.integers(0, len(texts), per_customer)
                vecs = centroids[picks] + rng.normal(0, 0.03, (per_customer, centroids.shape[1])).astype(np.float32)
                vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
                at = datetime(2026, 1 + n % 12, 1 + n % 28, 10, tzinfo=UTC)
                for j in range(per_customer):
                    text = texts[picks[j]]
                    copy.write_row((uuid.uuid4(), tenant, cid, "issue", text, f"{text}#{j}", vecs[j], 0.8, at, at, at))
                if n % 1000 == 0:
                    print(f"\rloaded {n}/{customers} customers", end="", file=sys.stderr, flush=True)
        conn.execute("ANALYZE observations")
        conn.commit()
    print(file=sys.stderr)
    return time.perf_counter() - started


class Service:
    """`memory-service up` on a given data dir (restartable), with embedded Postgres/Redis."""

    def __init__(self, data_dir: Path, backend: str) -> None:
        self.data_dir, self.backend = data_dir, backend
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> tuple[float, dict[str, float]]:
        """Seconds until /readyz answers 200, and the service's own start-up phases."""
        env = {k: v for k, v in os.environ.items() if k not in ("MEMORY_DATABASE_URL", "MEMORY_REDIS_URL")}
        env.update({"MEMORY_BOOTSTRAP_API_KEY": BOOTSTRAP_KEY, "HF_HUB_OFFLINE": "1", "MEMORY_LOG_LEVEL": "WARNING",
                    "MEMORY_VECTOR_BACKEND": self.backend, "MEMORY_DB_POOL_MAX": "40"})  # fmt: skip
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        log = open(self.data_dir / f"up-{self.backend}.log", "ab")  # noqa: SIM115
        cmd = [sys.executable, "-m", "memory_service.cli", "up", "--port", str(port), "--data-dir", str(self.data_dir)]
        started = time.monotonic()
        self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
        wait_ready(self.url, timeout=1800, proc=self.proc)
        took = time.monotonic() - started
        phases = httpx.get(f"{self.url}/readyz", timeout=5).json().get("startup_seconds", {})
        return took, phases

    def api_pid(self) -> int:
        """The API process (`up` itself; the worker it starts is a child, excluded here)."""
        assert self.proc
        return self.proc.pid

    def cpu(self, postmaster: int) -> tuple[float, float, float]:
        """CPU seconds so far: the API process alone, Postgres (postmaster and backends), and this
        benchmark's own load generator (httpx clients), which shares the two cores."""
        return (cpu_seconds([self.api_pid()], children=False), cpu_seconds([postmaster]),
                cpu_seconds([os.getpid()], children=False))  # fmt: skip

    def rss_mb(self) -> float:
        assert self.proc
        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def metrics(self) -> dict[str, float]:
        found = {}
        for line in httpx.get(f"{self.url}/metrics", timeout=5).text.splitlines():
            if line.startswith(("memory_query_cache_", "memory_query_embed_")):
                name, value = line.split()
                found[name] = float(value)
        return found

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(300)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def load(
    url: str, next_query: Any, customers: int, concurrency: int, seconds: float, rate: float | None = None
) -> dict[str, float]:
    """Closed loop (rate None): `concurrency` clients, each sending its next recall as soon as the
    last answered, so latency x throughput = concurrency. Open loop (rate R/s): request i is due
    at i/R seconds, sent by the first of `concurrency` clients free, and its latency counts from
    when it was due (waiting for a free client included: no coordinated omission)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    began = time.perf_counter()
    stop_at = began + seconds
    counter = iter(range(10**9))

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {BOOTSTRAP_KEY}"}, timeout=30) as http:
            while True:
                if rate is None:
                    due = time.perf_counter()
                else:
                    with lock:
                        due = began + next(counter) / rate
                    time.sleep(max(0.0, due - time.perf_counter()))
                if due >= stop_at:
                    return
                body = {"query": next_query(rng), "include_profile": False}
                try:
                    ok = http.post(f"/v1/customers/crm%3Abench-{rng.randrange(customers)}/recall", json=body).is_success
                except httpx.HTTPError:
                    ok = False
                took = time.perf_counter() - due
                with lock:
                    latencies.append(took * 1000)
                    errors[0] += not ok

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
            "rps": len(latencies) / elapsed, "errors": float(errors[0]), "n": float(len(latencies))}  # fmt: skip


def cpu_seconds(pids: list[int], *, children: bool = True) -> float:
    """User+system CPU of these processes (and their live children)."""
    total = 0.0
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            for p in [proc, *(proc.children(recursive=True) if children else [])]:
                times = p.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            continue
    return total


def postmaster_pid(pg_dir: Path) -> int:
    return int((pg_dir / "postmaster.pid").read_text().split()[0]) if (pg_dir / "postmaster.pid").exists() else 0


def warm(url: str, qs: list[str], customers: int) -> None:
    """Send every distinct query once (4 at a time), so the measured runs find them cached."""
    pending = list(qs)
    lock = threading.Lock()

    def take(_: random.Random) -> str:
        with lock:
            return pending.pop() if pending else random.choice(qs)

    while pending:
        load(url, take, customers, 4, 1.0)


def search_microbench(
    data_dir: Path, db_url: str, query_vecs: np.ndarray, customers: list[tuple[str, str]]
) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """The vector search alone, same customers and query vectors, k=100, like for like:
    the FAISS kernel (one customer's index.search) vs. Postgres executing the pgvector backend's
    query (EXPLAIN ANALYZE execution time: the (customer_id, status) index finds the rows,
    pgvector scores and sorts them), and the full calls recall makes (hits with string ids; a
    round trip with binary results). The index is loaded from the snapshot, as the API holds
    it. Also the index's bytes per unit."""
    from memory_service.db import create_pool
    from memory_service.index import CustomerVectorIndex, PgVectorIndex
    from memory_service.index.pgvector_index import search_sql
    from memory_service.index.snapshot import load_snapshot

    index = CustomerVectorIndex(query_vecs.shape[1], codec="fp16")
    load_snapshot(index, data_dir / "index-snapshot")
    pool = create_pool(db_url, min_size=1, max_size=2)
    pg = PgVectorIndex(pool, query_vecs.shape[1])
    names = ["faiss kernel", "faiss call (hits with ids)", "pgvector execution (EXPLAIN ANALYZE)",
             "pgvector call (round trip)"]  # fmt: skip
    took: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(2):  # the first pass warms caches (Postgres buffers, FAISS pages); the second is timed
        for name in took:
            took[name].clear()
        for n, (tenant, customer) in enumerate(customers):
            query = query_vecs[n % len(query_vecs)]
            entry = index._entry(tenant, customer)
            assert entry is not None
            started = time.perf_counter()
            entry.index.search(query.reshape(1, -1), min(100, len(entry)))
            took["faiss kernel"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            index.search(tenant_id=tenant, customer_id=customer, query=query, k=100)
            took["faiss call (hits with ids)"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            pg.search(tenant_id=tenant, customer_id=customer, query=query, k=100)
            took["pgvector call (round trip)"].append((time.perf_counter() - started) * 1000)
            with pool.connection() as conn:
                plan: Any = conn.execute(
                    "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + search_sql(),
                    {"c": customer, "t": tenant, "q": np.asarray(query, dtype=np.float32), "k": 100},
                ).fetchone()
            took["pgvector execution (EXPLAIN ANALYZE)"].append(float(plan["QUERY PLAN"][0]["Execution Time"]))
    pool.close()
    entries = index.entries()
    units = max(len(index), 1)
    memory = {
        "codes": sum(e.index.sa_code_size() * len(e) for _, e in entries) / units,
        "ids+types": sum(e.ids.nbytes + e.types.nbytes for _, e in entries) / units,  # type: ignore[union-attr]
        "customers": len(entries),
    }
    return {k: (percentile(v, 50), percentile(v, 99)) for k, v in took.items()}, memory


def hnsw_comparison(db_url: str, query_vecs: np.ndarray, customers: list[tuple[str, str]]) -> list[list[object]]:
    """What an HNSW index does for a one-customer search (--pg-hnsw; builds the index, then drops
    it). The filter is written so the planner cannot use the customer btree, with pgvector's
    iterative scan on: the graph is walked until k rows of that customer pass the filter or
    hnsw.max_scan_tuples is reached. Found = share of the exact top 10 it returns."""
    import psycopg
    from pgvector.psycopg import register_vector

    rows: list[list[object]] = []
    with psycopg.connect(db_url, autocommit=True) as conn:
        register_vector(conn)
        conn.execute("SET maintenance_work_mem = '2GB'")
        started = time.perf_counter()
        conn.execute("CREATE INDEX IF NOT EXISTS bench_obs_hnsw ON observations USING hnsw (embedding vector_ip_ops)")
        rows.append(["pgvector HNSW index build", "m=16, ef_construction=64", f"{time.perf_counter() - started:.0f} s"])
        exact = ("SELECT id FROM observations WHERE customer_id = %(c)s AND tenant_id = %(t)s AND status = 'active' "
                 "ORDER BY embedding <#> %(q)s LIMIT 10")  # fmt: skip
        hnsw = ("SELECT id FROM observations WHERE customer_id::text = %(c)s AND tenant_id = %(t)s "
                "AND status = 'active' ORDER BY embedding <#> %(q)s LIMIT 10")  # fmt: skip
        for ef in (40, 400):
            conn.execute(f"SET hnsw.ef_search = {ef}")
            conn.execute("SET hnsw.iterative_scan = relaxed_order")
            took, found = [], []
            for n, (tenant, customer) in enumerate(customers[:200]):
                params = {"c": customer, "t": tenant, "q": query_vecs[n % len(query_vecs)]}
                truth = {r[0] for r in conn.execute(exact, params).fetchall()}
                plan: Any = conn.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + hnsw, params).fetchone()
                took.append(float(plan[0][0]["Execution Time"]))
                got = {r[0] for r in conn.execute(hnsw, params).fetchall()}
                found.append(len(got & truth) / max(len(truth), 1))
            rows.append([f"search k=10, pgvector HNSW + customer filter, ef_search={ef}", "p50 / p99 ms, found",
                         f"{percentile(took, 50):.3f} / {percentile(took, 99):.3f}, {np.mean(found):.0%}"])  # fmt: skip
        conn.execute("DROP INDEX bench_obs_hnsw")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--per-customer", type=int, default=100)
    ap.add_argument("--concurrency", default="1,8")
    ap.add_argument("--rates", default="100,150", help="open-loop offered loads (recalls/s), at most 8 in flight")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--queries", type=int, default=400, help="distinct query texts for the cached runs")
    ap.add_argument("--data-dir", help="reuse a loaded data dir (kept afterwards)")
    ap.add_argument("--pg-hnsw", action="store_true", help="also time HNSW with a customer filter (slow build)")
    ap.add_argument("--search-only", action="store_true", help="skip the HTTP runs (needs a snapshot in --data-dir)")
    args = ap.parse_args()
    from memory_service.db import migrate
    from memory_service.embedded import start_embedded_postgres
    from memory_service.embeddings import SentenceTransformerEmbedder

    keep = bool(args.data_dir)
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="ms-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    db_url, server = start_embedded_postgres(data_dir / "postgres")  # held open across service restarts
    model = SentenceTransformerEmbedder()
    texts = topics()
    qs = queries(random.Random(3), args.queries)
    rows: list[list[object]] = [["machine", f"{os.cpu_count()} cores", f"load average {_load()} at start"]]
    try:
        migrate(db_url)
        if not (data_dir / "loaded").exists():
            took = bulk_load(db_url, args.customers, args.per_customer, model.embed(texts), texts)
            (data_dir / "loaded").write_text("1")
            rows.append(["bulk load (COPY)", f"{args.customers * args.per_customer} obs", f"{took:.0f} s"])
        rss = {} if args.search_only else run_services(args, data_dir, qs, rows)
        customers = _sample_customers(db_url, 1000)
        timings, memory = search_microbench(data_dir, db_url, model.embed(qs[:200]), customers)
        for name, (p50, p99) in timings.items():
            rows.append([f"search k=100, {name}", "p50 / p99 ms", f"{p50:.3f} / {p99:.3f}"])
        for faiss_name, pg_name in (("faiss kernel", "pgvector execution (EXPLAIN ANALYZE)"),
                                    ("faiss call (hits with ids)", "pgvector call (round trip)")):  # fmt: skip
            ratio = timings[pg_name][0] / timings[faiss_name][0]
            rows.append(["search speed-up, p50", f"{pg_name} / {faiss_name}", f"{ratio:.1f}x"])
        units = args.customers * args.per_customer
        if args.pg_hnsw:
            rows.extend(hnsw_comparison(db_url, model.embed(qs[:200]), customers))
        rows.append(["index bytes per unit", "fp16 codes + ids + types",
                     f"{memory['codes']:.0f} + {memory['ids+types']:.0f} B"])  # fmt: skip
        if "faiss" in rss and "pgvector" in rss:
            extra = (rss["faiss"] - rss["pgvector"]) * 2**20 / units
            rows.append(["index bytes per unit, measured", "(API RSS faiss - pgvector) / units", f"{extra:.0f} B"])
        rows.append(["load average at end", "", _load()])
    finally:
        print_table(f"recall at scale: {args.customers} customers x {args.per_customer} observations",
                    ["what", "setting", "value"], rows)  # fmt: skip
        server.cleanup()
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _sample_customers(db_url: str, n: int) -> list[tuple[str, str]]:
    import psycopg

    with psycopg.connect(db_url) as conn:
        found = conn.execute("SELECT tenant_id, id FROM customers ORDER BY random() LIMIT %s", (n,)).fetchall()
    return [(str(t), str(c)) for t, c in found]


def _phases(phases: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in phases.items())


def run_services(args: Any, data_dir: Path, qs: list[str], rows: list[list[object]]) -> dict[str, float]:
    """Start (and for FAISS restart) the service per backend; HTTP load on each. Returns API RSS (MB)."""
    rss: dict[str, float] = {}
    pg = postmaster_pid(data_dir / "postgres" / "data") or postmaster_pid(data_dir / "postgres")
    cold = cold_queries(random.Random(11), set(qs))
    cold_lock = threading.Lock()

    def next_cold(_: random.Random) -> str:
        with cold_lock:
            return next(cold)

    for backend in ("faiss", "pgvector"):
        service = Service(data_dir, backend)
        try:
            had_snapshot = (data_dir / "index-snapshot" / "meta.json").exists()
            ready, phases = service.start()
            how = " (index from the snapshot)" if had_snapshot else " (index built from Postgres)"
            first = "first start" + (how if backend == "faiss" else "")
            rows.append([f"{backend}: time to ready", first, f"{ready:.1f} s ({_phases(phases)})"])
            if backend == "faiss":
                service.stop()  # writes the snapshot
                ready, phases = service.start()
                rows.append(["faiss: time to ready", "restart (snapshot)", f"{ready:.1f} s ({_phases(phases)})"])
            time.sleep(5)  # let the worker started after readiness settle
            rss[backend] = service.rss_mb()
            rows.append([f"{backend}: API resident memory", "after start", f"{rss[backend]:.0f} MB"])
            warm(service.url, qs, args.customers)
            runs: list[tuple[int, float | None]] = [(8, None)]
            if backend == "faiss":
                runs = [(int(c), None) for c in args.concurrency.split(",")]
                runs += [(8, float(r)) for r in args.rates.split(",") if r]
            for c, rate in runs:
                for kind, pick in (("cached", lambda rng: rng.choice(qs)), ("cold", next_cold)):
                    if rate is not None and kind == "cold":
                        continue
                    before, cpu_before = service.metrics(), service.cpu(pg)
                    m = load(service.url, pick, args.customers, c, args.seconds, rate)
                    after, cpu_after = service.metrics(), service.cpu(pg)
                    misses = after.get("memory_query_cache_misses", 0) - before.get("memory_query_cache_misses", 0)
                    batches = after.get("memory_query_embed_batches", 0) - before.get("memory_query_embed_batches", 0)
                    n = max(m["n"], 1)
                    api_ms, pg_ms, client_ms = ((a - b) * 1000 / n for a, b in zip(cpu_after, cpu_before, strict=True))
                    figures = (f"{m['p50']:.1f} / {m['p95']:.1f} / {m['p99']:.1f} ms, {m['rps']:.0f}/s, "
                               f"{m['errors']:.0f} errors, {m['n']:.0f} requests, {misses:.0f} embedded"
                               + (f" in {batches:.0f} batches" if misses else "")
                               + f"; CPU per recall: API {api_ms:.1f} ms, Postgres {pg_ms:.1f} ms, "
                               + f"load generator {client_ms:.1f} ms"
                               + f"; load {_load()}")  # fmt: skip
                    setting = f"{len(qs)} distinct, all cached" if kind == "cached" else "every query new"
                    mode = f"c={c}" if rate is None else f"open loop {rate:.0f}/s, <= {c} in flight"
                    rows.append([f"{backend}: HTTP recall {mode}, {kind}", setting, figures])
                    print(rows[-1], file=sys.stderr, flush=True)
        finally:
            service.stop()
    return rss


if __name__ == "__main__":
    main()
