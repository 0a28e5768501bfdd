"""Faults against a real `memory-service up`, shared by scripts/fault_check.py and
tests/integration/test_faults.py: start `up` on a fresh data dir, find and SIGKILL what it
supervises, post and read like a client that retries on 503/429 (honouring Retry-After), and
count per customer what was stored (observations, their sources, interactions)."""

from __future__ import annotations

import collections
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

KEY = "fault-check-key-0123456789abcdef"
# Short timeouts, so a message lost with a killed worker is redelivered within a test's time:
# the broker redelivers an unacknowledged message after 2 x the processing timeout.
FAST_RECOVERY_ENV = {
    "MEMORY_PROCESSING_TIMEOUT_SECONDS": "10",
    "MEMORY_REQUEUE_AFTER_SECONDS": "5",
    "MEMORY_REAPER_INTERVAL_SECONDS": "2",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class UpService:
    """`memory-service up` on data_dir, its log in data_dir/../up.log."""

    def __init__(self, data_dir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.data_dir, self.port = data_dir, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"{data_dir.name}-up.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEMORY_")}
        env.update({"MEMORY_BOOTSTRAP_API_KEY": KEY, "HF_HUB_OFFLINE": "1", "MEMORY_LOG_JSON": "true",
                    "TOKENIZERS_PARALLELISM": "false", **FAST_RECOVERY_ENV, **(extra_env or {})})  # fmt: skip
        self._log = open(self.log_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "memory_service.cli", "up", "--port", str(self.port), "--data-dir", str(data_dir)],
            env=env, stdout=subprocess.DEVNULL, stderr=self._log,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 180.0, *, worker: bool = True) -> float:
        """Seconds until /readyz answers 200 (and, with worker, a worker has beaten)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError("up exited:\n" + self.log_tail())
            try:
                answer = httpx.get(f"{self.url}/readyz", timeout=3)
                if answer.status_code == 200 and (not worker or answer.json().get("worker", {}).get("ok")):
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise TimeoutError(f"not ready after {timeout}s:\n" + self.log_tail())

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def child(self, component: str) -> psutil.Process | None:
        """The running worker, redis-server or postmaster started by `up`."""
        for proc in psutil.Process(self.proc.pid).children():
            try:
                cmdline = " ".join(proc.cmdline())
                if proc.status() == psutil.STATUS_ZOMBIE:
                    continue
            except psutil.NoSuchProcess:
                continue
            if component == "worker" and "memory_service.cli worker" in cmdline and "large" not in cmdline:
                return proc
            if component == "worker-large" and "memory_service.cli worker" in cmdline and "large" in cmdline:
                return proc
            if component == "redis" and "redis-server" in cmdline:
                return proc
            if component == "postgres" and "postgres" in proc.name() and " -D " in cmdline:
                return proc
        return None

    def kill(self, component: str) -> int:
        proc = self.child(component)
        assert proc is not None, f"no {component} under up"
        os.kill(proc.pid, signal.SIGKILL)
        return proc.pid

    def zombies(self) -> int:
        return sum(1 for p in psutil.Process(self.proc.pid).children(recursive=True)
                   if p.status() == psutil.STATUS_ZOMBIE)  # fmt: skip

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()
        return self.proc.returncode


@dataclass
class Client:
    """Retries on 503/429 (Retry-After, capped) and on connection errors; counts every status seen."""

    url: str
    key: str = KEY
    seen: collections.Counter[str] = field(default_factory=collections.Counter)
    retry_after: set[str] = field(default_factory=set)  # headers on the 503s seen

    def request(self, method: str, path: str, *, give_up_s: float = 120.0, **kwargs: Any) -> httpx.Response:
        deadline = time.monotonic() + give_up_s
        while True:
            try:
                answer = httpx.request(method, f"{self.url}{path}", headers={"Authorization": f"Bearer {self.key}"},
                                       timeout=15, **kwargs)  # fmt: skip
                self.seen[str(answer.status_code)] += 1
                if answer.status_code not in (503, 429):
                    return answer
                self.retry_after.add(answer.headers.get("Retry-After", "none"))
                wait = min(float(answer.headers.get("Retry-After", "1")), 2.0)
            except httpx.TransportError as exc:
                self.seen[type(exc).__name__] += 1
                wait = 0.5
            if time.monotonic() + wait > deadline:
                raise TimeoutError(f"{method} {path}: gave up; saw {dict(self.seen)}")
            time.sleep(wait)

    def once(self, method: str, path: str, **kwargs: Any) -> int | None:
        """One attempt, counted; the status, or None when the connection failed."""
        try:
            answer = httpx.request(method, f"{self.url}{path}", headers={"Authorization": f"Bearer {self.key}"},
                                   timeout=15, **kwargs)  # fmt: skip
        except httpx.TransportError as exc:
            self.seen[type(exc).__name__] += 1
            return None
        self.seen[str(answer.status_code)] += 1
        if answer.status_code in (503, 429):
            self.retry_after.add(answer.headers.get("Retry-After", "none"))
        return answer.status_code

    def post_interaction(self, payload: dict[str, Any]) -> str:
        answer = self.request("POST", "/v1/interactions", json=payload)
        assert answer.status_code in (200, 202), answer.text
        return str(answer.json()["interaction_id"])

    def status(self, interaction_id: str) -> str:
        return str(self.request("GET", f"/v1/interactions/{interaction_id}").json()["status"])

    def wait_done(self, ids: list[str], timeout: float) -> dict[str, str]:
        """Statuses once every id is done or failed, or at the timeout."""
        deadline, statuses = time.monotonic() + timeout, {}
        pending = list(ids)
        while pending and time.monotonic() < deadline:
            for interaction_id in list(pending):
                statuses[interaction_id] = self.status(interaction_id)
                if statuses[interaction_id] in ("done", "failed"):
                    pending.remove(interaction_id)
            if pending:
                time.sleep(0.5)
        return statuses

    def footprint(self, phone: str) -> tuple[int, int, int]:
        """(observations, their sources, interactions) stored for the customer, from the export."""
        answer = self.request("GET", f"/v1/customers/phone:{phone}/export")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        observations = body["observations"]
        return len(observations), sum(len(o["sources"]) for o in observations), len(body["interactions"])


TOPICS = [
    ("My order {n} arrived damaged and the box was crushed.", "I'm sorry, I will send a replacement by Friday."),
    ("I prefer to be contacted by email, never by phone.", "Noted, we will only email you from now on."),
    ("I'm vegetarian, so please stop sending me the meat boxes.", "Understood, I've switched your plan."),
    ("The refund for order {n} still hasn't arrived after two weeks.", "I will escalate the refund today."),
    ("I'm moving to Denver next month and need to change my address.", "I'll update it once you have it."),
]


def interaction(tag: str, index: int, *, phone: str, extra_utterances: int = 0) -> dict[str, Any]:
    """A deterministic call: its content depends only on index (and extra_utterances), its
    identity on tag and phone, so a control copy for another phone must store the same."""
    customer_text, agent_text = TOPICS[index % len(TOPICS)]
    lines = [("agent", "Thanks for calling, how can I help?"), ("customer", customer_text.format(n=88100 + index)),
             ("agent", agent_text), ("customer", "Thank you, that's all.")]  # fmt: skip
    for k in range(extra_utterances):  # small talk that lengthens the task
        lines.append(("customer" if k % 2 else "agent", f"Just checking line {k}: the weather is mild today."))
    return {
        "external_id": f"{tag}-{index}",
        "customer": {"identifiers": [{"type": "phone", "value": phone}], "name": f"Customer {index}"},
        "channel": "voice", "started_at": "2026-11-20T14:02:00Z", "ended_at": "2026-11-20T14:09:30Z",
        "utterances": [{"id": f"u{i + 1}", "role": role, "text": text} for i, (role, text) in enumerate(lines)],
        "metadata": {},
    }  # fmt: skip


def phone(group: int, index: int) -> str:
    return f"+1555{group:03d}{index:04d}"
