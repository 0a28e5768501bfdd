"""MemoryClient and AsyncMemoryClient against the real app in process (transport=): typed
models back, typed errors, retries that create nothing twice; the CLI's client commands."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from memory_service_client import (
    AsyncMemoryClient,
    Conflict,
    MemoryClient,
    NotFound,
    RetryPolicy,
    ValidationError,
)
from schemas import InteractionAccepted, InteractionStatus, ObservationPage, Profile, RecallItem, RecallResponse
from tests.integration.app_transport import AppTransport
from tests.integration.conftest import Api
from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration
REF = "phone:+15551234567"


def _key(api: Api) -> str:
    return str(api.headers["Authorization"].split()[1])


def _client(api: Api, transport: httpx.BaseTransport | None = None) -> MemoryClient:
    return MemoryClient("http://testserver", _key(api), transport=transport or AppTransport(api.client))


class LostAnswers(httpx.BaseTransport):
    """Passes the first `lose` requests to the app, then drops their answers as a broken connection
    would: the service did the work, the client never heard."""

    def __init__(self, inner: httpx.BaseTransport, lose: int) -> None:
        self.inner, self.lose, self.sent = inner, lose, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        response = self.inner.handle_request(request)
        if self.sent <= self.lose:
            response.read()
            raise httpx.ReadError("connection reset by peer")
        return response


def test_the_client_returns_typed_models_end_to_end(api: Api) -> None:
    with _client(api) as memory:
        assert memory.health().status == "ok" and memory.ready().ready
        assert "memory_interactions_backlog" in memory.metrics()
        accepted = memory.ingest(example_interaction())
        assert isinstance(accepted, InteractionAccepted) and accepted.status == "queued"
        done = memory.wait(accepted.interaction_id, timeout=60)
        assert isinstance(done, InteractionStatus) and done.status == "done" and done.observations_created >= 1
        api.wait_indexed(accepted.customer_id)
        answer = memory.recall(REF, "is the damaged order being replaced?", top_k=5)
        assert isinstance(answer, RecallResponse) and isinstance(answer.items[0], RecallItem)
        assert answer.items[0].source.utterance_ids == ["u2"] and answer.customer_id == accepted.customer_id
        profile = memory.profile(REF)
        assert isinstance(profile, Profile) and profile.interaction_count == 1
        page = memory.observations(REF, status="all")
        assert isinstance(page, ObservationPage) and page.items and page.items[0].source.interaction_id
        memory.forget_interaction(accepted.interaction_id)
        memory.forget_customer(REF)
        with pytest.raises(NotFound):
            memory.profile(REF)


def test_errors_are_typed_404_409_422(api: Api) -> None:
    with _client(api) as memory:
        with pytest.raises(NotFound) as missing:
            memory.profile("phone:+19999999999")
        assert missing.value.status == 404
        payload = example_interaction()
        memory.ingest(payload)
        changed = {**payload, "utterances": [{"role": "customer", "text": "Something else entirely."}]}
        with pytest.raises(Conflict):
            memory.ingest(changed)
        with pytest.raises(ValidationError) as invalid:
            memory.ingest({**payload, "external_id": "other", "channel": "fax"})
        assert any(item["loc"][-1] == "channel" for item in invalid.value.detail)
        assert api.count("SELECT count(*) AS n FROM interactions WHERE external_id = 'other'") == 0


def test_a_lost_answer_is_retried_and_creates_nothing_twice(api: Api) -> None:
    flaky = LostAnswers(AppTransport(api.client), lose=2)
    memory = MemoryClient("http://testserver", _key(api), transport=flaky, retry=RetryPolicy(backoff=0.01))
    payload = example_interaction()
    accepted = memory.ingest(payload)  # sent three times; the service stored it once
    assert flaky.sent == 3
    assert api.count("SELECT count(*) AS n FROM interactions WHERE external_id = %s", payload["external_id"]) == 1
    assert memory.wait(accepted.interaction_id).status == "done"


def test_the_async_client_against_the_app(api: Api) -> None:
    api.ingest(example_interaction())

    async def run() -> tuple[Profile, RecallResponse]:
        transport = httpx.ASGITransport(app=api.client.app)
        async with AsyncMemoryClient("http://testserver", _key(api), transport=transport) as memory:
            return await memory.profile(REF), await memory.recall(REF, "damaged order", include_profile=False)

    profile, answer = asyncio.run(run())
    assert profile.identifiers == [{"type": "phone", "value": "+15551234567"}]
    api.wait_indexed(profile.customer_id)
    assert answer.items and answer.profile is None


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_cli_prints_one_line_when_the_service_is_unreachable() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    done = subprocess.run([sys.executable, "-m", "memory_service.cli", "profile", "show", REF, "--url", url],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert done.stderr.startswith("error: cannot reach") and "Traceback" not in done.stderr


def _run_cli(api: Api, monkeypatch: Any, args: list[str], transport: httpx.BaseTransport | None = None) -> Any:
    from memory_service import cli
    from memory_service.cli import customers as cli_customers

    monkeypatch.setattr(cli_customers, "_client", lambda *_: _client(api, transport))
    return CliRunner().invoke(cli.app, args)


def test_the_cli_status_and_ingest_wait(api: Api, monkeypatch: Any, tmp_path: Any) -> None:
    import json

    file = tmp_path / "in.jsonl"
    file.write_text(json.dumps(example_interaction()) + "\n")
    ingested = _run_cli(api, monkeypatch, ["ingest", str(file), "--wait"])
    assert ingested.exit_code == 0 and "processed 1, failed or unfinished 0" in ingested.output, ingested.output
    interaction_id = api.get("/v1/customers/phone%3A%2B15551234567/profile").json()["recent_interactions"][0][
        "interaction_id"
    ]
    shown = _run_cli(api, monkeypatch, ["status", interaction_id])
    assert shown.exit_code == 0 and f"{interaction_id}  done" in shown.output
    as_json = _run_cli(api, monkeypatch, ["status", interaction_id, "--json"])
    assert json.loads(as_json.output)["status"] == "done"


def test_ingest_wait_reports_failed_interactions_and_exits_non_zero(api: Api, monkeypatch: Any, tmp_path: Any) -> None:
    import json

    def failing(request: httpx.Request) -> httpx.Response:
        """The real app, except that every status read says the interaction failed."""
        response = AppTransport(api.client).handle_request(request)
        if request.method == "GET" and request.url.path.startswith("/v1/interactions/"):
            body = json.loads(response.read())
            return httpx.Response(200, json={**body, "status": "failed", "error": "extractor crashed"})
        return response

    file = tmp_path / "in.jsonl"
    file.write_text(json.dumps(example_interaction()) + "\n" + "not json\n")
    result = _run_cli(api, monkeypatch, ["ingest", str(file), "--wait"], httpx.MockTransport(failing))
    assert result.exit_code == 1
    assert "accepted 1, refused 1" in result.output and "extractor crashed" in result.output, result.output


def test_the_langchain_retriever_returns_documents_with_sources(api: Api) -> None:
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever

    from memory_service_client.langchain import MemoryRetriever

    status = api.ingest(example_interaction())
    api.wait_indexed(status["customer_id"])
    retriever = MemoryRetriever(client=_client(api), customer_ref=REF, top_k=3)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("what happened to my order?")  # the Runnable interface
    assert docs and all(isinstance(d, Document) for d in docs)
    assert "88123" in docs[0].page_content and docs[0].metadata["utterance_ids"] == ["u2"]
    assert docs[0].metadata["interaction_id"] == status["interaction_id"]
    damaged = [d.page_content for d in retriever.invoke("damaged order")]
    batched = retriever.batch(["damaged order", "replacement"])  # also through LangChain's machinery
    assert len(batched) == 2 and [d.page_content for d in batched[0]] == damaged
    assert [d.page_content for d in asyncio.run(retriever.ainvoke("damaged order"))] == damaged


def test_the_client_drives_a_live_conversation_handoff_and_context(api: Api) -> None:
    from schemas import ContextResponse, HandoffBrief, UtterancesAppended

    with _client(api) as memory:
        memory.wait(memory.ingest(example_interaction()).interaction_id)
        opened = memory.open_interaction({"external_id": "chat-client", "channel": "chat",
                                          "customer": {"identifiers": [{"type": "phone", "value": "+15551234567"}]},
                                          "started_at": "2026-12-01T10:00:00Z"})  # fmt: skip
        assert isinstance(opened, InteractionAccepted) and opened.status == "live"
        said = [{"id": "c1", "role": "customer", "text": "My damaged order 88123 was never replaced."}]
        appended = memory.append_utterances(opened.interaction_id, said)
        assert isinstance(appended, UtterancesAppended) and appended.utterance_count == 1
        assert memory.append_utterances(opened.interaction_id, said).utterance_count == 1  # retried: same
        api.wait_indexed(opened.customer_id)
        brief = memory.handoff(REF, reason="customer asked for a person", interaction_id=opened.interaction_id)
        assert isinstance(brief, HandoffBrief) and brief.token_count <= 800 and "88123" in brief.text
        context = memory.context(REF, query="damaged order", token_budget=200)
        assert isinstance(context, ContextResponse) and context.token_count <= 200 and context.profile is not None
        ended = memory.end_interaction(opened.interaction_id)
        assert ended.status == "queued" and memory.wait(opened.interaction_id).status == "done"
        with pytest.raises(Conflict):
            memory.append_utterances(opened.interaction_id, [{"role": "customer", "text": "hello?"}])
        answer = memory.recall(REF, "damaged order")
        assert isinstance(answer.profile, Profile) and answer.profile.customer_id == opened.customer_id
