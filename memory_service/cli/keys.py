"""`memory-service keys`: API keys, straight in the database (no running service needed)."""

from __future__ import annotations

from typing import Annotated

import typer

from memory_service.cli.common import DataDir, database

keys_app = typer.Typer(help="API keys.", no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option(help="Tenant name (created if new)")],
    scope: Annotated[
        list[str] | None,
        typer.Option(help="ingest, read or admin; repeat for several (default: all three)"),
    ] = None,
    rate_limit: Annotated[
        int | None, typer.Option(help="requests a minute this key may make (default: unlimited)", min=1)
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Create an API key for a tenant; the key is the last line printed."""
    from memory_service.tenants.service import checked_scopes, create_api_key

    scopes = checked_scopes(scope)
    with database(data_dir) as (_, conn):
        key = create_api_key(conn, tenant_name=tenant, scopes=scopes, rate_limit_per_minute=rate_limit)
    typer.echo(f"tenant: {tenant}  scopes: {' '.join(scopes)}", err=True)
    typer.echo(key)


@keys_app.command("list")
def keys_list(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys")] = None, data_dir: DataDir = None
) -> None:
    """List API keys (their prefix, never the key): tenant, created, revoked."""
    from memory_service.tenants import repository as tenants_repo

    with database(data_dir) as (_, conn):
        rows = tenants_repo.list_keys(conn, tenant_name=tenant)
    for row in rows:
        revoked = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "active"
        limit = f"  {row['rate_limit_per_minute']}/min" if row["rate_limit_per_minute"] else ""
        typer.echo(
            f"{row['prefix']}…  {row['tenant']:<24} created {row['created_at']:%Y-%m-%d %H:%M}  {revoked}"
            f"  scopes: {','.join(row['scopes'])}{limit}"
        )
    if not rows:
        typer.echo("(no keys)")


@keys_app.command("revoke")
def keys_revoke(
    key: Annotated[str, typer.Argument(help="The key, or its prefix as `keys list` shows it")], data_dir: DataDir = None
) -> None:
    """Revoke an API key. Every API process stops accepting it within MEMORY_API_KEY_CACHE_SECONDS."""
    from memory_service.tenants.service import revoke_api_key

    with database(data_dir) as (_, conn):
        revoked = revoke_api_key(conn, key=key.rstrip("…"))
    typer.echo(f"revoked {revoked}")
