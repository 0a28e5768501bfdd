"""The bound on recalls computed at once serves waiters first come, first served."""

from __future__ import annotations

import threading
import time

import pytest

from memory_service.recall.slots import FairSlots


def _wait_until(check, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_a_freed_slot_goes_to_the_longest_waiter_not_to_a_newcomer() -> None:
    slots = FairSlots(1)
    order: list[str] = []
    slots.acquire()

    def take(name: str) -> None:
        with slots:
            order.append(name)
            time.sleep(0.002)

    threads = []
    for name in ("first", "second", "third"):  # they queue in this order
        t = threading.Thread(target=take, args=(name,))
        t.start()
        threads.append(t)
        _wait_until(lambda n=len(threads): len(slots._waiters) == n)
    slots.release()
    assert slots.free == 0  # handed to "first" in the release itself: nothing for a newcomer to take
    late = threading.Thread(target=take, args=("newcomer",))  # arrives as the slot is freed
    late.start()
    for t in [*threads, late]:
        t.join(5)
        assert not t.is_alive()
    assert order == ["first", "second", "third", "newcomer"]
    assert slots.free == 1


def test_no_more_than_the_slots_run_at_once() -> None:
    slots, running, most = FairSlots(2), [0], [0]
    lock = threading.Lock()

    def work() -> None:
        for _ in range(20):
            with slots:
                with lock:
                    running[0] += 1
                    most[0] = max(most[0], running[0])
                time.sleep(0.0005)
                with lock:
                    running[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
        assert not t.is_alive()
    assert most[0] == 2 and slots.free == 2


def test_at_least_one_slot_and_no_release_without_an_acquire() -> None:
    with pytest.raises(ValueError):
        FairSlots(0)
    slots = FairSlots(1)
    with pytest.raises(ValueError):
        slots.release()
