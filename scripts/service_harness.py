"""Run the real service for a script: `memory-service up` on a temp data dir and a free
port with embedded Postgres and Redis, or an already running service given its URL."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BOOTSTRAP_KEY = "script-bootstrap-key-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, *, timeout: float = 120.0, proc: subprocess.Popen[bytes] | None = None) -> float:
    started = time.monotonic()
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("memory-service up exited before it was ready")
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{url} not ready after {timeout}s")
        time.sleep(0.25)


@contextmanager
def running_service(
    url: str | None = None, api_key: str | None = None, *, concurrency: int = 1,
    extra_env: dict[str, str] | None = None, port: int = 0,
) -> Iterator[tuple[str, str]]:  # fmt: skip
    """Yield (base_url, api_key). Without a URL, start `memory-service up` (on `port`, or a free
    one) and stop it afterwards."""
    if url:
        yield url.rstrip("/"), api_key or os.environ.get("MEMORY_API_KEY", "")
        return
    data_dir = Path(tempfile.mkdtemp(prefix="ms-script-"))
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("MEMORY_DATABASE_URL", "MEMORY_REDIS_URL")}
    env.update({"MEMORY_BOOTSTRAP_API_KEY": BOOTSTRAP_KEY, "HF_HUB_OFFLINE": "1", "MEMORY_LOG_LEVEL": "WARNING"})
    env.update(extra_env or {})
    log = open(data_dir / "up.log", "wb")  # noqa: SIM115
    cmd = [sys.executable, "-m", "memory_service.cli", "up", "--port", str(port), "--data-dir", str(data_dir / "d"),
           "--concurrency", str(concurrency)]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc=proc)
        yield base, BOOTSTRAP_KEY
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def print_table(title: str, header: list[str], rows: list[list[object]]) -> None:
    cells = [[str(c) for c in header]] + [[f"{c:.3f}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    for i, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
