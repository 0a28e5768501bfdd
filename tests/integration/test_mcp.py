"""The MCP server, started for real (`memory-service mcp`, stdio and streamable HTTP) against the
service listening on a loopback port, driven by the official SDK's own client."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.integration.conftest import Api, free_port
from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration
REF = "phone:+15551234567"
READ_TOOLS = {"recall", "get_context", "handoff_brief", "get_profile"}
ALL_TOOLS = READ_TOOLS | {"add_note", "add_interaction"}
ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    keep = ("PATH", "HOME", "PYTHONPATH", "HF_HUB_OFFLINE", "VIRTUAL_ENV")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _mcp_command(url: str, api: Api, *extra: str) -> list[str]:
    key = api.headers["Authorization"].split()[1]
    return ["-m", "memory_service.cli", "mcp", "--url", url, "--api-key", key, *extra]


def _remembered(api: Api) -> str:
    accepted = api.post("/v1/interactions", json=example_interaction()).json()
    api.wait_done(accepted["interaction_id"])
    api.wait_indexed(accepted["customer_id"])
    return str(accepted["customer_id"])


async def _tools_and_recall(session: ClientSession) -> tuple[set[str], Any]:
    await session.initialize()
    tools = {tool.name for tool in (await session.list_tools()).tools}
    answer = await session.call_tool("recall", {"customer_ref": REF, "query": "what happened to the order?"})
    return tools, answer


def test_mcp_over_stdio_lists_the_tools_and_answers_recall(api: Api, service_url: str) -> None:
    customer_id = _remembered(api)

    async def run() -> tuple[set[str], Any, Any, Any, Any]:
        params = StdioServerParameters(command=sys.executable, args=_mcp_command(service_url, api), env=_env(),
                                       cwd=str(ROOT))  # fmt: skip
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            tools, answer = await _tools_and_recall(session)
            note = await session.call_tool("add_note", {"customer_ref": REF, "note": "Prefers email over calls."})
            context = await session.call_tool("get_context", {"customer_ref": REF, "query": "damaged order",
                                                              "token_budget": 120})  # fmt: skip
            brief = await session.call_tool("handoff_brief", {
                "customer_ref": REF, "reason": "customer asked for a person",
                "utterances": [{"role": "customer", "text": "Where is the replacement for my damaged order?"}]})
            return tools, answer, note, context, brief

    tools, answer, note, context, brief = anyio.run(run)
    assert not context.is_error and context.structured_content["token_count"] <= 120, context.content
    assert "88123" in context.structured_content["text"]
    assert not brief.is_error and "88123" in brief.structured_content["text"], brief.content
    assert tools == ALL_TOOLS
    assert not answer.is_error, answer.content
    top = answer.structured_content["items"][0]
    assert answer.structured_content["customer_id"] == customer_id
    assert "88123" in top["text"] and top["source"]["utterance_ids"] == ["u2"]
    assert not note.is_error, note.content
    assert api.wait_done(note.structured_content["interaction_id"])["status"] == "done"


@asynccontextmanager
async def _http_session(url: str) -> AsyncIterator[ClientSession]:
    async with streamable_http_client(url) as (read, write), ClientSession(read, write) as session:
        yield session


def test_mcp_over_streamable_http_read_only(api: Api, service_url: str, tmp_path: Path) -> None:
    _remembered(api)
    port = free_port()
    log = open(tmp_path / "mcp.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, *_mcp_command(service_url, api, "--http", str(port), "--read-only")],
                            env=_env(), cwd=ROOT, stdout=log, stderr=log)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "mcp.log").read_text()
                time.sleep(0.1)

        async def run() -> tuple[set[str], Any, Any]:
            async with _http_session(f"http://127.0.0.1:{port}/mcp") as session:
                tools, answer = await _tools_and_recall(session)
                missing = await session.call_tool("get_profile", {"customer_ref": "phone:+19999999999"})
                return tools, answer, missing

        tools, answer, missing = anyio.run(run)
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
    assert tools == READ_TOOLS  # a read-only server offers no tool that writes
    assert not answer.is_error and answer.structured_content["items"][0]["source"]["utterance_ids"] == ["u2"]
    assert missing.is_error and "404" in missing.content[0].text
