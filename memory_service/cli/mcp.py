"""`memory-service mcp`: the MCP server of memory_service_client, found the way the other client
commands find the service."""

from __future__ import annotations

from typing import Annotated

import typer

from memory_service.cli.common import ApiKey, DataDir, ServiceUrl, settings_for


def mcp(
    url: ServiceUrl = None, api_key: ApiKey = None, data_dir: DataDir = None,
    http: Annotated[int | None, typer.Option("--http", metavar="PORT", help="Streamable HTTP on PORT")] = None,
    host: Annotated[str, typer.Option(help="With --http: the address to listen on")] = "127.0.0.1",
    read_only: Annotated[bool, typer.Option("--read-only", help="Offer only the read tools")] = False,
) -> None:  # fmt: skip
    """Serve MCP tools (recall, get_context, handoff_brief, get_profile, add_note, add_interaction)
    over stdio, or streamable HTTP at http://HOST:PORT/mcp with --http."""
    import anyio

    from memory_service_client import ServiceNotFound, locate_service
    from memory_service_client.mcp_server import serve

    try:
        where = locate_service(url, api_key, settings_for(data_dir).data_dir if url is None else None)
    except ServiceNotFound as exc:
        raise typer.BadParameter(str(exc)) from None
    anyio.run(lambda: serve(where.url, where.api_key, http_port=http, host=host, read_only=read_only))
