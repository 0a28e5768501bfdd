"""Customer identity: resolve references, resolve or create from identifiers, forget."""

from __future__ import annotations

import uuid
from urllib.parse import unquote

from psycopg import Connection

from memory_service.customers import repository as repo
from memory_service.errors import NotFoundError
from memory_service.extraction.patterns import normalize_identifier
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
    for type_, value in sorted(identifiers):
        repo.lock_key(conn, key=f"ident|{tenant_id}|{type_}|{value}")
    known = repo.find_customers_by_identifiers(conn, tenant_id=tenant_id, identifiers=identifiers)
    owners = {str(row["customer_id"]) for row in known}
    if owners:
        # Several existing customers named together: the oldest link wins here; merging is
        # done by the reconciliation step that owns customer merges.
        owned = {(row["type"], row["value"]): str(row["customer_id"]) for row in known}
        customer_id = owned[next(k for k in identifiers if k in owned)]
    else:
        customer_id = str(repo.insert_customer(conn, tenant_id=tenant_id, display_name=name))
    for type_, value in identifiers:
        repo.insert_identifier(conn, tenant_id=tenant_id, customer_id=customer_id, type_=type_, value=value)
    if name:
        repo.set_display_name(conn, customer_id=customer_id, name=name)
    return customer_id


def resolve_customer_ref(conn: Connection, *, tenant_id: str, ref: str, country_code: str = "1") -> str:
    """A customer id, or `type:value`; merged customers resolve to the survivor. 404 otherwise."""
    ref = unquote(ref).strip()
    customer_id: str | None = None
    try:
        customer_id = str(uuid.UUID(ref))
    except ValueError:
        type_, sep, value = ref.partition(":")
        if sep and value:
            type_ = type_.lower()
            value = normalize_identifier(type_, value, default_country_code=country_code)
            customer_id = repo.find_customer_by_identifier(conn, tenant_id=tenant_id, type_=type_, value=value)
    for _ in range(8):  # follow merges
        if customer_id is None:
            break
        row = repo.get_customer(conn, tenant_id=tenant_id, customer_id=customer_id)
        if row is None:
            break
        if row["merged_into"] is None:
            return customer_id
        customer_id = str(row["merged_into"])
    raise NotFoundError(f"customer {ref!r} not found", loc=("path", "customer_ref"))


def forget_customer(conn: Connection, *, tenant_id: str, customer_id: str) -> None:
    repo.lock_customer(conn, customer_id=customer_id)
    if not repo.delete_customer(conn, tenant_id=tenant_id, customer_id=customer_id):
        raise NotFoundError(f"customer {customer_id!r} not found", loc=("path", "customer_ref"))
    repo.record_change(conn, tenant_id=tenant_id, customer_id=customer_id)
