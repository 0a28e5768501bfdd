"""What `up` started, kept running: the Celery worker, embedded Redis and embedded Postgres are
restarted when they die, with exponential backoff (1 s doubling to 30 s, back to 1 s after a
minute healthy); every exit is logged (`component_exited`, with the exit code) and counted
(memory_component_exits_total / memory_component_restarts_total on the API's /metrics, since
`up` serves the API in this process).

`up` makes itself a child subreaper, so the postmaster (which pg_ctl daemonises) and anything
else orphaned below it become its children; the supervisor reaps them, so nothing is left a
zombie, and a killed postmaster's pid stops looking alive to pgserver (which then starts it
again on the same socket)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import psutil
import structlog

from memory_service.metrics import COMPONENT_EXITS, COMPONENT_RESTARTS

log = structlog.get_logger(__name__)

BACKOFF_FIRST_S, BACKOFF_MAX_S, HEALTHY_RESET_S = 1.0, 30.0, 60.0
TICK_S = 0.5
PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG = 36, 1


def _prctl(option: int, value: int) -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(option, value)
    except OSError:  # not Linux: no subreaper, no parent-death signal
        pass


def become_subreaper() -> None:
    """Orphaned descendants (the daemonised postmaster) reparent to this process, not to init."""
    _prctl(PR_SET_CHILD_SUBREAPER, 1)


def die_with_parent() -> None:
    """In a child: SIGTERM when the thread that forked it (the supervisor's) ends."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Component(ABC):
    name: str

    @abstractmethod
    def pids(self) -> set[int]:
        """Processes this component waits for itself (the zombie reaper leaves them alone)."""

    @abstractmethod
    def exit_code(self, reaped: dict[int, int]) -> int | None:
        """None while it runs; else how it ended (reaped: exit codes of children reaped this tick)."""

    @abstractmethod
    def start(self) -> None: ...

    def stop(self) -> None:  # noqa: B027  (what the supervisor started itself is stopped here)
        pass


class WorkerComponent(Component):
    name = "worker"

    def __init__(self, command: list[str], name: str = "worker", env: dict[str, str] | None = None) -> None:
        self.command, self.name, self.env = command, name, env
        self.proc: subprocess.Popen[bytes] | None = None

    def pids(self) -> set[int]:
        return {self.proc.pid} if self.proc else set()

    def exit_code(self, reaped: dict[int, int]) -> int | None:
        return self.proc.poll() if self.proc else None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.command, preexec_fn=die_with_parent, env=self.env)
        log.info("worker_started", component=self.name, pid=self.proc.pid)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class RedisComponent(Component):
    """The EmbeddedRedis handle; started again on the same socket (its AOF replays the queue)."""

    name = "redis"

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def pids(self) -> set[int]:
        return {self.handle.process.pid}

    def exit_code(self, reaped: dict[int, int]) -> int | None:
        return int(self.handle.process.poll()) if self.handle.process.poll() is not None else None

    def start(self) -> None:
        self.handle.start()


class PostgresComponent(Component):
    """pgserver's PostgresServer handle. Its postmaster is reaped by the supervisor (this
    process is its subreaper); ensure_postgres_running() then finds it gone and runs pg_ctl."""

    name = "postgres"

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def pids(self) -> set[int]:
        return set()

    def exit_code(self, reaped: dict[int, int]) -> int | None:
        pid = self.handle.get_pid()
        if pid in reaped:
            return reaped[pid]
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return None
        except psutil.NoSuchProcess:
            return -1  # ended, reaped by someone else: the code is unknown
        return None  # a zombie not yet reaped: next tick

    def start(self) -> None:
        with self.handle._lock:  # pgserver's inter-process lock, as get_server() takes it
            self.handle.ensure_postgres_running()


class _Slot:
    """One component's restart state."""

    def __init__(self, component: Component) -> None:
        self.component = component
        self.delay = BACKOFF_FIRST_S
        self.healthy_since = time.monotonic()
        self.restart_at: float | None = None


class Supervisor:
    """A thread that reaps children and restarts components that died. Components added with
    start_when (the worker) start once that answers True, so they do not compete with the API
    while it loads."""

    def __init__(self) -> None:
        self._slots: list[_Slot] = []
        self._pending: list[tuple[Component, Callable[[], bool]]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._zombies_seen: set[int] = set()
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)

    def watch(self, component: Component) -> None:
        """A component already running."""
        self._slots.append(_Slot(component))

    def start_when(self, component: Component, ready: Callable[[], bool]) -> None:
        self._pending.append((component, ready))

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(TICK_S):
            with self._lock:
                if self._stop.is_set():
                    return
                self._start_pending()
                reaped = self._reap()
                for slot in self._slots:
                    self._check(slot, reaped)

    def _start_pending(self) -> None:
        for item in list(self._pending):
            component, ready = item
            try:
                is_ready = ready()
            except Exception:  # noqa: BLE001  (not ready yet)
                is_ready = False
            if is_ready:
                self._pending.remove(item)
                component.start()
                self._slots.append(_Slot(component))

    def _reap(self) -> dict[int, int]:
        """Reap children nobody else waits for: zombies that stayed zombies for a whole tick
        (subprocess.run reaps its own at once) and are not a component's Popen. Returns their
        exit codes."""
        owned = {pid for slot in self._slots for pid in slot.component.pids()}
        zombies: set[int] = set()
        for child in psutil.Process().children():
            try:
                if child.pid not in owned and child.status() == psutil.STATUS_ZOMBIE:
                    zombies.add(child.pid)
            except psutil.NoSuchProcess:
                continue
        reaped: dict[int, int] = {}
        for pid in zombies & self._zombies_seen:
            try:
                _, status = os.waitpid(pid, os.WNOHANG)
                reaped[pid] = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                continue
        self._zombies_seen = zombies - set(reaped)
        return reaped

    def _check(self, slot: _Slot, reaped: dict[int, int]) -> None:
        now = time.monotonic()
        if slot.restart_at is None:
            code = slot.component.exit_code(reaped)
            if code is None:
                if now - slot.healthy_since >= HEALTHY_RESET_S:
                    slot.delay = BACKOFF_FIRST_S
                return
            COMPONENT_EXITS.labels(component=slot.component.name).inc()
            log.warning("component_exited", component=slot.component.name, exit_code=code,
                        restart_in_s=slot.delay)  # fmt: skip
            slot.restart_at = now + slot.delay
            slot.delay = min(slot.delay * 2, BACKOFF_MAX_S)
            return
        if now < slot.restart_at:
            return
        try:
            slot.component.start()
        except Exception as exc:  # noqa: BLE001  (tried again after the next delay)
            log.warning("component_restart_failed", component=slot.component.name, error=str(exc)[:300],
                        retry_in_s=slot.delay)  # fmt: skip
            slot.restart_at = time.monotonic() + slot.delay
            slot.delay = min(slot.delay * 2, BACKOFF_MAX_S)
            return
        COMPONENT_RESTARTS.labels(component=slot.component.name).inc()
        log.warning("component_restarted", component=slot.component.name)
        slot.restart_at, slot.healthy_since = None, time.monotonic()

    def stop(self) -> None:
        """Stop supervising, then stop what the supervisor started itself (the worker)."""
        with self._lock:
            self._stop.set()
        self._thread.join(timeout=30)
        for slot in reversed(self._slots):
            slot.component.stop()
