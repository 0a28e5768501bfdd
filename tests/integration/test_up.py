"""`memory-service up` on embedded defaults, tried as a new user would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_up(tmp_path: Path, port: int, stdout: int, **extra_env: str) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    """`memory-service up` on tmp_path/data with no MEMORY_ setting but these; its log in tmp_path/up.log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMORY_")}
    env.update({"MEMORY_BOOTSTRAP_API_KEY": "up-test-key", "MEMORY_LOG_JSON": "false", "HF_HUB_OFFLINE": "1",
                **extra_env})  # fmt: skip
    log = open(tmp_path / "up.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "memory_service.cli", "up", "--port", str(port), "--data-dir", str(tmp_path / "data")],
        env=env, stdout=stdout, stderr=log,
    )  # fmt: skip
    return proc, log


def _stop(proc: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_up_runs_the_whole_service_on_embedded_defaults(tmp_path) -> None:
    port = _free_port()
    data_dir = tmp_path / "data"
    proc, log = _start_up(tmp_path, port, subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().decode().strip() == base  # it prints the base URL
        started = time.monotonic()
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "up.log").read_text()[-3000:]
            assert time.monotonic() - started < 60, "not ready within a minute"
            time.sleep(0.25)

        headers = {"Authorization": "Bearer up-test-key"}
        payload = example_interaction(external_id="call-2026-11-20-0042")
        accepted = httpx.post(f"{base}/v1/interactions", json=payload, headers=headers)
        assert accepted.status_code == 202, accepted.text
        interaction_id = accepted.json()["interaction_id"]
        deadline = time.monotonic() + 60
        while httpx.get(f"{base}/v1/interactions/{interaction_id}", headers=headers).json()["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        deadline = time.monotonic() + 10
        while True:
            answer = httpx.post(
                f"{base}/v1/customers/phone%3A%2B15551234567/recall", json={"query": "damaged order"}, headers=headers
            ).json()
            if answer["items"] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert answer["items"][0]["source"]["utterance_ids"] == ["u2"]
        again = httpx.post(f"{base}/v1/interactions", json=payload, headers=headers)
        assert again.status_code == 200 and again.json()["interaction_id"] == interaction_id
    finally:
        _stop(proc, log)
    assert proc.returncode == 0
    # The embedded Postgres it started is stopped with it.
    assert not (data_dir / "postgres" / "postmaster.pid").exists()


def test_up_with_two_api_processes_serves_from_both_on_one_port(tmp_path) -> None:
    """MEMORY_API_PROCESSES=2: a second API process shares the port (SO_REUSEPORT); memory written
    through either is recalled through both (each index follows the change feed), and stopping
    `up` stops it too. Here with MEMORY_QUERY_MICRO_BATCH=false: each recall embeds its own query."""
    import psutil

    port = _free_port()
    proc, log = _start_up(tmp_path, port, subprocess.DEVNULL, MEMORY_API_PROCESSES="2",
                           MEMORY_QUERY_MICRO_BATCH="false")
    base, headers = f"http://127.0.0.1:{port}", {"Authorization": "Bearer up-test-key"}
    try:
        pids: set[int] = set()
        started = time.monotonic()
        while len(pids) < 2:  # a new connection each time: the kernel spreads them over the two
            try:
                answer = httpx.get(f"{base}/readyz", timeout=2)
                if answer.status_code == 200:
                    pids.add(answer.json()["pid"])
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "up.log").read_text()[-3000:]
            assert time.monotonic() - started < 120, f"not two ready API processes within two minutes: {pids}"
            time.sleep(0.1)
        assert proc.pid in pids
        payload = example_interaction(external_id="call-two-apis")
        interaction_id = httpx.post(f"{base}/v1/interactions", json=payload, headers=headers).json()["interaction_id"]
        deadline = time.monotonic() + 60
        while httpx.get(f"{base}/v1/interactions/{interaction_id}", headers=headers).json()["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        found: dict[int, bool] = {}
        deadline = time.monotonic() + 30
        while len(found) < 2 or not all(found.values()):
            with httpx.Client(base_url=base, headers=headers) as http:  # a new connection: either process
                pid = http.get("/readyz").json()["pid"]
                items = http.post("/v1/customers/phone%3A%2B15551234567/recall", json={"query": "damaged order"}).json()
                found[pid] = found.get(pid, False) or bool(items["items"])
            assert time.monotonic() < deadline, found
        extra = next(p for p in pids if p != proc.pid)
    finally:
        _stop(proc, log)
    assert proc.returncode == 0
    assert not psutil.pid_exists(extra) or psutil.Process(extra).status() == psutil.STATUS_ZOMBIE
