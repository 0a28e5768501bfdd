"""Keeps the in-process index current with Postgres.

Writers append to `memory_changes` and NOTIFY in the same transaction. The syncer LISTENs
for low latency and also polls the table (with an overlap window longer than any
transaction) so a missed notification, a dropped connection or another replica's write is
still picked up. Every change is applied by reloading that customer's active vectors,
which makes adds, supersedes and deletions one idempotent operation.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import structlog
from psycopg_pool import ConnectionPool

from memory_service.db import to_numpy
from memory_service.index.base import VectorIndex
from memory_service.index.faiss_index import CustomerVectorIndex
from memory_service.index.lexical import UnitLexemes
from memory_service.index.snapshot import load_snapshot, save_snapshot
from memory_service.units import changes
from memory_service.units import repository as units

log = structlog.get_logger(__name__)
POLL_OVERLAP = timedelta(seconds=60)


def unit_lexemes(row: dict[str, Any]) -> UnitLexemes:
    """What the lexical index keeps of a unit row (units.stream_vectors / customer_vectors)."""
    segment = row["unit_type"] == "segment"
    return UnitLexemes(
        lexemes=row["lexemes"] or [], tfs=row["tfs"] or [], kind=row["kind"], observed_at=row["observed_at"],
        interaction_id=str(row["interaction_id"]) if segment else None, position=row["position"] if segment else None,
    )  # fmt: skip


def build_index(pool: ConnectionPool, index: CustomerVectorIndex) -> int:
    """Load every recall unit (active observations, segments, summaries), customer by customer."""
    count = 0
    with pool.connection() as conn:
        current: tuple[str, str] | None = None
        rows: list[dict[str, Any]] = []
        for row in units.stream_vectors(conn):
            key = (str(row["tenant_id"]), str(row["customer_id"]))
            if key != current:
                if current is not None:
                    _replace(index, current[0], current[1], rows)
                current, rows = key, []
            rows.append(row)
            count += 1
        if current is not None:
            _replace(index, current[0], current[1], rows)
        conn.commit()
    index.ready = True
    return count


def _replace(index: VectorIndex, tenant_id: str, customer_id: str, rows: list[dict[str, Any]]) -> None:
    """The customer's vectors and lexemes, from the same rows, in one entry."""
    index.replace_customer(
        tenant_id=tenant_id, customer_id=customer_id, ids=[str(r["id"]) for r in rows],
        types=[r["unit_type"] for r in rows], vectors=np.stack([to_numpy(r["embedding"]) for r in rows]),
        lexical=[unit_lexemes(r) for r in rows],
    )  # fmt: skip


def _count_units(pool: ConnectionPool) -> int:
    with pool.connection() as conn:
        count = units.count_units(conn)
        conn.commit()
    return count


def refresh_customer(pool: ConnectionPool, index: VectorIndex, *, tenant_id: str, customer_id: str) -> int:
    """Reload one customer's units; returns how many it has now (0: gone, e.g. erased)."""
    with pool.connection() as conn:
        rows = units.customer_vectors(conn, customer_id=customer_id)
        conn.commit()
    if not rows:
        index.remove_customer(customer_id=customer_id)
        return 0
    _replace(index, tenant_id, customer_id, rows)
    return len(rows)


def _clock(pool: ConnectionPool) -> datetime:
    with pool.connection() as conn:
        row: Any = conn.execute("SELECT clock_timestamp() AS now").fetchone()
        conn.commit()
    return row["now"]  # type: ignore[no-any-return]


def catch_up(pool: ConnectionPool, index: CustomerVectorIndex, *, since: datetime) -> int:
    """Reload every customer changed after `since` (minus the overlap); returns how many."""
    with pool.connection() as conn:
        rows = changes.changed_customers(conn, since=since - POLL_OVERLAP)
        conn.commit()
    for row in rows:
        refresh_customer(pool, index, tenant_id=str(row["tenant_id"]), customer_id=str(row["customer_id"]))
    return len(rows)


class IndexSynchronizer:
    def __init__(
        self, pool: ConnectionPool, url: str, index: CustomerVectorIndex, *, poll_seconds: float = 2.0,
        snapshot_path: Path | None = None, snapshot_interval: float = 300.0,
    ):  # fmt: skip
        self.pool = pool
        self.url = url
        self.index = index
        self.poll_seconds = poll_seconds
        self.snapshot_path = snapshot_path
        self.snapshot_interval = snapshot_interval
        self._dirty = False
        self._erased = False  # a customer left the index: rewrite the snapshot now, not at the interval
        self._last_snapshot = time.monotonic()
        self.started_from = "postgres"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._since: datetime | None = None
        self._applied: dict[int, float] = {}  # change id -> when applied, pruned past the overlap

    def start(self) -> None:
        now = _clock(self.pool)
        if not self._start_from_snapshot():
            self.index.clear()
            build_index(self.pool, self.index)
            self.started_from = "postgres"
            self._dirty = True
        self._since = now
        self.index.ready = True
        self._thread = threading.Thread(target=self._run, name="index-sync", daemon=True)
        self._thread.start()

    def _start_from_snapshot(self) -> bool:
        if self.snapshot_path is None:
            return False
        started = time.perf_counter()
        since = load_snapshot(self.index, self.snapshot_path)
        if since is None:
            return False
        loaded = time.perf_counter()
        changed = catch_up(self.pool, self.index, since=since)
        caught_up = time.perf_counter()
        expected = _count_units(self.pool)
        counted = time.perf_counter()
        if expected != len(self.index):  # a stale or foreign snapshot: Postgres decides
            log.warning("index_snapshot_disagrees", index_units=len(self.index), postgres_units=expected)
            return False
        log.info("index_loaded_from_snapshot", units=expected, customers_caught_up=changed,
                 load_s=round(loaded - started, 3), catch_up_s=round(caught_up - loaded, 3),
                 count_s=round(counted - caught_up, 3))  # fmt: skip
        self.started_from = "snapshot"
        return True

    def save_snapshot(self) -> None:
        if self.snapshot_path is None or self._since is None:
            return
        try:
            saved = save_snapshot(self.index, self.snapshot_path, since=self._since)
            self._dirty = False
            self._last_snapshot = time.monotonic()
            log.info("index_snapshot_saved", units=saved)
        except Exception:
            log.exception("index_snapshot_failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        if self._dirty:
            self.save_snapshot()

    def _apply(self, change_id: int, tenant_id: str, customer_id: str) -> None:
        if change_id in self._applied:
            return
        self._applied[change_id] = time.monotonic()
        self._dirty = True
        try:
            if refresh_customer(self.pool, self.index, tenant_id=tenant_id, customer_id=customer_id) == 0:
                self._erased = True
        except Exception:  # keep syncing other customers; the next poll retries this one
            self._applied.pop(change_id, None)
            log.exception("index_refresh_failed", customer_id=customer_id)

    def poll_changes(self) -> int:
        assert self._since is not None
        with self.pool.connection() as conn:
            clock: Any = conn.execute("SELECT clock_timestamp() AS now").fetchone()
            now = clock["now"]
            rows = changes.changes_since(conn, since=self._since - POLL_OVERLAP)
            conn.commit()
        for row in rows:
            self._apply(row["id"], str(row["tenant_id"]), str(row["customer_id"]))
        self._since = now
        horizon = time.monotonic() - 2 * POLL_OVERLAP.total_seconds()
        self._applied = {k: v for k, v in self._applied.items() if v >= horizon}
        return len(rows)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {changes.CHANNEL_NAME}")
                    self.poll_changes()  # anything written while we were not listening
                    last_poll = time.monotonic()
                    while not self._stop.is_set():
                        for notify in conn.notifies(timeout=0.5, stop_after=100):
                            change_id, tenant_id, customer_id = notify.payload.split(":")
                            self._apply(int(change_id), tenant_id, customer_id)
                        if time.monotonic() - last_poll >= self.poll_seconds:
                            self.poll_changes()
                            last_poll = time.monotonic()
                        due = time.monotonic() - self._last_snapshot >= self.snapshot_interval
                        if self._erased or (self._dirty and due):
                            self._erased = False
                            self.save_snapshot()
            except Exception:
                log.exception("index_sync_connection_lost")
                self._stop.wait(1.0)
