"""The MCP tool list follows the key's scopes (no service needed: the SDK lists tools in process)."""

from __future__ import annotations

import anyio
import httpx

from memory_service_client import AsyncMemoryClient
from memory_service_client.mcp_server import build_server, key_scopes


def _names(scopes: set[str]) -> set[str]:
    async def run() -> set[str]:
        server = build_server(AsyncMemoryClient("http://memory.test"), scopes)
        return {tool.name for tool in await server.list_tools()}

    return anyio.run(run)


def test_tools_are_filtered_by_scope() -> None:
    reads = {"recall", "get_context", "handoff_brief", "get_profile"}
    assert _names({"read"}) == reads
    assert _names({"ingest"}) == {"add_note", "add_interaction"}
    assert _names({"read", "ingest", "admin"}) == reads | {"add_note", "add_interaction"}


def _scopes(handler: httpx.MockTransport, read_only: bool = False) -> frozenset[str]:
    async def run() -> frozenset[str]:
        async with AsyncMemoryClient("http://memory.test", "key", transport=handler) as client:
            return await key_scopes(client, read_only=read_only)

    return anyio.run(run)


def test_scopes_come_from_the_service_or_default_to_all_when_it_cannot_say() -> None:
    me = httpx.MockTransport(lambda _: httpx.Response(200, json={"tenant": "t", "scopes": ["read"]}))
    assert _scopes(me) == {"read"}
    absent = httpx.MockTransport(lambda _: httpx.Response(404, json={"detail": [{"msg": "Not Found"}]}))
    assert _scopes(absent) == {"ingest", "read", "admin"}  # keys made before scopes keep every scope
    assert _scopes(absent, read_only=True) == {"read"}
