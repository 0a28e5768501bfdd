"""The service side of scripts/bench_contact_centre.py: `memory-service up` on a kept data dir
(started with the harness' port/readiness helpers), ingestion through POST /v1/interactions,
units counted in Postgres, and an HTTP recall load generator (closed and open loop) that
reports the CPU of each process apart."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psutil
from bench_recall import cpu_seconds, postmaster_pid
from service_harness import BOOTSTRAP_KEY, free_port, percentile, wait_ready

NextRequest = Callable[[random.Random], tuple[str, str]]  # -> (customer ref, query text)
# Service backends "VECTORS+VARIANT" (e.g. "faiss+2-apis"): what each variant sets.
VARIANT_ENV = {
    "fp32-queries": {"MEMORY_QUERY_EMBEDDING_BACKEND": "onnx"},  # the API's queries by the fp32 export
    "2-apis": {"MEMORY_API_PROCESSES": "2"},  # two API processes on the port
    "no-micro-batch": {"MEMORY_QUERY_MICRO_BATCH": "false"},  # each recall embeds its own query
    "2-apis-no-micro-batch": {"MEMORY_API_PROCESSES": "2", "MEMORY_QUERY_MICRO_BATCH": "false"},
}


def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []


class Service:
    """`memory-service up` on data_dir (restartable); Postgres is the embedded one the caller
    holds open, so it survives restarts and its processes can be measured."""

    def __init__(self, data_dir: Path, backend: str = "faiss", workers: int = 1) -> None:
        self.data_dir, self.backend, self.workers = data_dir, backend, workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> float:
        env = {k: v for k, v in os.environ.items() if k not in ("MEMORY_DATABASE_URL", "MEMORY_REDIS_URL")}
        vectors, _, variant = self.backend.partition("+")
        env.update({"MEMORY_BOOTSTRAP_API_KEY": BOOTSTRAP_KEY, "HF_HUB_OFFLINE": "1", "MEMORY_LOG_LEVEL": "WARNING",
                    "MEMORY_VECTOR_BACKEND": vectors, "MEMORY_DB_POOL_MAX": "40"})  # fmt: skip
        env.update(VARIANT_ENV.get(variant, {}))
        self.url = f"http://127.0.0.1:{free_port()}"
        log = open(self.data_dir / f"up-{self.backend}.log", "ab")  # noqa: SIM115
        cmd = [sys.executable, "-m", "memory_service.cli", "up", "--port", self.url.rsplit(":", 1)[1],
               "--data-dir", str(self.data_dir), "--concurrency", str(self.workers)]  # fmt: skip
        started = time.monotonic()
        self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
        wait_ready(self.url, timeout=1800, proc=self.proc)
        return time.monotonic() - started

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {BOOTSTRAP_KEY}"}, timeout=60)

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far: API process, its children (worker, Redis), Postgres, and this
        process (the load generator)."""
        assert self.proc
        # `up` itself and any further API processes it runs (MEMORY_API_PROCESSES: `serve --reuse-port`)
        apis = [self.proc.pid, *(c.pid for c in _children(self.proc.pid) if "--reuse-port" in _cmdline(c))]
        api = cpu_seconds(apis, children=False)
        pg = postmaster_pid(self.data_dir / "postgres" / "data") or postmaster_pid(self.data_dir / "postgres")
        return {"api": api, "worker+redis": cpu_seconds([self.proc.pid]) - api, "postgres": cpu_seconds([pg]),
                "loadgen": time.process_time()}  # fmt: skip

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(300)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def ingest(service: Service, db_url: str, payloads: list[dict[str, Any]], timeout: float) -> dict[str, float]:
    """POST every interaction (4 at a time), then wait until the workers have processed all of
    them (status counted in Postgres). Throughput is over the whole span, first POST to last done."""
    import psycopg

    started = time.perf_counter()
    with service.client() as http, ThreadPoolExecutor(4) as pool:
        for r in pool.map(lambda p: http.post("/v1/interactions", json=p), payloads):
            r.raise_for_status()
    posted = time.perf_counter() - started
    with psycopg.connect(db_url, autocommit=True) as conn:
        while True:
            found = conn.execute("SELECT status, count(*) FROM interactions GROUP BY status").fetchall()
            counts: dict[str, int] = dict(found)
            done = counts.get("done", 0) + counts.get("failed", 0)
            print(f"\ringested {done}/{len(payloads)} ({time.perf_counter() - started:.0f} s)", end="",
                  file=sys.stderr, flush=True)  # fmt: skip
            if done >= len(payloads) or time.perf_counter() - started > timeout:
                break
            time.sleep(2)
    took = time.perf_counter() - started
    print(file=sys.stderr)
    utterances = sum(len(p["utterances"]) for p in payloads)
    return {"interactions": len(payloads), "utterances": utterances, "seconds": took, "post_seconds": posted,
            "failed": counts.get("failed", 0), "unfinished": len(payloads) - done,
            "interactions_per_s": len(payloads) / took, "utterances_per_s": utterances / took}  # fmt: skip


UNITS_SQL = """
SELECT ci.type || ':' || ci.value,
       (SELECT count(*) FROM episodes e WHERE e.customer_id = ci.customer_id AND e.unit_type = 'segment'),
       (SELECT count(*) FROM episodes e WHERE e.customer_id = ci.customer_id AND e.unit_type = 'summary'),
       (SELECT count(*) FROM observations o WHERE o.customer_id = ci.customer_id AND o.status = 'active')
FROM customer_identifiers ci"""


def count_units(db_url: str) -> dict[str, dict[str, int]]:
    """Per customer ref: recallable units (segments, summaries, active observations)."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        rows = conn.execute(UNITS_SQL).fetchall()
    return {ref: {"segments": s, "summaries": m, "observations": o, "units": s + m + o} for ref, s, m, o in rows}


def recall(http: httpx.Client, ref: str, query: str, top_k: int = 10) -> httpx.Response:
    body = {"query": query, "top_k": top_k, "include_profile": False}
    return http.post(f"/v1/customers/{quote(ref, safe='')}/recall", json=body)


class LeanClient:
    """The load generator's HTTP client: one keep-alive connection (stdlib http.client), the body
    read whole and the status checked, nothing parsed. httpx cost ~1.5 ms of CPU a request on the
    same two cores as the service (the README's first runs); this costs a fraction of that."""

    def __init__(self, url: str) -> None:
        host, _, port = url.removeprefix("http://").partition(":")
        self.host, self.port = host, int(port)
        self.headers = {"Authorization": f"Bearer {BOOTSTRAP_KEY}", "Content-Type": "application/json"}
        self.conn: http.client.HTTPConnection | None = None

    def recall(self, ref: str, query: str, top_k: int = 10) -> bool:
        body = json.dumps({"query": query, "top_k": top_k, "include_profile": False}).encode()
        for attempt in (0, 1):  # a kept-alive connection the server had closed is opened again, once
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request("POST", f"/v1/customers/{quote(ref, safe='')}/recall", body, self.headers)
                response = self.conn.getresponse()
                response.read()
                return 200 <= response.status < 300
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt:
                    raise
            except (OSError, http.client.HTTPException):  # a timeout, say: never sent twice
                self.close()
                raise
        return False

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def load(
    service: Service, next_request: NextRequest, concurrency: int, seconds: float, rate: float | None = None
) -> dict[str, float]:
    """Closed loop (rate None): `concurrency` clients, each sending its next recall when the last
    answered. Open loop (rate R/s): request i is due at i/R s, sent by the first of `concurrency`
    clients free; its latency counts from when it was due (no coordinated omission). Requests
    still unsent `seconds` after the run's end are dropped and counted as `unsent` (their latency
    would be at least that long)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(10**9))
    cpu_before = service.cpu()
    began = time.perf_counter()
    stop_at = began + seconds
    give_up = stop_at + seconds  # open loop on a saturated machine: stop sending what is long overdue

    def client(seed: int) -> None:
        rng = random.Random(seed)
        lean = LeanClient(service.url)
        try:
            while True:
                if rate is None:
                    due = time.perf_counter()
                else:
                    with lock:
                        due = began + next(counter) / rate
                    time.sleep(max(0.0, due - time.perf_counter()))
                if due >= stop_at or time.perf_counter() > give_up:
                    return
                with lock:
                    ref, text = next_request(rng)
                try:
                    ok = lean.recall(ref, text)
                except (OSError, http.client.HTTPException):
                    ok = False
                took = (time.perf_counter() - due) * 1000
                with lock:
                    latencies.append(took)
                    errors[0] += not ok
        finally:
            lean.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    offered = round(rate * seconds) if rate else len(latencies)
    n = max(len(latencies), 1)
    cpu = {k: (v - cpu_before[k]) * 1000 / n for k, v in service.cpu().items()}
    return {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
            "rps": len(latencies) / elapsed, "n": len(latencies), "errors": errors[0],
            "unsent": max(0, offered - len(latencies)),
            **{f"cpu_ms_{k}": v for k, v in cpu.items()}, "load_avg": os.getloadavg()[0]}  # fmt: skip


def rss_mb(service: Service) -> float:
    assert service.proc
    return float(psutil.Process(service.proc.pid).memory_info().rss / 2**20)
