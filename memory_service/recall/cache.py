"""Answers of repeated recalls, kept until the customer's memory changes.

An orchestrator asks the same thing of the same customer turn after turn, and an agent's page
reloads. Such a recall is answered from here: the key is the customer, the version of its
entry in the index (every change record reloads the entry, so a new interaction, an edit, a
merge or an erasure starts afresh) and the whole request (query, filters, budget, as_of...).
A kept answer is served only once Postgres confirms that every unit in it still exists and is
active (one query by primary key), so nothing deleted, superseded or retracted since comes
back, as on the uncached path. `ttl_seconds` bounds how long a recency prior computed from the
clock (no as_of) is reused; 0 turns the cache off.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable

from schemas.recall import RecallResponse


class RecallCache:
    def __init__(self, *, ttl_seconds: float, max_entries: int = 4096) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, RecallResponse]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0 and self.max_entries > 0

    def get(self, key: Hashable) -> RecallResponse | None:
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found is None or now - found[0] > self.ttl_seconds:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[1]

    def put(self, key: Hashable, response: RecallResponse) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), response)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
