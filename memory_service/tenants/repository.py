"""SQL for tenants and API keys. Repositories never commit."""

from __future__ import annotations

import uuid
from typing import Any

from psycopg import Connection


def find_tenant_by_name(conn: Connection, *, name: str) -> dict[str, Any] | None:
    return conn.execute("SELECT id, name FROM tenants WHERE name = %s", (name,)).fetchone()  # type: ignore[return-value]


def insert_tenant(conn: Connection, *, name: str) -> uuid.UUID:
    row: Any = conn.execute(
        "INSERT INTO tenants (id, name) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name "
        "RETURNING id",
        (uuid.uuid4(), name),
    ).fetchone()
    return row["id"]  # type: ignore[no-any-return]


def insert_api_key(
    conn: Connection,
    *,
    tenant_id: uuid.UUID,
    key_hash: str,
    prefix: str,
    scopes: list[str],
    rate_limit_per_minute: int | None = None,
) -> None:
    conn.execute(
        "INSERT INTO api_keys (id, tenant_id, key_hash, prefix, scopes, rate_limit_per_minute) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (key_hash) DO NOTHING",
        (uuid.uuid4(), tenant_id, key_hash, prefix, scopes, rate_limit_per_minute),
    )


def find_key(conn: Connection, *, key_hash: str) -> dict[str, Any] | None:
    """The active key with this hash: its tenant, prefix, scopes, rate limit and the tenant's policies."""
    return conn.execute(  # type: ignore[return-value]
        "SELECT t.id, t.name, t.redaction_policy, t.retention_days, k.prefix, k.scopes, k.rate_limit_per_minute "
        "FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.key_hash = %s AND k.revoked_at IS NULL",
        (key_hash,),
    ).fetchone()


def list_keys(conn: Connection, *, tenant_name: str | None = None) -> list[dict[str, Any]]:
    return conn.execute(  # type: ignore[return-value]
        "SELECT k.prefix, t.name AS tenant, k.created_at, k.revoked_at, k.scopes, k.rate_limit_per_minute "
        "FROM api_keys k "
        "JOIN tenants t ON t.id = k.tenant_id WHERE %(t)s::text IS NULL OR t.name = %(t)s "
        "ORDER BY t.name, k.created_at",
        {"t": tenant_name},
    ).fetchall()


def revoke_keys(conn: Connection, *, key_hash: str | None = None, prefix: str | None = None) -> list[str]:
    """Revoke the key with this hash, or the active keys with this prefix; returns their prefixes."""
    rows: list[Any] = conn.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE revoked_at IS NULL "
        "AND (key_hash = %(h)s OR (%(h)s::text IS NULL AND prefix = %(p)s)) RETURNING prefix",
        {"h": key_hash, "p": prefix},
    ).fetchall()
    return [r["prefix"] for r in rows]


def set_policy(
    conn: Connection, *, name: str, redaction_policy: str | None, retention_days: int | None, clear_retention: bool
) -> dict[str, Any] | None:
    return conn.execute(  # type: ignore[return-value]
        "UPDATE tenants SET redaction_policy = COALESCE(%(r)s, redaction_policy), "
        "retention_days = CASE WHEN %(clear)s THEN NULL ELSE COALESCE(%(d)s, retention_days) END "
        "WHERE name = %(n)s RETURNING name, redaction_policy, retention_days",
        {"r": redaction_policy, "d": retention_days, "clear": clear_retention, "n": name},
    ).fetchone()


def list_tenants(conn: Connection) -> list[dict[str, Any]]:
    return conn.execute(  # type: ignore[return-value]
        "SELECT name, redaction_policy, retention_days, created_at FROM tenants ORDER BY name"
    ).fetchall()


def active_keys_with_prefix(conn: Connection, *, prefix: str) -> list[dict[str, Any]]:
    """Active keys whose listed prefix is this (a prefix need not be unique): for signed page links."""
    return conn.execute(  # type: ignore[return-value]
        "SELECT t.id AS tenant_id, t.name, t.redaction_policy, t.retention_days, k.key_hash, k.prefix, k.scopes "
        "FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.prefix = %s AND k.revoked_at IS NULL",
        (prefix,),
    ).fetchall()
