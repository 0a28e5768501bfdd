"""Two code trees' API processes side by side on the same data, interleaved in one run: CPU of
each API process per cold recall, and its latency, per customer-size bucket.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/bench_api_ab.py --data-dir /tmp/bench-cc \
        --tree before=/path/to/old/checkout --tree after=$PWD [--rounds 4] [--requests 150] [--concurrency 4]

The data dir is one that scripts/bench_contact_centre.py built (its manifest.json names the
customers and their questions). `memory-service up` runs on it (embedded Postgres, Redis, a
worker; its own API idles), then one `memory-service serve` per tree, each imported from that
tree (PYTHONPATH) and reading the same Postgres; the rounds alternate between them so that the
machine's other load falls on both alike. Cold texts are the bucket's questions with a
prefix/suffix variation never sent before; each round sends the same texts to every tree (each
process keeps its own caches, so they are cold for each), so every recall embeds its query.
The load generator is the benchmark's lean keep-alive client (cc_service.LeanClient).

Measures what the noise of a shared machine blurs least: CPU seconds of each API process
(psutil, every thread) per recall, and the ratio of the trees' CPU in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_contact_centre import BUCKETS, Queries  # noqa: E402
from cc_service import LeanClient  # noqa: E402
from service_harness import BOOTSTRAP_KEY, free_port, percentile, print_table, wait_ready  # noqa: E402


def start(cmd: list[str], tree: Path, data_dir: Path, log_name: str, extra: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("MEMORY_DATABASE_URL", "MEMORY_REDIS_URL")}
    env.pop("MEMORY_API_PROCESSES", None)  # one process per tree: its CPU is what is counted
    env.update({"PYTHONPATH": str(tree), "MEMORY_BOOTSTRAP_API_KEY": BOOTSTRAP_KEY, "HF_HUB_OFFLINE": "1",
                "MEMORY_LOG_LEVEL": "WARNING", **extra})  # fmt: skip
    log = open(data_dir / log_name, "ab")  # noqa: SIM115
    return subprocess.Popen([sys.executable, "-m", "memory_service.cli", *cmd], env=env, stdout=log, stderr=log,
                            cwd=tree)  # fmt: skip


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()


def cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def run_round(url: str, pid: int, requests: list[tuple[str, str]], concurrency: int) -> tuple[float, list[float]]:
    """These recalls at `concurrency`; (API CPU ms per recall, latencies ms). Any failure stops the run."""
    lock = threading.Lock()
    pending = iter(requests)
    latencies: list[float] = []
    failures: list[BaseException] = []

    def client() -> None:
        lean = LeanClient(url)
        try:
            while not failures:
                with lock:
                    request = next(pending, None)
                if request is None:
                    return
                began = time.perf_counter()
                if not lean.recall(*request):
                    raise RuntimeError(f"recall failed on {url}: {request}")
                with lock:
                    latencies.append((time.perf_counter() - began) * 1000)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            lean.close()

    before = cpu(pid)
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]
    return (cpu(pid) - before) * 1000 / len(requests), latencies


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", required=True, type=Path)
    ap.add_argument("--tree", action="append", required=True, help="NAME=PATH of a checkout (two or more)")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--requests", type=int, default=150, help="cold recalls per tree, bucket and round")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--buckets", default=";".join(BUCKETS), help="semicolon-separated (bucket names hold commas)")
    ap.add_argument("--env", action="append", default=[], help="NAME:KEY=VALUE, a setting for one tree's API only")
    args = ap.parse_args()
    trees = dict(t.split("=", 1) for t in args.tree)
    extra: dict[str, dict[str, str]] = {name: {} for name in trees}
    for item in args.env:
        name, _, setting = item.partition(":")
        key, _, value = setting.partition("=")
        extra[name][key] = value
    manifest = json.loads((args.data_dir / "manifest.json").read_text())
    queries = Queries(manifest, cap=10**6)
    buckets = [b for b in args.buckets.split(";") if queries.by_bucket.get(b)]
    first = Path(next(iter(trees.values())))
    up_url = f"http://127.0.0.1:{free_port()}"
    up = start(["up", "--port", up_url.rsplit(":", 1)[1], "--data-dir", str(args.data_dir)], first, args.data_dir,
               "ab-up.log", {})  # fmt: skip
    apis: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}
    try:
        wait_ready(up_url, timeout=600, proc=up)
        for name, tree in trees.items():
            url = f"http://127.0.0.1:{free_port()}"
            settings = {"MEMORY_INDEX_SNAPSHOT": "false", **extra[name]}  # the `up` process writes snapshots
            proc = start(["serve", "--port", url.rsplit(":", 1)[1], "--data-dir", str(args.data_dir)], Path(tree),
                         args.data_dir, f"ab-{name}.log", settings)  # fmt: skip
            wait_ready(url, timeout=600, proc=proc)
            apis[name] = (url, proc)
        results: dict[tuple[str, str], dict[str, list[float]]] = {}
        rng = random.Random(5)
        for bucket in buckets:
            take = queries.cold(bucket)
            warm_up = [take(rng) for _ in range(20)]
            for url, proc in apis.values():  # first-call costs out of the figures
                run_round(url, proc.pid, warm_up, args.concurrency)
            for r in range(args.rounds):
                # The same new texts for every tree (each process keeps its own caches, so they are
                # cold for each), in an order that alternates between rounds.
                requests = [take(rng) for _ in range(args.requests)]
                order = list(apis.items()) if r % 2 == 0 else list(apis.items())[::-1]
                for name, (url, proc) in order:
                    ms, lat = run_round(url, proc.pid, requests, args.concurrency)
                    cell = results.setdefault((bucket, name), {"cpu": [], "lat": []})
                    cell["cpu"].append(ms)
                    cell["lat"] += lat
        names = list(apis)
        rows = []
        for bucket in buckets:
            base = statistics.median(results[(bucket, names[0])]["cpu"])
            for name in names:
                cell = results[(bucket, name)]
                med = statistics.median(cell["cpu"])
                rows.append([bucket, name, f"{med:.2f}", " / ".join(f"{x:.1f}" for x in cell["cpu"]),
                             f"{med / base:.2f}", f"{percentile(cell['lat'], 50):.1f}",
                             f"{percentile(cell['lat'], 99):.1f}"])  # fmt: skip
        print_table(f"API CPU per cold recall, c={args.concurrency}, {args.rounds} interleaved rounds of "
                    f"{args.requests} (load average now {os.getloadavg()[0]:.1f})",
                    ["bucket", "tree", "CPU ms/recall (median)", "each round", f"÷ {names[0]}", "p50 ms", "p99 ms"],
                    rows)  # fmt: skip
    finally:
        for _, proc in apis.values():
            stop(proc)
        stop(up)


if __name__ == "__main__":
    main()
