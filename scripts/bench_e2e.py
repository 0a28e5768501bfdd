"""End-to-end figures of the foundation: time from POST to recallable, ingestion throughput,
and single-client recall latency over HTTP, on the real API, worker, Postgres and Redis.

    .venv/bin/python scripts/bench_e2e.py [--interactions 50] [--recalls 200] [--url URL --api-key KEY]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_harness import percentile, print_table, running_service  # noqa: E402

STATEMENTS = [
    "My order {n} arrived damaged.", "I prefer to be contacted by email in the evenings.",
    "I moved to Denver last month.", "I was charged twice for my subscription.",
    "I work night shifts at the hospital.", "Please don't call me before 9am.",
    "My wife and I have two kids.", "I want to upgrade to the premium plan.",
]  # fmt: skip
QUERIES = ["damaged order", "how to contact the customer", "billing problem", "where does the customer live",
           "family", "plan upgrade", "when can we call", "refund"]  # fmt: skip


def interaction(rng: random.Random, customer: int) -> dict:
    texts = rng.sample(STATEMENTS, 3)
    utterances = [{"id": "a0", "role": "agent", "text": "Thanks for calling, how can I help?"}]
    utterances += [{"id": f"c{i}", "role": "customer", "text": t.format(n=rng.randint(10000, 99999))}
                   for i, t in enumerate(texts)]  # fmt: skip
    return {
        "external_id": f"bench-{uuid.uuid4().hex}", "channel": "voice", "started_at": "2026-11-20T14:00:00Z",
        "customer": {"identifiers": [{"type": "crm", "value": f"bench-{customer}"}]}, "utterances": utterances,
    }  # fmt: skip


def wait_recallable(http: httpx.Client, customer_ref: str, interaction_id: str) -> None:
    while True:
        answer = http.post(f"/v1/customers/{customer_ref}/recall",
                           json={"query": "customer", "min_score": -1, "include_profile": False}).json()  # fmt: skip
        if any(item["source"]["interaction_id"] == interaction_id for item in answer.get("items", [])):
            return
        time.sleep(0.01)


def run(url: str, key: str, n_interactions: int, n_recalls: int) -> None:
    rng = random.Random(7)
    http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60)
    to_recallable = []
    for i in range(n_interactions):  # one at a time: the latency an agent sees after a call ends
        started = time.perf_counter()
        accepted = http.post("/v1/interactions", json=interaction(rng, i)).json()
        wait_recallable(http, f"crm%3Abench-{i}", accepted["interaction_id"])
        to_recallable.append(time.perf_counter() - started)
    burst = [interaction(rng, 10_000 + i) for i in range(n_interactions)]
    started = time.perf_counter()
    ids = [http.post("/v1/interactions", json=p).json()["interaction_id"] for p in burst]
    for interaction_id in ids:
        while http.get(f"/v1/interactions/{interaction_id}").json()["status"] not in ("done", "failed"):
            time.sleep(0.02)
    throughput = len(ids) / (time.perf_counter() - started)
    latencies, cold = [], []
    for i in range(n_recalls):
        query = QUERIES[i % len(QUERIES)] + ("" if i < len(QUERIES) * 5 else f" {i}")  # later ones miss the cache
        started = time.perf_counter()
        http.post(f"/v1/customers/crm%3Abench-{i % n_interactions}/recall",
                  json={"query": query, "include_profile": False})  # fmt: skip
        (latencies if i < len(QUERIES) * 5 else cold).append((time.perf_counter() - started) * 1000)
    print_table(
        "post -> recallable (sequential, s)",
        ["n", "p50", "p95", "max"],
        [[len(to_recallable), percentile(to_recallable, 50), percentile(to_recallable, 95), max(to_recallable)]],
    )
    print_table("ingestion burst", ["interactions", "per second"], [[len(ids), throughput]])
    print_table("recall over HTTP, one client (ms)", ["query embedding", "n", "p50", "p95", "p99"], [
        ["cached", len(latencies), percentile(latencies, 50), percentile(latencies, 95), percentile(latencies, 99)],
        ["computed", len(cold), percentile(cold, 50), percentile(cold, 95), percentile(cold, 99)],
    ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=50)
    parser.add_argument("--recalls", type=int, default=200)
    parser.add_argument("--url")
    parser.add_argument("--api-key")
    args = parser.parse_args()
    with running_service(args.url, args.api_key) as (url, key):
        run(url, key, args.interactions, args.recalls)


if __name__ == "__main__":
    main()
