"""The change feed: `memory_changes` rows plus a NOTIFY, written in the writer's transaction.

Every writer of a customer's units records a change; index/sync.py LISTENs for them and also
polls the table, so a missed notification or another replica's write is still picked up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import Connection

CHANNEL_NAME = "memory_changes"


def record_change(conn: Connection, *, tenant_id: str, customer_id: str) -> None:
    """Tell every index that this customer's memory changed (delivered on commit)."""
    row: Any = conn.execute(
        "INSERT INTO memory_changes (tenant_id, customer_id) VALUES (%s, %s) RETURNING id", (tenant_id, customer_id)
    ).fetchone()
    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL_NAME, f"{row['id']}:{tenant_id}:{customer_id}"))


def changed_customers(conn: Connection, *, since: datetime) -> list[dict[str, Any]]:
    """Distinct (tenant_id, customer_id) changed after `since`."""
    return conn.execute(  # type: ignore[return-value]
        "SELECT DISTINCT tenant_id, customer_id FROM memory_changes WHERE changed_at > %s", (since,)
    ).fetchall()


def changes_since(conn: Connection, *, since: datetime) -> list[dict[str, Any]]:
    """Every change (id, tenant_id, customer_id) after `since`, oldest first."""
    return conn.execute(  # type: ignore[return-value]
        "SELECT id, tenant_id, customer_id FROM memory_changes WHERE changed_at > %s ORDER BY id", (since,)
    ).fetchall()
