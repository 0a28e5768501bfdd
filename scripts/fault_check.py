"""Faults against a real `memory-service up` (fresh temp data dir, embedded Postgres and Redis,
started here), with no hand restarts: `up`'s supervisor restarts what dies.

  python scripts/fault_check.py [--per-fault 10] [--large] [--keep]

Faults: (a) the worker SIGKILLed mid-task, repeatedly; (b) Redis SIGKILLed while posting;
(c) Postgres SIGKILLed while posting and recalling; (d) one interaction posted 10 times at once.
Every fault's interactions are first posted for control customers on the clean service (same
content, other phone numbers); afterwards each customer's footprint (observations, their
sources, interactions) must equal its control's. Clients retry on 503/429 with Retry-After, as
a client should during an outage; the status codes they saw are counted."""

from __future__ import annotations

import argparse
import collections
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.faultkit import Client, UpService, interaction, phone  # noqa: E402

DRAIN_TIMEOUT_S = 150.0


@dataclass
class FaultResult:
    name: str
    payloads: list[dict] = field(default_factory=list)  # type: ignore[type-arg]
    ids: list[str] = field(default_factory=list)
    posts: int = 0
    recover_s: float = float("nan")  # fault -> the service answers again (see each fault)
    drain_s: float = float("nan")  # fault -> every interaction posted is done
    seen: collections.Counter[str] = field(default_factory=collections.Counter)
    retry_after: set[str] = field(default_factory=set)
    kills: int = 0
    done: int = 0
    lost: int = 0
    duplicated: int = 0


def _post_all(client: Client, payloads: list[dict], pause: float = 0.0) -> list[str]:  # type: ignore[type-arg]
    ids = []
    for payload in payloads:
        ids.append(client.post_interaction(payload))
        time.sleep(pause)
    return ids


def _merge(result: FaultResult, *clients: Client) -> None:
    for client in clients:
        result.seen.update(client.seen)
        result.retry_after |= client.retry_after


def worker_kills(svc: UpService, n: int, kills: int = 3) -> FaultResult:
    """SIGKILL the worker while an interaction is `processing`, `kills` times."""
    result, client = FaultResult("worker SIGKILL mid-task"), Client(svc.url)
    result.payloads = [interaction("wk", i, phone=phone(1, i), extra_utterances=120) for i in range(n)]
    result.ids = _post_all(client, result.payloads)
    started, killed_pids, stale = time.monotonic(), set[int](), set[str]()
    last_kill = started
    for _ in range(kills):
        deadline = time.monotonic() + 150  # a restarted worker loads its models first
        while time.monotonic() < deadline:
            worker = svc.child("worker")
            running = {i for i in result.ids if client.status(i) == "processing"} - stale
            if worker is not None and worker.pid not in killed_pids and running:
                killed_pids.add(svc.kill("worker"))
                last_kill = time.monotonic()
                stale |= running  # still `processing` until redelivered: not a sign of a new task
                result.kills += 1
                break
            time.sleep(0.2)
    # Recovered: the last kill -> every interaction a kill interrupted is done (redelivered).
    client.wait_done(sorted(stale), DRAIN_TIMEOUT_S)
    result.recover_s = time.monotonic() - last_kill
    _drain(client, result, started)
    return result


def _kill_while_posting(
    svc: UpService, client: Client, result: FaultResult, ids: list[str], component: str
) -> tuple[threading.Thread, float]:
    """Post the payloads in the background (ids collected into `ids`) and SIGKILL `component`
    once a third of them are posted; returns the poster and when the kill happened."""
    poster = threading.Thread(target=lambda: ids.extend(_post_all(client, result.payloads, pause=0.3)))
    poster.start()
    while len(ids) < len(result.payloads) // 3:
        time.sleep(0.05)
    started = time.monotonic()
    svc.kill(component)
    result.kills = 1
    return poster, started


def redis_kill(svc: UpService, n: int) -> FaultResult:
    """SIGKILL Redis a third of the way through posting n interactions."""
    result, client = FaultResult("redis SIGKILL while posting"), Client(svc.url)
    result.payloads = [interaction("rk", i, phone=phone(2, i)) for i in range(n)]
    ids: list[str] = []
    poster, started = _kill_while_posting(svc, client, result, ids, "redis")
    poster.join()
    result.ids = ids
    result.recover_s = _until(lambda: svc.wait_ready(timeout=120) is not None, started)
    _drain(client, result, started)
    return result


def postgres_kill(svc: UpService, n: int) -> FaultResult:
    """SIGKILL the postmaster while posting and recalling; recovery is the first recall answered after."""
    result, client, reader = FaultResult("postgres SIGKILL (post+recall)"), Client(svc.url), Client(svc.url)
    result.payloads = [interaction("pk", i, phone=phone(3, i)) for i in range(n)]
    ids: list[str] = []
    poster, started = _kill_while_posting(svc, client, result, ids, "postgres")
    recovered = None
    while recovered is None and time.monotonic() - started < 120:
        code = reader.once("POST", f"/v1/customers/phone:{phone(3, 0)}/recall", json={"query": "order"})
        if code == 200 and time.monotonic() - started > 0.5:
            recovered = time.monotonic() - started
        time.sleep(0.2)
    poster.join()
    result.ids, result.recover_s = ids, recovered if recovered is not None else float("nan")
    _merge(result, reader)
    _drain(client, result, started)
    return result


def concurrent_posts(svc: UpService, copies: int = 10) -> FaultResult:
    """The same interaction posted `copies` times at once."""
    result, client = FaultResult(f"{copies} identical posts at once"), Client(svc.url)
    payload = interaction("cc", 0, phone=phone(4, 0))
    result.payloads = [payload]
    answers: list[str] = []
    barrier = threading.Barrier(copies)

    def post() -> None:
        barrier.wait()
        answers.append(client.post_interaction(payload))

    threads = [threading.Thread(target=post) for _ in range(copies)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.posts = copies
    result.ids = sorted(set(answers))
    result.duplicated = len(result.ids) - 1
    result.recover_s = 0.0
    _drain(client, result, started)
    return result


def large_transcript(svc: UpService, small: int = 5, utterances: int = 5000) -> tuple[float, float]:
    """One `utterances`-long call, then `small` ordinary ones: (seconds until the small ones are
    done, seconds until the large one is), both from the large one's post."""
    client = Client(svc.url)
    started = time.monotonic()
    large_id = client.post_interaction(interaction("lg", 0, phone=phone(5, 0), extra_utterances=utterances - 4))
    small_ids = _post_all(client, [interaction("sm", i, phone=phone(6, i)) for i in range(small)])
    client.wait_done(small_ids, DRAIN_TIMEOUT_S)
    small_s = time.monotonic() - started
    client.wait_done([large_id], 600)
    return small_s, time.monotonic() - started


def _until(check: object, started: float) -> float:
    assert callable(check)
    check()
    return time.monotonic() - started


def _drain(client: Client, result: FaultResult, started: float) -> None:
    statuses = client.wait_done(result.ids, DRAIN_TIMEOUT_S)
    result.drain_s = time.monotonic() - started
    result.done = sum(1 for s in statuses.values() if s == "done")
    result.posts = result.posts or len(result.payloads)
    _merge(result, client)


def compare_with_control(client: Client, result: FaultResult, control: dict[str, tuple[int, int, int]]) -> None:
    """lost/duplicated from each customer's footprint against its control's."""
    posted = {p["customer"]["identifiers"][0]["value"]: p for p in result.payloads}
    result.lost = max(0, len(result.payloads) - result.done)
    for number, payload in posted.items():
        got, want = client.footprint(number), control[payload["external_id"]]
        result.duplicated += sum(max(0, g - w) for g, w in zip(got, want, strict=True))
        result.lost += 1 if any(g < w for g, w in zip(got, want, strict=True)) else 0


def control_footprints(client: Client, payloads: list[dict]) -> dict[str, tuple[int, int, int]]:  # type: ignore[type-arg]
    """Post every payload for a control customer (phone group 9xx) on the clean service."""
    copies = []
    for k, payload in enumerate(payloads):
        copy = {**payload, "external_id": f"control-{payload['external_id']}",
                "customer": {**payload["customer"], "identifiers": [{"type": "phone", "value": phone(900, k)}]}}
        copies.append(copy)  # fmt: skip
    ids = _post_all(client, copies)
    statuses = client.wait_done(ids, DRAIN_TIMEOUT_S)
    assert all(s == "done" for s in statuses.values()), statuses
    return {p["external_id"]: client.footprint(phone(900, k)) for k, p in enumerate(payloads)}


def print_table(results: list[FaultResult]) -> None:
    head = f"{'fault':32} {'kills':>5} {'posts':>5} {'done':>4} {'lost':>4} {'dup':>3} {'recover_s':>9} {'drain_s':>7}"
    print(head + "  statuses seen (Retry-After on 503/429)")
    for r in results:
        seen = ", ".join(f"{k}x{v}" for k, v in sorted(r.seen.items()))
        retry = ",".join(sorted(r.retry_after)) or "-"
        print(f"{r.name:32} {r.kills:>5} {r.posts:>5} {r.done:>4} {r.lost:>4} {r.duplicated:>3} {r.recover_s:>9.1f} "
              f"{r.drain_s:>7.1f}  {seen} (Retry-After: {retry})")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-fault", type=int, default=10, help="interactions posted per fault")
    parser.add_argument("--large", action="store_true", help="also: a 5,000-utterance call beside small ones")
    parser.add_argument("--keep", action="store_true", help="keep the temp data dir and up's log")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="fault-check-"))
    svc = UpService(workdir / "data")
    try:
        print(f"up ready in {svc.wait_ready(timeout=600):.1f}s ({svc.url}, log {svc.log_path})", flush=True)
        n = args.per_fault
        planned = [interaction("wk", i, phone="x", extra_utterances=120) for i in range(n)]
        planned += [interaction(tag, i, phone="x") for tag in ("rk", "pk") for i in range(n)]
        planned += [interaction("cc", 0, phone="x")]
        control = control_footprints(Client(svc.url), planned)
        print(f"clean run: {len(control)} interactions done", flush=True)
        results = [worker_kills(svc, n), redis_kill(svc, n), postgres_kill(svc, n), concurrent_posts(svc)]
        for result in results:
            compare_with_control(Client(svc.url), result, control)
        zombies = svc.zombies()
        print_table(results)
        print(f"zombies under up: {zombies}; restarts: {_restarts(svc)}")
        if args.large:
            small_s, large_s = large_transcript(svc)
            print(f"5,000-utterance call posted, then 5 small ones: small ones done after {small_s:.1f}s, "
                  f"the large one after {large_s:.1f}s")  # fmt: skip
        return 0 if all(r.lost == 0 and r.duplicated == 0 for r in results) and zombies == 0 else 1
    finally:
        print(f"up exited {svc.stop()}")
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _restarts(svc: UpService) -> dict[str, float]:
    text = Client(svc.url).request("GET", "/metrics").text
    return {line.split('"')[1]: float(line.split()[-1]) for line in text.splitlines()
            if line.startswith("memory_component_restarts_total{")}  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
