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


tenants_app = typer.Typer(help="Tenants and their policies.", no_args_is_help=True)


@tenants_app.command("list")
def tenants_list(data_dir: DataDir = None) -> None:
    """Tenants with their redaction policy and retention period."""
    from memory_service.tenants import repository as tenants_repo

    with database(data_dir) as (_, conn):
        rows = tenants_repo.list_tenants(conn)
    for row in rows:
        retention = f"{row['retention_days']} days" if row["retention_days"] else "kept until erased"
        redaction = row["redaction_policy"] or "service default"
        typer.echo(f"{row['name']:<24} redaction: {redaction:<15} retention: {retention}")


@tenants_app.command("policy")
def tenants_policy(
    tenant: Annotated[str, typer.Argument(help="Tenant name")],
    redaction: Annotated[str | None, typer.Option(help="redact (default), mask or off")] = None,
    retention_days: Annotated[
        int | None, typer.Option(help="erase interactions older than this many days", min=1)
    ] = None,
    no_retention: Annotated[bool, typer.Option("--no-retention", help="keep interactions until erased")] = False,
    data_dir: DataDir = None,
) -> None:
    """Set a tenant's redaction policy and retention period."""
    from memory_service.tenants.service import set_tenant_policy

    with database(data_dir) as (_, conn):
        row = set_tenant_policy(conn, name=tenant, redaction_policy=redaction, retention_days=retention_days,
                                clear_retention=no_retention)  # fmt: skip
    retention = f"{row['retention_days']} days" if row["retention_days"] else "kept until erased"
    typer.echo(f"{row['name']}: redaction {row['redaction_policy'] or 'service default'}, retention {retention}")
