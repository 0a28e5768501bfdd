"""An MCP server over the memory service (official `mcp` SDK; `pip install 'memory-service-client[mcp]'`).

It is a client of a running service: every tool is one call of AsyncMemoryClient. Tools are
offered by scope (CONTRACT 2026-12-01: ingest, read, admin): a key that may only read gets
only the read tools. The key's scopes come from GET /v1/keys/me when the service has it; a
service without it gets every tool (keys made before scopes keep every scope) unless the
server is started read-only.

    memory-service mcp                      # stdio (Claude Desktop, Cursor, agent frameworks)
    memory-service mcp --http 8765          # streamable HTTP on http://127.0.0.1:8765/mcp
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from memory_service_client.aio import AsyncMemoryClient
from memory_service_client.discovery import locate_service
from memory_service_client.errors import ApiError, MemoryServiceError, NotFound
from schemas.context import ContextResponse
from schemas.handoff import HandoffBrief
from schemas.interactions import Channel, InteractionAccepted, UtteranceIn
from schemas.keys import ALL_SCOPES
from schemas.profiles import Profile
from schemas.recall import RecallResponse

P = ParamSpec("P")
R = TypeVar("R")

CustomerRef = Annotated[
    str, Field(description="The customer: the service's customer id, or an identifier as type:value, "
                           "e.g. phone:+15551234567, email:ana@example.com, crm:ACME-991")
]  # fmt: skip
INSTRUCTIONS = (
    "Persistent memory about customers across calls, chats and emails. Use get_context at the start of a "
    "conversation, recall to look something up, handoff_brief when a person takes over, and add_note to "
    "remember something said. Every fact carries its source (interaction and utterance ids)."
)


def _tool_errors(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """The service's refusals become tool errors with its message (not an unexpected crash)."""

    @wraps(fn)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except MemoryServiceError as exc:
            raise ToolError(str(exc)) from exc

    return run


@dataclass(frozen=True)
class ToolSpec:
    name: str
    scope: str  # the scope a key needs for it
    make: Callable[[AsyncMemoryClient], Callable[..., Awaitable[Any]]]
    description: str

    @property
    def read_only(self) -> bool:
        return self.scope == "read"


def _recall(client: AsyncMemoryClient) -> Callable[..., Awaitable[RecallResponse]]:
    async def recall(
        customer_ref: CustomerRef,
        query: Annotated[str, Field(description="What to look up, in words")],
        top_k: Annotated[int, Field(ge=1, le=50)] = 8,
        token_budget: Annotated[int | None, Field(ge=1, description="Cap on the items' total tokens")] = None,
    ) -> RecallResponse:
        return await client.recall(customer_ref, query, top_k=top_k, token_budget=token_budget, include_profile=False)

    return recall


def _get_context(client: AsyncMemoryClient) -> Callable[..., Awaitable[ContextResponse]]:
    async def get_context(
        customer_ref: CustomerRef,
        query: Annotated[str | None, Field(description="What the conversation is about, if known")] = None,
        token_budget: Annotated[int, Field(ge=50, le=100_000)] = 1000,
    ) -> ContextResponse:
        return await client.context(customer_ref, query=query, token_budget=token_budget)

    return get_context


def _handoff_brief(client: AsyncMemoryClient) -> Callable[..., Awaitable[HandoffBrief]]:
    async def handoff_brief(
        customer_ref: CustomerRef,
        reason: Annotated[str, Field(description="Why a person takes over")],
        interaction_id: Annotated[str | None, Field(description="The live interaction being handed over")] = None,
        utterances: Annotated[list[UtteranceIn] | None, Field(description="Or the conversation inline")] = None,
        trigger: str = "customer_request",
        token_budget: Annotated[int, Field(ge=50, le=100_000)] = 800,
    ) -> HandoffBrief:
        return await client.handoff(customer_ref, reason=reason, interaction_id=interaction_id, utterances=utterances,
                                    trigger=trigger, token_budget=token_budget)  # fmt: skip

    return handoff_brief


def _get_profile(client: AsyncMemoryClient) -> Callable[..., Awaitable[Profile]]:
    async def get_profile(customer_ref: CustomerRef) -> Profile:
        return await client.profile(customer_ref)

    return get_profile


async def _customer_for(client: AsyncMemoryClient, customer_ref: str) -> dict[str, Any]:
    """The `customer` of a new interaction: the ref itself when it is type:value, else the known
    customer's first identifier."""
    kind, sep, value = customer_ref.partition(":")
    if sep and kind and value:
        return {"identifiers": [{"type": kind, "value": value}]}
    profile = await client.profile(customer_ref)
    if not profile.identifiers:
        raise ToolError(f"customer {customer_ref} has no identifier to file an interaction under")
    return {"identifiers": profile.identifiers[:1]}


def _add_interaction(client: AsyncMemoryClient) -> Callable[..., Awaitable[InteractionAccepted]]:
    async def add_interaction(
        customer_ref: CustomerRef,
        utterances: Annotated[list[UtteranceIn], Field(min_length=1, description="The conversation, in order")],
        channel: Channel = "chat",
        external_id: Annotated[str | None, Field(description="Your id for it; posting it again is a no-op")] = None,
        started_at: Annotated[datetime | None, Field(description="Default: now")] = None,
    ) -> InteractionAccepted:
        now, customer = datetime.now(UTC), await _customer_for(client, customer_ref)
        return await client.ingest({
            "external_id": external_id or f"mcp-{uuid.uuid4().hex}", "customer": customer,
            "channel": channel, "started_at": (started_at or now).isoformat(), "ended_at": now.isoformat(),
            "utterances": [u.model_dump(mode="json", exclude_none=True) for u in utterances],
        })  # fmt: skip

    return add_interaction


def _add_note(client: AsyncMemoryClient) -> Callable[..., Awaitable[InteractionAccepted]]:
    async def add_note(
        customer_ref: CustomerRef,
        note: Annotated[str, Field(min_length=1, max_length=20_000, description="What to remember, in a sentence")],
    ) -> InteractionAccepted:
        now = datetime.now(UTC).isoformat()
        return await client.ingest({
            "external_id": f"mcp-note-{uuid.uuid4().hex}", "customer": await _customer_for(client, customer_ref),
            "channel": "other", "started_at": now, "ended_at": now, "metadata": {"source": "mcp", "kind": "note"},
            "utterances": [{"id": "note", "role": "agent", "agent_kind": "ai", "text": note, "at": now}],
        })  # fmt: skip

    return add_note


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("recall", "read", _recall, "What the service remembers about a customer that bears on a query, "
             "best first, each item with its source utterances."),
    ToolSpec("get_context", "read", _get_context, "A prompt-ready block to open a conversation with a customer: "
             "profile, open issues, commitments and relevant memories, within a token budget."),
    ToolSpec("handoff_brief", "read", _handoff_brief, "The brief for a human agent taking over: who the customer "
             "is, why, what they already said (do not ask again), open issues, commitments, sentiment."),
    ToolSpec("get_profile", "read", _get_profile, "A customer's profile: identifiers, traits with sources, "
             "channels, open issues, pending commitments, recent interactions."),
    ToolSpec("add_note", "ingest", _add_note, "Remember a note about a customer (kept as a short interaction "
             "and processed like one)."),
    ToolSpec("add_interaction", "ingest", _add_interaction, "Store a finished conversation with a customer; "
             "the service extracts what matters from it."),
)  # fmt: skip


def build_server(client: AsyncMemoryClient, scopes: frozenset[str] | set[str]) -> MCPServer:
    """An MCP server with the tools that `scopes` allow, each calling `client`."""
    server = MCPServer("memory-service", instructions=INSTRUCTIONS)
    for spec in TOOLS:
        if spec.scope in scopes:
            annotations = ToolAnnotations(read_only_hint=spec.read_only, destructive_hint=False,
                                          open_world_hint=False)  # fmt: skip
            server.add_tool(_tool_errors(spec.make(client)), name=spec.name, description=spec.description,
                            annotations=annotations)  # fmt: skip
    return server


async def key_scopes(client: AsyncMemoryClient, *, read_only: bool = False) -> frozenset[str]:
    """What the key may do: only `read` when asked; else the service's answer to GET /v1/keys/me,
    or every scope when the service does not have that endpoint."""
    if read_only:
        return frozenset({"read"})
    try:
        return frozenset((await client.key_info()).scopes)
    except NotFound:
        return ALL_SCOPES


async def serve(
    url: str, api_key: str | None, *, http_port: int | None = None, host: str = "127.0.0.1",
    read_only: bool = False,
) -> None:  # fmt: skip
    """Run the MCP server until its transport closes: stdio, or streamable HTTP on `http_port`."""
    async with AsyncMemoryClient(url, api_key) as client:
        try:
            scopes = await key_scopes(client, read_only=read_only)
        except ApiError as exc:
            raise SystemExit(f"memory-service mcp: the service refused the key: {exc}") from None
        except MemoryServiceError as exc:  # unreachable: say so in one line, do not serve dead tools
            raise SystemExit(f"memory-service mcp: {exc}") from None
        server = build_server(client, scopes)
        if http_port is None:
            await server.run_stdio_async()
        else:
            await server.run_streamable_http_async(host=host, port=http_port)


def main(argv: list[str] | None = None) -> None:
    """`memory-service-mcp`: the same server without the service's own package installed."""
    parser = argparse.ArgumentParser(prog="memory-service-mcp", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="Base URL of the service (MEMORY_URL)")
    parser.add_argument("--api-key", help="Bearer API key (MEMORY_API_KEY)")
    parser.add_argument("--data-dir", type=Path, help="Find the URL in a `memory-service up` data directory")
    parser.add_argument("--http", type=int, metavar="PORT", help="Serve streamable HTTP on PORT instead of stdio")
    parser.add_argument("--host", default="127.0.0.1", help="With --http: the address to listen on")
    parser.add_argument("--read-only", action="store_true", help="Offer only the read tools")
    args = parser.parse_args(argv)
    try:
        where = locate_service(args.url, args.api_key, args.data_dir)
    except MemoryServiceError as exc:
        parser.exit(2, f"memory-service-mcp: {exc}\n")
    anyio.run(lambda: serve(where.url, where.api_key, http_port=args.http, host=args.host, read_only=args.read_only))


if __name__ == "__main__":
    main()
