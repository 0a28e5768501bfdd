"""The bring-your-own-LLM extractor against a fake OpenAI-compatible server on localhost."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from memory_service.extraction.base import Extraction
from memory_service.extraction.llm import LLMExtractor
from schemas.interactions import InteractionIn

ANSWER = {
    "observations": [
        {"kind": "trait", "text": "The customer's email is ana@example.com.", "utterance_ids": ["u1"],
         "confidence": 0.95, "attributes": {"trait": "email", "value": " Ana@Example.COM "}},
        {"kind": "issue", "text": "The customer's order 88123 arrived damaged.", "utterance_ids": ["u1", "nope"],
         "confidence": 1.7, "attributes": {"resolved": False}},
        {"kind": "gossip", "text": "Not a kind.", "utterance_ids": ["u1"]},
        {"kind": "fact", "text": "No provenance.", "utterance_ids": ["u9"]},
        {"kind": "trait", "text": "Bad phone.", "utterance_ids": ["u1"],
         "attributes": {"trait": "phone", "value": "12"}},
    ],
    "summary": "Damaged order 88123.",
}  # fmt: skip


class FakeChatServer(HTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FakeChatHandler)
        self.requests: list[dict[str, Any]] = []
        self.status = 200


class FakeChatHandler(BaseHTTPRequestHandler):
    server: FakeChatServer

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": json.dumps(ANSWER)}}]})
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def chat_server() -> Iterator[FakeChatServer]:
    server = FakeChatServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _interaction() -> InteractionIn:
    return InteractionIn.model_validate({
        "external_id": "x", "customer": {"identifiers": [{"type": "phone", "value": "+15551234567"}]},
        "channel": "chat", "started_at": "2026-11-20T14:00:00Z",
        "utterances": [{"id": "u0", "role": "agent", "text": "How can I help?"},
                       {"id": "u1", "role": "customer", "text": "Order 88123 arrived damaged. Ana@Example.com"}],
    })  # fmt: skip


class RecordingFallback:
    def __init__(self) -> None:
        self.calls = 0

    def extract(self, interaction: InteractionIn) -> Extraction:
        self.calls += 1
        return Extraction(observations=[], summary="fallback")


def test_answers_are_validated_and_normalised(chat_server: FakeChatServer) -> None:
    base = f"http://127.0.0.1:{chat_server.server_port}/v1"
    extractor = LLMExtractor(base_url=base, model="fake-model", api_key="sk-test")
    result = extractor.extract(_interaction())
    extractor.close()
    [request] = chat_server.requests
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "fake-model" and "[u1] (customer)" in request["body"]["messages"][1]["content"]
    assert [(o.kind, o.utterance_ids) for o in result.observations] == [("trait", ["u1"]), ("issue", ["u1"])]
    email, issue = result.observations
    assert email.trait_key == "email" and email.value == "ana@example.com"
    assert issue.confidence == 1.0 and result.summary == "Damaged order 88123."


def test_a_failing_model_falls_back_to_the_offline_extractor(chat_server: FakeChatServer) -> None:
    chat_server.status = 503
    fallback = RecordingFallback()
    base = f"http://127.0.0.1:{chat_server.server_port}/v1"
    extractor = LLMExtractor(base_url=base, model="fake-model", fallback=fallback)
    assert extractor.extract(_interaction()).summary == "fallback" and fallback.calls == 1
    extractor.close()
