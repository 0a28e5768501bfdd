"""When to send a request again: only idempotent calls, only on 429/503 or a network failure,
with exponential backoff and full jitter, honouring the service's Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` counts the first try: 4 means up to three retries. The n-th retry waits a random
    time in [0, min(max_backoff, backoff * 2**(n-1))] ("full jitter"), or the Retry-After the
    service asked for when that is longer; a Retry-After above `max_retry_after` is not waited
    for (the error is raised instead). `RetryPolicy(attempts=1)` turns retries off."""

    attempts: int = 4
    backoff: float = 0.25
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    statuses: frozenset[int] = RETRY_STATUSES
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay_after_response(self, response: httpx.Response, *, attempt: int, idempotent: bool) -> float | None:
        """Seconds to wait before trying again, or None to return/raise this response."""
        if not idempotent or response.status_code not in self.statuses or attempt >= self.attempts:
            return None
        asked = retry_after_seconds(response)
        if asked is not None and asked > self.max_retry_after:
            return None
        return max(asked or 0.0, self._backoff(attempt))

    def delay_after_error(self, *, attempt: int, idempotent: bool) -> float | None:
        """Seconds to wait after a network failure, or None to raise it."""
        if not idempotent or attempt >= self.attempts:
            return None
        return self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        return self.rng.uniform(0.0, min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
