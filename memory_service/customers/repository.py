"""SQL for customers and their identifiers (the change feed is units/changes.py)."""

from __future__ import annotations

import uuid
from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb


def lock_key(conn: Connection, *, key: str) -> None:
    """Transaction-scoped advisory lock on an arbitrary string."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))


def find_customers_by_identifiers(
    conn: Connection, *, tenant_id: str, identifiers: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    if not identifiers:
        return []
    types = [t for t, _ in identifiers]
    values = [v for _, v in identifiers]
    return conn.execute(  # type: ignore[return-value]
        "SELECT i.type, i.value, i.customer_id FROM customer_identifiers i "
        "JOIN unnest(%s::text[], %s::text[]) AS q(type, value) ON q.type = i.type AND q.value = i.value "
        "WHERE i.tenant_id = %s",
        (types, values, tenant_id),
    ).fetchall()


def insert_customer(conn: Connection, *, tenant_id: str, display_name: str | None) -> uuid.UUID:
    customer_id = uuid.uuid4()
    conn.execute(
        "INSERT INTO customers (id, tenant_id, display_name) VALUES (%s, %s, %s)",
        (customer_id, tenant_id, display_name),
    )
    return customer_id


def insert_identifier(conn: Connection, *, tenant_id: str, customer_id: str, type_: str, value: str) -> None:
    conn.execute(
        "INSERT INTO customer_identifiers (tenant_id, type, value, customer_id) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (tenant_id, type_, value, customer_id),
    )


def set_display_name(conn: Connection, *, customer_id: str, name: str) -> None:
    # The first name given wins; a row busy in a worker's transaction is skipped rather than
    # waited for while the caller holds identifier locks (the worker may be waiting for those).
    conn.execute(
        "UPDATE customers SET display_name = %s, updated_at = now() WHERE id = ("
        " SELECT id FROM customers WHERE id = %s AND display_name IS NULL FOR NO KEY UPDATE SKIP LOCKED)",
        (name, customer_id),
    )


def get_customer(conn: Connection, *, tenant_id: str, customer_id: str) -> dict[str, Any] | None:
    return conn.execute(  # type: ignore[return-value]
        "SELECT id, tenant_id, display_name, merged_into, created_at FROM customers WHERE id = %s AND tenant_id = %s",
        (customer_id, tenant_id),
    ).fetchone()


def lock_customer(conn: Connection, *, customer_id: str) -> None:
    """Serialise writers of one customer's memory. NO KEY UPDATE: foreign-key checks of
    rows inserted for this customer (KEY SHARE) are not blocked by it."""
    conn.execute("SELECT id FROM customers WHERE id = %s FOR NO KEY UPDATE", (customer_id,))


def root_customer(conn: Connection, *, customer_id: str) -> str:
    """Follow merged_into to the surviving customer."""
    row: Any = conn.execute(
        "WITH RECURSIVE chain(id, merged_into, depth) AS ("
        " SELECT id, merged_into, 0 FROM customers WHERE id = %s"
        " UNION ALL SELECT c.id, c.merged_into, chain.depth + 1 FROM customers c JOIN chain ON c.id = chain.merged_into"
        " WHERE chain.depth < 16)"
        " SELECT id FROM chain WHERE merged_into IS NULL LIMIT 1",
        (customer_id,),
    ).fetchone()
    return customer_id if row is None else str(row["id"])


def find_customer_by_identifier(conn: Connection, *, tenant_id: str, type_: str, value: str) -> str | None:
    row: Any = conn.execute(
        "SELECT customer_id FROM customer_identifiers WHERE tenant_id = %s AND type = %s AND value = %s",
        (tenant_id, type_, value),
    ).fetchone()
    return None if row is None else str(row["customer_id"])


def customer_by_identifier(conn: Connection, *, tenant_id: str, type_: str, value: str) -> dict[str, Any] | None:
    """The customer row an identifier belongs to (id, merged_into, display_name), in one query."""
    return conn.execute(  # type: ignore[return-value]
        "SELECT c.id, c.merged_into, c.display_name FROM customer_identifiers ci JOIN customers c "
        "ON c.id = ci.customer_id WHERE ci.tenant_id = %s AND ci.type = %s AND ci.value = %s AND c.tenant_id = %s",
        (tenant_id, type_, value, tenant_id),
    ).fetchone()


def display_name(conn: Connection, *, tenant_id: str, customer_id: str) -> str | None:
    row: Any = conn.execute(
        "SELECT display_name FROM customers WHERE id = %s AND tenant_id = %s", (customer_id, tenant_id)
    ).fetchone()
    return None if row is None else row["display_name"]


def list_identifiers(conn: Connection, *, customer_id: str) -> list[dict[str, Any]]:
    return conn.execute(  # type: ignore[return-value]
        "SELECT type, value FROM customer_identifiers WHERE customer_id = %s ORDER BY created_at, type, value",
        (customer_id,),
    ).fetchall()


def delete_customer(conn: Connection, *, tenant_id: str, customer_id: str) -> bool:
    """Delete the customer and everything that cascades from it (aliases merged into it too)."""
    conn.execute("DELETE FROM customers WHERE merged_into = %s AND tenant_id = %s", (customer_id, tenant_id))
    cur = conn.execute("DELETE FROM customers WHERE id = %s AND tenant_id = %s", (customer_id, tenant_id))
    return cur.rowcount > 0


def move_customer_rows(conn: Connection, *, tenant_id: str, from_id: str, into_id: str) -> dict[str, int]:
    """Re-home everything of one customer under another (same tenant). Returns moved counts."""
    moved = {}
    for table in ("customer_identifiers", "interactions", "observations", "episodes"):
        cur = conn.execute(
            f"UPDATE {table} SET customer_id = %s WHERE customer_id = %s AND tenant_id = %s",  # noqa: S608
            (into_id, from_id, tenant_id),
        )
        moved[table] = cur.rowcount
    conn.execute(
        "UPDATE customers SET merged_into = %s, updated_at = now() WHERE merged_into = %s AND tenant_id = %s",
        (into_id, from_id, tenant_id),
    )
    conn.execute(
        "UPDATE customers SET merged_into = %s, updated_at = now() WHERE id = %s AND tenant_id = %s",
        (into_id, from_id, tenant_id),
    )
    conn.execute(
        "UPDATE customers c SET display_name = m.display_name FROM customers m "
        "WHERE c.id = %s AND m.id = %s AND c.display_name IS NULL",
        (into_id, from_id),
    )
    return moved


def insert_merge_audit(
    conn: Connection, *, tenant_id: str, merged_id: str, into_id: str, reason: str, details: dict[str, Any]
) -> None:
    conn.execute(
        "INSERT INTO customer_merges (id, tenant_id, merged_customer_id, into_customer_id, reason, details) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (uuid.uuid4(), tenant_id, merged_id, into_id, reason, Jsonb(details)),
    )


def list_merges(conn: Connection, *, customer_id: str) -> list[dict[str, Any]]:
    return conn.execute(  # type: ignore[return-value]
        "SELECT merged_customer_id, into_customer_id, reason, details, merged_at FROM customer_merges "
        "WHERE into_customer_id = %s ORDER BY merged_at",
        (customer_id,),
    ).fetchall()


def oldest_customer(conn: Connection, *, customer_ids: list[str]) -> str:
    row: Any = conn.execute(
        "SELECT id FROM customers WHERE id = ANY(%s::uuid[]) ORDER BY created_at, id LIMIT 1", (customer_ids,)
    ).fetchone()
    return str(row["id"])


def posted_identifiers(conn: Connection, *, customer_id: str) -> list[dict[str, Any]]:
    """Identifiers the customer's interactions were posted with (as posted, not normalised)."""
    rows: list[Any] = conn.execute(
        "SELECT DISTINCT jsonb_array_elements(payload->'customer'->'identifiers') AS ident FROM interactions "
        "WHERE customer_id = %s",
        (customer_id,),
    ).fetchall()
    return [r["ident"] for r in rows if isinstance(r["ident"], dict)]


def delete_identifier(conn: Connection, *, tenant_id: str, customer_id: str, type_: str, value: str) -> None:
    conn.execute(
        "DELETE FROM customer_identifiers WHERE tenant_id = %s AND customer_id = %s AND type = %s AND value = %s",
        (tenant_id, customer_id, type_, value),
    )
