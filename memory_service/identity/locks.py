"""The one lock order of every writer: the posted external id (ingestion), identifier advisory
locks (sorted), then customer rows by id (sorted), then the interaction row.

A merge locks both customers before it moves their interactions, so a writer that locked an
interaction row first and then waited for its customer could deadlock with it; taking the
locks here, in this order, is what keeps ingestion, processing, merges, forgetting and
people's edits from deadlocking one another.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from psycopg import Connection

from memory_service.customers import repository as customers_repo
from memory_service.interactions import repository as interactions_repo


def lock_in_order(
    conn: Connection, *, tenant_id: str, external_id: str | None = None, identifiers: Iterable[tuple[str, str]] = (),
    customer_ids: Iterable[str] = (), with_owners: bool = False, interaction_id: str | None = None,
) -> dict[str, Any] | None:  # fmt: skip
    """Take the locks a writer needs, in the one order. `with_owners` also locks the customers
    owning `identifiers`; with `interaction_id`, its customer is locked too and then the
    interaction row, which is returned (None if it is gone)."""
    if external_id is not None:  # one ingestion of an external id at a time
        customers_repo.lock_key(conn, key=f"ext|{tenant_id}|{external_id}")
    identifiers = sorted(identifiers)
    for type_, value in identifiers:
        customers_repo.lock_key(conn, key=f"ident|{tenant_id}|{type_}|{value}")
    also = set(customer_ids)
    if with_owners:
        also |= owners_of(conn, tenant_id=tenant_id, identifiers=identifiers)
    if interaction_id is None:
        for customer_id in sorted(also):
            customers_repo.lock_customer(conn, customer_id=customer_id)
        return None
    return _lock_interaction(conn, tenant_id=tenant_id, interaction_id=interaction_id, also=also)


def _lock_interaction(
    conn: Connection, *, tenant_id: str, interaction_id: str, also: set[str]
) -> dict[str, Any] | None:
    """If a merge moved the interaction while we waited, lock its new customer and check again."""
    for _ in range(5):
        owner = interactions_repo.get_owner(conn, interaction_id=interaction_id, tenant_id=tenant_id)
        if owner is None:
            return None
        customers = sorted({customers_repo.root_customer(conn, customer_id=str(owner["customer_id"])), *also})
        for customer_id in customers:
            customers_repo.lock_customer(conn, customer_id=customer_id)
        row = interactions_repo.lock_row(conn, interaction_id=interaction_id)
        if row is None or str(row["customer_id"]) in customers:
            return row
    raise RuntimeError(f"interaction {interaction_id} kept moving between customers")


def owners_of(conn: Connection, *, tenant_id: str, identifiers: list[tuple[str, str]]) -> set[str]:
    """The surviving customers owning any of these identifiers."""
    known = customers_repo.find_customers_by_identifiers(conn, tenant_id=tenant_id, identifiers=identifiers)
    return {customers_repo.root_customer(conn, customer_id=str(row["customer_id"])) for row in known}


STRONG_IDENTIFIER_TRAITS = {"email": "email", "phone": "phone"}


def identifiers_from_traits(traits: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Emails and phones among stated traits, as (identifier type, value)."""
    return sorted({(STRONG_IDENTIFIER_TRAITS[k], v) for k, v in traits if k in STRONG_IDENTIFIER_TRAITS})
