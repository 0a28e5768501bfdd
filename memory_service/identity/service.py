"""Customer identity: resolve references, resolve or create from identifiers, link, merge.

Every lock goes through identity.locks.lock_in_order, so the order is written down once.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import unquote

from psycopg import Connection

from memory_service.customers import repository as repo
from memory_service.errors import NotFoundError
from memory_service.extraction.patterns import normalize_identifier
from memory_service.identity.locks import identifiers_from_traits, lock_in_order
from memory_service.observations.reconcile import merge_memories
from memory_service.units.changes import record_change
from schemas.interactions import IdentifierIn


def normalized_identifiers(identifiers: list[IdentifierIn], *, country_code: str) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for ident in identifiers:
        seen[(ident.type, normalize_identifier(ident.type, ident.value, default_country_code=country_code))] = None
    return list(seen)


def resolve_or_create_customer(
    conn: Connection, *, tenant_id: str, identifiers: list[tuple[str, str]], name: str | None
) -> str:
    """One customer for every identifier seen together; unknown identifiers are linked to it."""
    lock_in_order(conn, tenant_id=tenant_id, identifiers=identifiers)
    known = repo.find_customers_by_identifiers(conn, tenant_id=tenant_id, identifiers=identifiers)
    owners = sorted({repo.root_customer(conn, customer_id=str(row["customer_id"])) for row in known})
    if len(owners) > 1:
        # Identifiers of several customers posted together: they are one person.
        shared = sorted(f"{row['type']}:{row['value']}" for row in known)
        customer_id = merge_customers(
            conn, tenant_id=tenant_id, customer_ids=owners, reason="identifiers posted together",
            details={"identifiers": shared},
        )  # fmt: skip
    elif owners:
        customer_id = owners[0]
    else:
        customer_id = str(repo.insert_customer(conn, tenant_id=tenant_id, display_name=name))
    for type_, value in identifiers:
        repo.insert_identifier(conn, tenant_id=tenant_id, customer_id=customer_id, type_=type_, value=value)
    if name:
        repo.set_display_name(conn, customer_id=customer_id, name=name)
    return customer_id


def merge_customers(
    conn: Connection, *, tenant_id: str, customer_ids: list[str], reason: str, details: dict[str, object]
) -> str:
    """Merge customers into the oldest one, with an audit record; merged ids keep resolving.

    Observations are moved as they are, then merge_memories collapses duplicates and settles
    single-valued traits on the survivor.
    """
    ordered = sorted({repo.root_customer(conn, customer_id=c) for c in customer_ids})
    lock_in_order(conn, tenant_id=tenant_id, customer_ids=ordered)
    survivor = repo.oldest_customer(conn, customer_ids=ordered)
    for merged in ordered:
        if merged == survivor:
            continue
        moved = repo.move_customer_rows(conn, tenant_id=tenant_id, from_id=merged, into_id=survivor)
        repo.insert_merge_audit(
            conn, tenant_id=tenant_id, merged_id=merged, into_id=survivor, reason=reason,
            details={**details, "moved": moved},
        )  # fmt: skip
        record_change(conn, tenant_id=tenant_id, customer_id=merged)
    merge_memories(conn, customer_id=survivor)
    record_change(conn, tenant_id=tenant_id, customer_id=survivor)
    return survivor


def link_identifiers_from_traits(
    conn: Connection, *, tenant_id: str, customer_id: str, traits: list[tuple[str, str]], interaction_id: str
) -> str:
    """Identifiers the customer stated in the conversation (an email spelled out on a call)
    become identifiers of theirs; one already owned by another customer merges the two.
    Returns the customer id to use from here on (the survivor of any merge)."""
    identifiers = identifiers_from_traits(traits)
    if not identifiers:
        return customer_id
    lock_in_order(conn, tenant_id=tenant_id, identifiers=identifiers)
    known = repo.find_customers_by_identifiers(conn, tenant_id=tenant_id, identifiers=identifiers)
    others = sorted({repo.root_customer(conn, customer_id=str(r["customer_id"])) for r in known} - {customer_id})
    if others:
        shared = sorted(f"{r['type']}:{r['value']}" for r in known if str(r["customer_id"]) != customer_id)
        customer_id = merge_customers(
            conn, tenant_id=tenant_id, customer_ids=[customer_id, *others],
            reason="identifier stated in an interaction",
            details={"identifiers": shared, "interaction_id": interaction_id},
        )  # fmt: skip
    for type_, value in identifiers:
        repo.insert_identifier(conn, tenant_id=tenant_id, customer_id=customer_id, type_=type_, value=value)
    return customer_id


def resolve_customer_ref(conn: Connection, *, tenant_id: str, ref: str, country_code: str = "1") -> str:
    """A customer id, or `type:value`; merged customers resolve to the survivor. 404 otherwise."""
    return resolve_customer(conn, tenant_id=tenant_id, ref=ref, country_code=country_code)[0]


def resolve_customer(conn: Connection, *, tenant_id: str, ref: str, country_code: str = "1") -> tuple[str, str | None]:
    """resolve_customer_ref with the customer's display name: (id, name). An identifier that
    belongs to a customer nobody merged away costs one query (recall's path)."""
    ref = unquote(ref).strip()
    row: dict[str, Any] | None = None
    try:
        customer_id: str | None = str(uuid.UUID(ref))
    except ValueError:
        customer_id = None
        type_, sep, value = ref.partition(":")
        if sep and value:
            type_ = type_.lower()
            value = normalize_identifier(type_, value, default_country_code=country_code)
            row = repo.customer_by_identifier(conn, tenant_id=tenant_id, type_=type_, value=value)
    for _ in range(8):  # follow merges
        if row is None and customer_id is not None:
            row = repo.get_customer(conn, tenant_id=tenant_id, customer_id=customer_id)
        if row is None:
            break
        if row["merged_into"] is None:
            return str(row["id"]), row["display_name"]
        customer_id, row = str(row["merged_into"]), None
    raise NotFoundError(f"customer {ref!r} not found", loc=("path", "customer_ref"))
