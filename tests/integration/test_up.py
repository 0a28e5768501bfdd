"""`memory-service up` on embedded defaults, tried as a new user would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_up_runs_the_whole_service_on_embedded_defaults(tmp_path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMORY_")}
    env.update({"MEMORY_BOOTSTRAP_API_KEY": "up-test-key", "MEMORY_LOG_JSON": "false", "HF_HUB_OFFLINE": "1"})
    log = open(tmp_path / "up.log", "wb")  # noqa: SIM115
    data_dir = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "memory_service.cli", "up", "--port", str(port), "--data-dir", str(data_dir)],
        env=env, stdout=subprocess.PIPE, stderr=log,
    )  # fmt: skip
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
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    assert proc.returncode == 0
    # The embedded Postgres it started is stopped with it.
    assert not (data_dir / "postgres" / "postmaster.pid").exists()
