"""The client's transport-level behaviour against httpx.MockTransport: which calls are retried,
on what, how long it waits, and which typed error comes out."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest

from memory_service_client import (
    AsyncMemoryClient,
    Conflict,
    MemoryClient,
    NotFound,
    RateLimited,
    RetryPolicy,
    TransportError,
    Unavailable,
    ValidationError,
)
from schemas.interactions import InteractionAccepted

STATUS = {"interaction_id": "i1", "external_id": "e1", "customer_id": "c1", "status": "done"}
ACCEPTED = {"interaction_id": "i1", "customer_id": "c1", "status": "queued"}
INTERACTION = {"external_id": "e1", "customer": {"identifiers": [{"type": "phone", "value": "+1555"}]},
               "channel": "chat", "started_at": "2026-11-20T14:02:00Z",
               "utterances": [{"role": "customer", "text": "hi"}]}  # fmt: skip


class Script:
    """Answers requests from a list of responses (or exceptions), recording each request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _client(script: Script, **retry: float) -> tuple[MemoryClient, list[float]]:
    policy = RetryPolicy(rng=random.Random(7), **retry)  # type: ignore[arg-type]
    client = MemoryClient("http://memory.test", "k" * 30, retry=policy, transport=httpx.MockTransport(script))
    slept: list[float] = []
    client._sleep = slept.append  # no real waiting in unit tests
    return client, slept


def _busy(status: int = 503, retry_after: str | None = None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after else {}
    return httpx.Response(status, headers=headers, json={"detail": [{"type": "busy", "msg": "busy", "loc": []}]})


def test_idempotent_get_is_retried_on_503_and_returns_the_model() -> None:
    script = Script(_busy(), _busy(), httpx.Response(200, json=STATUS))
    client, slept = _client(script)
    status = client.interaction("i1")
    assert status.status == "done" and status.customer_id == "c1"
    assert len(script.requests) == 3 and len(slept) == 2
    assert script.requests[0].headers["Authorization"] == "Bearer " + "k" * 30


def test_backoff_grows_exponentially_with_full_jitter_and_is_capped() -> None:
    script = Script(*[_busy() for _ in range(6)])
    client, slept = _client(script, attempts=6, backoff=1.0, max_backoff=4.0)
    with pytest.raises(Unavailable):
        client.profile("phone:+1555")
    assert len(script.requests) == 6 and len(slept) == 5
    caps = [1.0, 2.0, 4.0, 4.0, 4.0]
    assert all(0.0 <= s <= cap for s, cap in zip(slept, caps, strict=True))
    assert len(set(slept)) == 5  # jittered, not a fixed schedule


def test_retry_after_is_honoured_on_429_and_too_long_a_wait_is_not_waited_for() -> None:
    script = Script(_busy(429, "3"), httpx.Response(200, json=STATUS))
    client, slept = _client(script)
    client.interaction("i1")
    assert slept[0] >= 3.0
    script = Script(_busy(429, "3600"))
    client, slept = _client(script)
    with pytest.raises(RateLimited) as caught:
        client.interaction("i1")
    assert caught.value.retry_after == 3600 and caught.value.status == 429 and slept == []


def test_non_idempotent_calls_are_not_retried() -> None:
    script = Script(_busy())
    client, _ = _client(script)
    with pytest.raises(Unavailable):
        client.correct_observation("phone:+1555", "o1", text="fixed")
    assert len(script.requests) == 1
    script = Script(_busy())  # an interaction without external_id cannot be deduplicated
    client, _ = _client(script)
    with pytest.raises(Unavailable):
        client.ingest({k: v for k, v in INTERACTION.items() if k != "external_id"})
    assert len(script.requests) == 1


def test_ingest_with_external_id_is_retried_and_the_same_body_is_resent() -> None:
    script = Script(httpx.ConnectError("refused"), _busy(), httpx.Response(202, json=ACCEPTED))
    client, _ = _client(script)
    accepted = client.ingest(INTERACTION)
    assert isinstance(accepted, InteractionAccepted) and accepted.interaction_id == "i1"
    bodies = {r.content for r in script.requests}
    assert len(script.requests) == 3 and len(bodies) == 1


def test_connection_errors_become_transport_errors_after_the_retries() -> None:
    script = Script(*[httpx.ConnectError("[Errno 111] Connection refused") for _ in range(4)])
    client, slept = _client(script)
    with pytest.raises(TransportError) as caught:
        client.recall("phone:+1555", "order")
    assert "Connection refused" in str(caught.value) and isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(script.requests) == 4 and len(slept) == 3
    script = Script(httpx.ConnectError("refused"))
    client, _ = _client(script)
    with pytest.raises(TransportError):
        client.end_interaction("i1")  # not idempotent: one try
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    ("status", "error"), [(404, NotFound), (409, Conflict), (422, ValidationError)]
)  # fmt: skip
def test_error_statuses_map_to_typed_errors_with_the_detail(status: int, error: type[Exception]) -> None:
    detail = [{"type": "x", "msg": "customer_ref not known", "loc": ["path", "customer_ref"]}]
    client, _ = _client(Script(httpx.Response(status, json={"detail": detail})))
    with pytest.raises(error) as caught:
        client.profile("phone:+1555")
    assert caught.value.detail == detail  # type: ignore[attr-defined]
    assert "customer_ref not known (at path.customer_ref)" in str(caught.value)


def test_refs_are_url_encoded_and_empty_options_left_out() -> None:
    script = Script(httpx.Response(200, json={"items": [], "next_cursor": None}))
    client, _ = _client(script)
    client.observations("email:ana@example.com", status="all")
    url = script.requests[0].url
    assert url.raw_path.startswith(b"/v1/customers/email%3Aana%40example.com/observations")
    assert dict(url.params) == {"status": "all"}


def test_append_is_retried_only_when_every_utterance_has_an_id() -> None:
    appended = httpx.Response(200, json={"interaction_id": "i1", "utterance_count": 3})
    script = Script(_busy(), appended)
    client, _ = _client(script)
    assert client.append_utterances("i1", [{"id": "u3", "role": "customer", "text": "hi"}]).utterance_count == 3
    script = Script(_busy())
    client, _ = _client(script)
    with pytest.raises(Unavailable):
        client.append_utterances("i1", [{"role": "customer", "text": "hi"}])
    assert len(script.requests) == 1


def test_the_async_client_sends_the_same_requests_and_retries_the_same_way() -> None:
    script = Script(_busy(503, "0"), httpx.Response(200, json=STATUS))
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    async def run() -> str:
        async with AsyncMemoryClient("http://memory.test", "key", transport=httpx.MockTransport(script)) as client:
            client._sleep = fake_sleep
            return (await client.interaction("i1")).status

    assert asyncio.run(run()) == "done" and len(script.requests) == 2 and len(slept) == 1


def test_wait_raises_on_failed_and_on_timeout() -> None:
    from memory_service_client import InteractionFailed, WaitTimeout

    failed = {**STATUS, "status": "failed", "error": "extractor crashed"}
    client, _ = _client(Script(httpx.Response(200, json={**STATUS, "status": "processing"}),
                               httpx.Response(200, json=failed)))  # fmt: skip
    with pytest.raises(InteractionFailed, match="extractor crashed"):
        client.wait("i1", timeout=30)
    def queued(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={**STATUS, "status": "queued"})

    client = MemoryClient("http://memory.test", transport=httpx.MockTransport(queued))
    with pytest.raises(WaitTimeout) as caught:
        client.wait("i1", timeout=0.2, poll=0.05)
    assert caught.value.last.status == "queued"
