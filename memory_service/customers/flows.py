"""Forgetting a customer: resolve, delete with everything that cascades, and drop them from this
process's index once committed (other replicas follow the change feed)."""

from __future__ import annotations

from memory_service.customers.service import forget_customer as delete_customer
from memory_service.db import Transaction
from memory_service.identity.service import resolve_customer_ref
from memory_service.index.base import VectorIndex


def forget_customer(tx: Transaction, *, index: VectorIndex, tenant_id: str, customer_ref: str,
                    country_code: str = "1") -> str:  # fmt: skip
    customer_id = resolve_customer_ref(tx.conn, tenant_id=tenant_id, ref=customer_ref, country_code=country_code)
    delete_customer(tx.conn, tenant_id=tenant_id, customer_id=customer_id)
    tx.after_commit(lambda: index.remove_customer(customer_id=customer_id))  # honoured at once in this process
    return customer_id
