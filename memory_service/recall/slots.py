"""How many recalls compute at once, first come first served.

threading.BoundedSemaphore lets a thread that arrives while others wait take a slot that was
just freed (the woken waiter then finds it gone and waits again), so under load some recalls
wait several turns while newer ones pass: the tail of the latency grows. Here a freed slot goes
to the longest waiter, handed over directly."""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType


class FairSlots:
    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("at least one slot")
        self.free = self.slots = slots
        self._lock = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self) -> None:
        with self._lock:
            if self.free and not self._waiters:
                self.free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        try:
            turn.acquire()  # released by the release() that hands this waiter its slot
        except BaseException:  # interrupted while waiting: leave the queue, or pass on a slot handed over
            with self._lock:
                handed = turn not in self._waiters
                if not handed:
                    self._waiters.remove(turn)
            if handed:
                self.release()
            raise

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()  # the slot passes on; `free` is unchanged
            else:
                if self.free >= self.slots:
                    raise ValueError("released more often than acquired")
                self.free += 1

    def __enter__(self) -> FairSlots:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
