"""Ingestion: validate, store in Postgres first, then enqueue; status; forget; requeue."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from psycopg import Connection

from memory_service.customers import repository as customers_repo
from memory_service.customers import service as customers
from memory_service.errors import ConflictError, NotFoundError
from memory_service.interactions import repository as repo
from memory_service.observations import repository as observations_repo
from memory_service.observations.reconcile import recompute_support
from schemas.interactions import InteractionAccepted, InteractionIn, InteractionStatus


def content_hash(payload: InteractionIn) -> str:
    canonical = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def submit_interaction(
    conn: Connection, *, tenant_id: str, payload: InteractionIn, country_code: str = "1"
) -> tuple[InteractionAccepted, bool]:
    """Store the interaction (idempotent on external_id). Returns (answer, created)."""
    customers_repo.lock_key(conn, key=f"ext|{tenant_id}|{payload.external_id}")
    digest = content_hash(payload)
    existing = repo.get_by_external_id(conn, tenant_id=tenant_id, external_id=payload.external_id)
    if existing is not None:
        if existing["content_hash"] != digest:
            raise ConflictError(
                f"external_id {payload.external_id!r} was already posted with different content",
                loc=("body", "external_id"),
            )
        return InteractionAccepted(
            interaction_id=str(existing["id"]), customer_id=str(existing["customer_id"]), status=existing["status"]
        ), False
    identifiers = customers.normalized_identifiers(payload.customer.identifiers, country_code=country_code)
    customer_id = customers.resolve_or_create_customer(
        conn, tenant_id=tenant_id, identifiers=identifiers, name=payload.customer.name
    )
    interaction_id = repo.insert_interaction(
        conn,
        tenant_id=tenant_id,
        customer_id=customer_id,
        external_id=payload.external_id,
        content_hash=digest,
        channel=payload.channel,
        started_at=payload.started_at,
        ended_at=payload.ended_at,
        payload=payload.model_dump(mode="json"),
    )
    return InteractionAccepted(interaction_id=str(interaction_id), customer_id=customer_id, status="queued"), True


def _status_model(row: dict[str, Any]) -> InteractionStatus:
    return InteractionStatus(
        interaction_id=str(row["id"]),
        external_id=row["external_id"],
        customer_id=str(row["customer_id"]),
        status=row["status"],
        error=row["error"],
        observations_created=row["observations_created"],
        observations_updated=row["observations_updated"],
        summary=row["summary"],
        attempts=row["attempts"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
    )


def get_interaction_status(conn: Connection, *, tenant_id: str, interaction_id: str) -> InteractionStatus:
    row = repo.get_status(conn, tenant_id=tenant_id, interaction_id=_as_uuid(interaction_id))
    if row is None:
        raise NotFoundError(f"interaction {interaction_id!r} not found", loc=("path", "interaction_id"))
    return _status_model(row)


def lock_with_customers(
    conn: Connection, *, interaction_id: str, tenant_id: str | None = None, also: Iterable[str] = ()
) -> dict[str, Any] | None:
    """Lock the interaction's customer (and `also`), in sorted order, and then the interaction row.

    One lock order everywhere: identifier locks, then customers by id, then interaction rows.
    A merge locks both customers before it moves their interactions, so a writer that locked
    the interaction row first and then waited for its customer could deadlock with it. If a
    merge moved the interaction while we waited, lock its new customer and check again.
    """
    for _ in range(5):
        owner = repo.get_owner(conn, interaction_id=interaction_id, tenant_id=tenant_id)
        if owner is None:
            return None
        customers = sorted({customers_repo.root_customer(conn, customer_id=str(owner["customer_id"])), *also})
        for customer_id in customers:
            customers_repo.lock_customer(conn, customer_id=customer_id)
        row = repo.lock_row(conn, interaction_id=interaction_id)
        if row is None or str(row["customer_id"]) in customers:
            return row
    raise RuntimeError(f"interaction {interaction_id} kept moving between customers")


def forget_interaction(conn: Connection, *, tenant_id: str, interaction_id: str) -> str:
    """Delete one interaction and whatever rests only on it. Returns the customer id."""
    interaction_id = _as_uuid(interaction_id)
    row = lock_with_customers(conn, interaction_id=interaction_id, tenant_id=tenant_id)
    if row is None:
        raise NotFoundError(f"interaction {interaction_id!r} not found", loc=("path", "interaction_id"))
    customer_id = str(row["customer_id"])
    repo.delete_interaction(conn, tenant_id=tenant_id, interaction_id=interaction_id)
    observations_repo.delete_unsupported(conn, customer_id=customer_id)
    observations_repo.forget_outcomes_from(conn, customer_id=customer_id, interaction_id=interaction_id)
    recompute_support(conn, customer_id=customer_id)
    customers_repo.record_change(conn, tenant_id=tenant_id, customer_id=customer_id)
    return customer_id


def requeue_stale(
    conn: Connection, *, enqueue: Callable[[str], None], queued_after_s: float, processing_after_s: float,
    include_failed: bool = False, max_attempts: int = 10,
) -> list[str]:  # fmt: skip
    """Find interactions stuck or lost in the queue and enqueue them again (tasks are idempotent)."""
    ids = repo.claim_stale(
        conn, queued_after_s=queued_after_s, processing_after_s=processing_after_s, include_failed=include_failed,
        max_attempts=max_attempts,
    )  # fmt: skip
    conn.commit()
    for interaction_id in ids:
        enqueue(interaction_id)
    return ids


def _as_uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFoundError(f"interaction {value!r} not found", loc=("path", "interaction_id")) from None
