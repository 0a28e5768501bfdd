"""SQL for interactions and their processing states."""

from __future__ import annotations

import uuid
from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb

STATUS_COLUMNS = (
    "id, external_id, customer_id, tenant_id, status, error, attempts, observations_created, "
    "observations_updated, summary, created_at, finished_at"
)


def get_by_external_id(conn: Connection, *, tenant_id: str, external_id: str) -> dict[str, Any] | None:
    return conn.execute(  # type: ignore[return-value]
        f"SELECT {STATUS_COLUMNS}, content_hash FROM interactions WHERE tenant_id = %s AND external_id = %s",
        (tenant_id, external_id),
    ).fetchone()


def insert_interaction(
    conn: Connection,
    *,
    tenant_id: str,
    customer_id: str,
    external_id: str,
    content_hash: str,
    channel: str,
    started_at: Any,
    ended_at: Any,
    payload: dict[str, Any],
    status: str = "queued",
) -> uuid.UUID:
    """A new interaction: `queued` (finished, to be processed) or `live` (still being appended to)."""
    interaction_id = uuid.uuid4()
    conn.execute(
        "INSERT INTO interactions (id, tenant_id, customer_id, external_id, content_hash, channel, started_at, "
        "ended_at, payload, status, enqueued_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())",
        (interaction_id, tenant_id, customer_id, external_id, content_hash, channel, started_at, ended_at,
         Jsonb(payload), status),
    )  # fmt: skip
    return interaction_id


def get_payload(conn: Connection, *, tenant_id: str, interaction_id: str) -> dict[str, Any] | None:
    return conn.execute(  # type: ignore[return-value]
        "SELECT id, customer_id, channel, status, started_at, payload FROM interactions "
        "WHERE id = %s AND tenant_id = %s",
        (interaction_id, tenant_id),
    ).fetchone()


def update_live_payload(conn: Connection, *, interaction_id: str, payload: dict[str, Any]) -> None:
    """A live interaction's transcript after an append (the caller holds its row lock)."""
    conn.execute(
        "UPDATE interactions SET payload = %s WHERE id = %s AND status = 'live'", (Jsonb(payload), interaction_id)
    )


def mark_ended(conn: Connection, *, interaction_id: str, ended_at: Any, payload: dict[str, Any], status: str) -> None:
    """live -> queued (to be processed), or -> done when there was nothing said to process."""
    conn.execute(
        "UPDATE interactions SET status = %s, ended_at = %s, payload = %s, enqueued_at = now(), "
        "finished_at = CASE WHEN %s = 'done' THEN now() END WHERE id = %s AND status = 'live'",
        (status, ended_at, Jsonb(payload), status, interaction_id),
    )


def get_status(conn: Connection, *, tenant_id: str, interaction_id: str) -> dict[str, Any] | None:
    return conn.execute(  # type: ignore[return-value]
        f"SELECT {STATUS_COLUMNS} FROM interactions WHERE id = %s AND tenant_id = %s", (interaction_id, tenant_id)
    ).fetchone()


def claim_for_processing(conn: Connection, *, interaction_id: str) -> dict[str, Any] | None:
    """queued/processing/failed -> processing; None when done, still live or gone (re-delivery is a no-op)."""
    return conn.execute(  # type: ignore[return-value]
        "UPDATE interactions SET status = 'processing', attempts = attempts + 1, processing_started_at = now(), "
        "error = NULL WHERE id = %s AND status NOT IN ('done', 'live') "
        "RETURNING id, tenant_id, customer_id, payload, attempts",
        (interaction_id,),
    ).fetchone()


def get_owner(conn: Connection, *, interaction_id: str, tenant_id: str | None = None) -> dict[str, Any] | None:
    return conn.execute(  # type: ignore[return-value]
        "SELECT id, tenant_id, customer_id, status FROM interactions "
        "WHERE id = %s AND (%s::uuid IS NULL OR tenant_id = %s)",
        (interaction_id, tenant_id, tenant_id),
    ).fetchone()


def lock_row(conn: Connection, *, interaction_id: str) -> dict[str, Any] | None:
    return conn.execute(  # type: ignore[return-value]
        "SELECT id, tenant_id, customer_id, status FROM interactions WHERE id = %s FOR UPDATE", (interaction_id,)
    ).fetchone()


def mark_done(conn: Connection, *, interaction_id: str, created: int, updated: int, summary: str | None) -> None:
    conn.execute(
        "UPDATE interactions SET status = 'done', finished_at = now(), error = NULL, observations_created = %s, "
        "observations_updated = %s, summary = %s WHERE id = %s",
        (created, updated, summary, interaction_id),
    )


def mark_failed(conn: Connection, *, interaction_id: str, error: str) -> None:
    conn.execute(
        "UPDATE interactions SET status = 'failed', finished_at = now(), error = %s "
        "WHERE id = %s AND status NOT IN ('done', 'live')",
        (error[:2000], interaction_id),
    )


def mark_requeued(conn: Connection, *, interaction_id: str, error: str | None = None) -> None:
    conn.execute(
        "UPDATE interactions SET status = 'queued', enqueued_at = now(), error = COALESCE(%s, error) "
        "WHERE id = %s AND status NOT IN ('done', 'live')",
        (error, interaction_id),
    )


def claim_stale(
    conn: Connection, *, queued_after_s: float, processing_after_s: float, include_failed: bool = False,
    max_attempts: int = 10, limit: int = 500,
) -> list[str]:  # fmt: skip
    """Interactions stuck in the queue or in a dead worker (and, on request, failed ones);
    their clock is reset as they are claimed, so two reapers do not both take one. One that
    has been attempted max_attempts times (it kills its worker, say) is marked failed instead."""
    conn.execute(
        "UPDATE interactions SET status = 'failed', finished_at = now(), "
        "error = 'gave up after ' || attempts || ' attempts (the worker did not finish it)' "
        "WHERE status IN ('queued', 'processing') AND attempts >= %s"
        " AND COALESCE(processing_started_at, enqueued_at) < now() - make_interval(secs => %s)",
        (max_attempts, min(queued_after_s, processing_after_s)),
    )
    rows = conn.execute(
        "UPDATE interactions SET status = 'queued', enqueued_at = now() WHERE id IN ("
        " SELECT id FROM interactions WHERE"
        " (status = 'queued' AND enqueued_at < now() - make_interval(secs => %s))"
        " OR (status = 'processing' AND processing_started_at < now() - make_interval(secs => %s))"
        " OR (%s AND status = 'failed')"
        " ORDER BY enqueued_at LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id",
        (queued_after_s, processing_after_s, include_failed, limit),
    ).fetchall()
    return [str(r["id"]) for r in rows]  # type: ignore[call-overload]


def delete_interaction(conn: Connection, *, tenant_id: str, interaction_id: str) -> dict[str, Any] | None:
    return conn.execute(  # type: ignore[return-value]
        "DELETE FROM interactions WHERE id = %s AND tenant_id = %s RETURNING customer_id", (interaction_id, tenant_id)
    ).fetchone()


def backlog(conn: Connection) -> dict[str, tuple[int, float]]:
    """{status: (count, seconds since the oldest was posted)} for queued and processing (a partial
    index). Posted, not enqueued: a requeue resets enqueued_at, and a stuck one must keep ageing."""
    rows: list[Any] = conn.execute(
        "SELECT status, count(*) AS n, extract(epoch FROM now() - min(created_at)) AS age FROM interactions "
        "WHERE status IN ('queued', 'processing') GROUP BY status"
    ).fetchall()
    return {r["status"]: (int(r["n"]), float(r["age"] or 0.0)) for r in rows}


def list_for_customer(conn: Connection, *, tenant_id: str, customer_id: str) -> list[dict[str, Any]]:
    """Every interaction of the customer with its stored (already redacted) payload, oldest first."""
    return conn.execute(  # type: ignore[return-value]
        "SELECT id, external_id, channel, status, started_at, ended_at, summary, payload FROM interactions "
        "WHERE tenant_id = %s AND customer_id = %s ORDER BY started_at, created_at",
        (tenant_id, customer_id),
    ).fetchall()


def expired(conn: Connection, *, limit: int) -> list[dict[str, Any]]:
    """Interactions older than their tenant's retention period (not live or being processed)."""
    return conn.execute(  # type: ignore[return-value]
        "SELECT i.id, i.tenant_id FROM interactions i JOIN tenants t ON t.id = i.tenant_id "
        "WHERE t.retention_days IS NOT NULL AND i.status NOT IN ('live', 'processing') "
        "AND i.started_at < now() - make_interval(days => t.retention_days) ORDER BY i.started_at LIMIT %s",
        (limit,),
    ).fetchall()


def where_given(conn: Connection, *, customer_id: str) -> dict[str, dict[str, Any]]:
    """{interaction id: its channel, external id and start}: where each fact of the customer was said."""
    rows: list[Any] = conn.execute(
        "SELECT id, channel, external_id, started_at FROM interactions WHERE customer_id = %s", (customer_id,)
    ).fetchall()
    return {str(r["id"]): r for r in rows}
