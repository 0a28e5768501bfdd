"""Recall at scale: N synthetic customers x M observations bulk-loaded with COPY, then HTTP
recall latency/throughput at several concurrencies, FAISS vs pgvector, index memory per
observation, and time to ready after a restart (snapshot vs. build from Postgres).

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/bench_recall.py [--customers 10000] [--per-customer 100]
        [--concurrency 1,8,32] [--seconds 15] [--queries 400]

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


def queries(rng: random.Random, n: int) -> list[str]:
    forms = ["what happened with the {s}?", "did the {s} get fixed", "{s} {p}", "any problem with the {s} lately",
             "is the {s} issue resolved"]  # fmt: skip
    return [rng.choice(forms).format(s=rng.choice(SUBJECTS), p=rng.choice(PROBLEMS)) for _ in range(n)]


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

    def start(self) -> float:
        env = {k: v for k, v in os.environ.items() if k not in ("MEMORY_DATABASE_URL", "MEMORY_REDIS_URL")}
        env.update({"MEMORY_BOOTSTRAP_API_KEY": BOOTSTRAP_KEY, "HF_HUB_OFFLINE": "1", "MEMORY_LOG_LEVEL": "WARNING",
                    "MEMORY_VECTOR_BACKEND": self.backend, "MEMORY_DB_POOL_MAX": "40"})  # fmt: skip
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        log = open(self.data_dir / f"up-{self.backend}.log", "ab")  # noqa: SIM115
        cmd = [sys.executable, "-m", "memory_service.cli", "up", "--port", str(port), "--data-dir", str(self.data_dir)]
        started = time.monotonic()
        self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
        wait_ready(self.url, timeout=1200, proc=self.proc)
        return time.monotonic() - started

    def rss_mb(self) -> float:
        assert self.proc
        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def load(url: str, qs: list[str], customers: int, concurrency: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {BOOTSTRAP_KEY}"}, timeout=30) as http:
            while time.perf_counter() < stop_at:
                body = {"query": rng.choice(qs), "include_profile": False}
                started = time.perf_counter()
                try:
                    ok = http.post(f"/v1/customers/crm%3Abench-{rng.randrange(customers)}/recall", json=body).is_success
                except httpx.HTTPError:
                    ok = False
                took = time.perf_counter() - started
                with lock:
                    latencies.append(took * 1000)
                    errors[0] += not ok

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
            "rps": len(latencies) / elapsed, "errors": float(errors[0])}  # fmt: skip


def search_microbench(data_dir: Path, db_url: str, query_vecs: np.ndarray, customers: list[tuple[str, str]]) -> tuple:
    """Server-side vector search alone: FAISS (from the snapshot) vs pgvector, same queries."""
    from memory_service.db import create_pool
    from memory_service.index import CustomerVectorIndex, PgVectorIndex
    from memory_service.index.snapshot import load_snapshot

    index = CustomerVectorIndex(query_vecs.shape[1], codec="fp16")
    load_snapshot(index, data_dir / "index-snapshot")
    pool = create_pool(db_url, min_size=1, max_size=2)
    pg = PgVectorIndex(pool, query_vecs.shape[1])
    timings = {}
    for name, ix in (("faiss", index), ("pgvector", pg)):
        took = []
        for n, (tenant, customer) in enumerate(customers):
            started = time.perf_counter()
            ix.search(tenant_id=tenant, customer_id=customer, query=query_vecs[n % len(query_vecs)], k=100)
            took.append((time.perf_counter() - started) * 1000)
        timings[name] = (percentile(took, 50), percentile(took, 99))
    pool.close()
    per_obs = sum(e.index.sa_code_size() * len(e) + e.ids.nbytes + e.types.nbytes for _, e in index.entries())
    return timings, per_obs / max(len(index), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--per-customer", type=int, default=100)
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--queries", type=int, default=400, help="distinct query texts (agents repeat questions)")
    ap.add_argument("--data-dir", help="reuse a loaded data dir (kept afterwards)")
    args = ap.parse_args()
    from memory_service.db import migrate
    from memory_service.embedded import start_embedded_postgres
    from memory_service.embeddings import SentenceTransformerEmbedder

    keep = bool(args.data_dir)
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="ms-bench-"))
    db_url, server = start_embedded_postgres(data_dir / "postgres")  # held open across service restarts
    model = SentenceTransformerEmbedder()
    texts = topics()
    qs = queries(random.Random(3), args.queries)
    rows: list[list[object]] = []
    try:
        migrate(db_url)
        if not (data_dir / "loaded").exists():
            took = bulk_load(db_url, args.customers, args.per_customer, model.embed(texts), texts)
            (data_dir / "loaded").write_text("1")
            rows.append(["bulk load (COPY)", f"{args.customers * args.per_customer} obs", f"{took:.0f} s"])
        run_services(args, data_dir, qs, rows)
        customers = _sample_customers(db_url, 500)
        timings, per_obs = search_microbench(data_dir, db_url, model.embed(qs[:200]), customers)
        for name, (p50, p99) in timings.items():
            rows.append([f"search k=100, {name}", "p50 / p99 ms", f"{p50:.3f} / {p99:.3f}"])
        rows.append(["index bytes per observation", "codes+ids+types", f"{per_obs:.0f} B"])
    finally:
        print_table("recall at scale", ["what", "setting", "value"], rows)
        server.cleanup()
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def _sample_customers(db_url: str, n: int) -> list[tuple[str, str]]:
    import psycopg

    with psycopg.connect(db_url) as conn:
        found = conn.execute("SELECT tenant_id, id FROM customers ORDER BY random() LIMIT %s", (n,)).fetchall()
    return [(str(t), str(c)) for t, c in found]


def run_services(args: Any, data_dir: Path, qs: list[str], rows: list[list[object]]) -> None:
    for backend in ("faiss", "pgvector"):
        service = Service(data_dir, backend)
        try:
            ready = service.start()
            rows.append([f"{backend}: time to ready", "first start" if backend == "faiss" else "", f"{ready:.1f} s"])
            rss = service.rss_mb()
            if backend == "faiss":
                service.stop()  # writes the snapshot
                ready = service.start()
                rows.append(["faiss: time to ready", "restart (snapshot)", f"{ready:.1f} s"])
                rss = service.rss_mb()
            rows.append([f"{backend}: API resident memory", "", f"{rss:.0f} MB"])
            load(service.url, qs, args.customers, 4, 3)  # warm the query cache and pools
            for c in [int(x) for x in args.concurrency.split(",")] if backend == "faiss" else [8]:
                m = load(service.url, qs, args.customers, c, args.seconds)
                figures = f"{m['p50']:.1f} / {m['p95']:.1f} / {m['p99']:.1f}, {m['rps']:.0f}/s, {m['errors']:.0f}"
                rows.append([f"{backend}: HTTP recall c={c}", "p50/p95/p99 ms, rps, errors", figures])
        finally:
            service.stop()


if __name__ == "__main__":
    main()
