"""Per-key rate limits: a token bucket per key, refilled continuously.

A key with a limit of N a minute may burst up to N requests, then gets one more every 60/N
seconds; a refused request learns how long until the next one fits (`Retry-After`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from memory_service.errors import RateLimitedError


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str, *, per_minute: int) -> None:
        """Spend one request of `key`'s allowance, or raise RateLimitedError with the wait."""
        now = self._clock()
        rate = per_minute / 60.0
        with self._lock:
            tokens, at = self._buckets.get(key, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - at) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / rate
                raise RateLimitedError(
                    f"rate limit of {per_minute} requests a minute reached for this key; retry in {wait:.1f} s",
                    retry_after=wait, loc=("header", "authorization"),
                )  # fmt: skip
            self._buckets[key] = (tokens - 1.0, now)
