"""One customer's own writes: forgetting them. Resolving, linking and merging is identity/."""

from __future__ import annotations

from psycopg import Connection

from memory_service.customers import repository as repo
from memory_service.errors import NotFoundError
from memory_service.identity.locks import lock_in_order
from memory_service.units.changes import record_change


def forget_customer(conn: Connection, *, tenant_id: str, customer_id: str) -> None:
    lock_in_order(conn, tenant_id=tenant_id, customer_ids=[customer_id])
    if not repo.delete_customer(conn, tenant_id=tenant_id, customer_id=customer_id):
        raise NotFoundError(f"customer {customer_id!r} not found", loc=("path", "customer_ref"))
    record_change(conn, tenant_id=tenant_id, customer_id=customer_id)
