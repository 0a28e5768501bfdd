"""The supervisor's restart policy, on a fake component and a fake clock: exponential backoff
from 1 s to 30 s, reset after a minute healthy, every exit and restart counted."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from memory_service.cli import supervisor
from memory_service.metrics import COMPONENT_EXITS, COMPONENT_RESTARTS


class FakeComponent(supervisor.Component):
    name = "fake-unit"

    def __init__(self) -> None:
        self.alive, self.starts, self.fail_starts = True, 0, 0

    def pids(self) -> set[int]:
        return set()

    def exit_code(self, reaped: dict[int, int]) -> int | None:
        return None if self.alive else -9

    def start(self) -> None:
        if self.fail_starts:
            self.fail_starts -= 1
            raise RuntimeError("not yet")
        self.starts += 1
        self.alive = True


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(supervisor.time, "monotonic", lambda: now[0])
    return now


def _count(counter: object) -> float:
    return counter.labels(component="fake-unit")._value.get()  # type: ignore[attr-defined]


def _delays(slot: supervisor._Slot, sup: supervisor.Supervisor, clock: list[float], deaths: int) -> list[float]:
    """Kill the component `deaths` times in a row; the delay before each restart."""
    seen = []
    for _ in range(deaths):
        slot.component.alive = False  # type: ignore[attr-defined]
        sup._check(slot, {})
        assert slot.restart_at is not None
        seen.append(slot.restart_at - clock[0])
        clock[0] = slot.restart_at
        sup._check(slot, {})
        assert slot.restart_at is None
    return seen


def test_backoff_doubles_to_thirty_seconds_and_resets_after_a_healthy_minute(clock: list[float]) -> None:
    sup, component = supervisor.Supervisor(), FakeComponent()
    slot = supervisor._Slot(component)
    exits, restarts = _count(COMPONENT_EXITS), _count(COMPONENT_RESTARTS)
    assert _delays(slot, sup, clock, 7) == [1, 2, 4, 8, 16, 30, 30]
    assert component.starts == 7
    assert _count(COMPONENT_EXITS) - exits == 7 and _count(COMPONENT_RESTARTS) - restarts == 7
    clock[0] += 61  # a minute healthy
    sup._check(slot, {})
    assert _delays(slot, sup, clock, 2) == [1, 2]


def test_a_failed_restart_is_tried_again_later(clock: list[float]) -> None:
    sup, component = supervisor.Supervisor(), FakeComponent()
    slot = supervisor._Slot(component)
    component.alive, component.fail_starts = False, 2
    sup._check(slot, {})  # died: restart in 1 s
    for expected_wait in (2, 4):  # two failed starts, each pushing the next try further
        clock[0] = slot.restart_at or 0
        sup._check(slot, {})
        assert slot.restart_at == pytest.approx(clock[0] + expected_wait)
    clock[0] = slot.restart_at or 0
    sup._check(slot, {})
    assert slot.restart_at is None and component.starts == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_CHILD_SUBREAPER is Linux's")
def test_orphaned_zombies_are_reaped() -> None:
    """A grandchild orphaned to this (subreaper) process is reaped once it has stayed a zombie a tick."""
    supervisor.become_subreaper()
    # The shell exits at once; its background sleep becomes our orphan, then a zombie.
    subprocess.run(["sh", "-c", "sleep 0.2 & echo $!"], check=True, capture_output=True)
    sup = supervisor.Supervisor()
    time.sleep(0.6)
    reaped: dict[int, int] = {}
    for _ in range(3):
        reaped.update(sup._reap())
    assert reaped and set(reaped.values()) == {0}, reaped
