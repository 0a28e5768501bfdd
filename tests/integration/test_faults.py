"""Faults against a real `memory-service up` (embedded Postgres and Redis, its own worker), with
no hand restarts: the supervisor restarts what is killed, and nothing is lost or duplicated:
each customer's footprint (observations, their sources, interactions) equals a control
customer's that got the same interactions on the clean service. One `up` serves the module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.fault_check import (
    FaultResult,
    compare_with_control,
    concurrent_posts,
    control_footprints,
    postgres_kill,
    redis_kill,
    worker_kills,
)
from scripts.faultkit import Client, UpService, interaction

pytestmark = pytest.mark.integration

N = 4  # interactions per fault: enough to cross the fault, small enough for two cores


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpService]:
    service = UpService(Path(tmp_path_factory.mktemp("faults")) / "data")
    try:
        service.wait_ready(timeout=600)  # a loaded 2-core box: minutes to load models
        yield service
    finally:
        assert service.stop() == 0, service.log_tail()


@pytest.fixture(scope="module")
def control(svc: UpService) -> dict[str, tuple[int, int, int]]:
    """What the clean service stores for every interaction the faults will post."""
    planned = [interaction("wk", i, phone="x", extra_utterances=120) for i in range(N)]
    planned += [interaction(tag, i, phone="x") for tag in ("rk", "pk") for i in range(N)]
    planned += [interaction("cc", 0, phone="x")]
    return control_footprints(Client(svc.url), planned)


def _nothing_lost_or_duplicated(svc: UpService, result: FaultResult, control: dict[str, tuple[int, int, int]]) -> None:
    compare_with_control(Client(svc.url), result, control)
    assert (result.done, result.lost, result.duplicated) == (len(result.payloads), 0, 0), result
    assert svc.zombies() == 0


def test_ten_concurrent_identical_posts_make_one_interaction(svc: UpService, control: dict) -> None:  # type: ignore[type-arg]
    result = concurrent_posts(svc, copies=10)
    assert len(result.ids) == 1 and result.seen["202"] == 1 and "409" not in result.seen, result.seen
    _nothing_lost_or_duplicated(svc, result, control)


def test_worker_killed_mid_task_processes_each_interaction_once(svc: UpService, control: dict) -> None:  # type: ignore[type-arg]
    result = worker_kills(svc, N, kills=1)
    assert result.kills == 1
    _nothing_lost_or_duplicated(svc, result, control)
    assert "component_exited" in svc.log_tail(200_000) and "component_restarted" in svc.log_tail(200_000)


def test_redis_killed_while_posting_loses_nothing(svc: UpService, control: dict) -> None:  # type: ignore[type-arg]
    result = redis_kill(svc, N)
    _nothing_lost_or_duplicated(svc, result, control)
    assert svc.child("redis") is not None  # restarted by the supervisor


def test_postgres_killed_answers_503_with_retry_after_then_recovers(svc: UpService, control: dict) -> None:  # type: ignore[type-arg]
    result = postgres_kill(svc, N)
    assert "500" not in result.seen, result.seen
    assert result.recover_s < 60, result
    assert result.seen["503"] > 0 and "none" not in result.retry_after, (result.seen, result.retry_after)
    _nothing_lost_or_duplicated(svc, result, control)
    assert svc.child("postgres") is not None
