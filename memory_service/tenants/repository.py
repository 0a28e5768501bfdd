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


def insert_api_key(conn: Connection, *, tenant_id: uuid.UUID, key_hash: str, prefix: str) -> None:
    conn.execute(
        "INSERT INTO api_keys (id, tenant_id, key_hash, prefix) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (key_hash) DO NOTHING",
        (uuid.uuid4(), tenant_id, key_hash, prefix),
    )


def find_tenant_by_key_hash(conn: Connection, *, key_hash: str) -> dict[str, Any] | None:
    return conn.execute(  # type: ignore[return-value]
        "SELECT t.id, t.name FROM api_keys k JOIN tenants t ON t.id = k.tenant_id "
        "WHERE k.key_hash = %s AND k.revoked_at IS NULL",
        (key_hash,),
    ).fetchone()
