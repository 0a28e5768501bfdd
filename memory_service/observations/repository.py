"""SQL for observations and their sources (provenance down to utterance ids)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import numpy as np
from psycopg import Connection, Cursor
from psycopg.types.json import Jsonb

# One row per observation with its sources aggregated oldest first.
SELECT_WITH_SOURCES = """
SELECT o.id, o.customer_id, o.kind, o.text, o.attributes, o.trait_key, o.confidence, o.status,
       o.observed_at, o.valid_from, o.valid_to, o.superseded_by, o.support_count, o.last_seen_at, o.needs_review,
       COALESCE(src.sources, '[]'::jsonb) AS sources
FROM observations o
LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object('interaction_id', s.interaction_id, 'external_id', i.external_id,
                                        'utterance_ids', s.utterance_ids, 'channel', i.channel)
                     ORDER BY s.observed_at, s.interaction_id) AS sources
    FROM observation_sources s JOIN interactions i ON i.id = s.interaction_id
    WHERE s.observation_id = o.id
) src ON true
"""


def active_for_reconcile(conn: Connection, *, customer_id: str) -> list[dict[str, Any]]:
    return conn.execute(  # type: ignore[return-value]
        "SELECT id, kind, text, content_key, trait_key, attributes, embedding, confidence, support_count, "
        "observed_at, last_seen_at, valid_from, needs_review FROM observations "
        "WHERE customer_id = %s AND status = 'active' "
        "ORDER BY observed_at, id",
        (customer_id,),
    ).fetchall()


def insert_observation(
    conn: Connection,
    *,
    observation_id: uuid.UUID,
    tenant_id: str,
    customer_id: str,
    kind: str,
    text: str,
    attributes: dict[str, Any],
    trait_key: str | None,
    content_key: str,
    embedding: np.ndarray,
    confidence: float,
    observed_at: datetime,
    status: str = "active",
    valid_to: datetime | None = None,
    superseded_by: uuid.UUID | None = None,
    needs_review: bool = False,
) -> bool:
    cur = conn.execute(
        "INSERT INTO observations (id, tenant_id, customer_id, kind, text, attributes, trait_key, content_key, "
        "embedding, confidence, status, observed_at, valid_from, valid_to, superseded_by, last_seen_at, needs_review) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
        (observation_id, tenant_id, customer_id, kind, text, Jsonb(attributes), trait_key, content_key,
         embedding, confidence, status, observed_at, observed_at, valid_to, superseded_by, observed_at, needs_review),
    )  # fmt: skip
    return cur.rowcount > 0


def add_source(
    conn: Connection, *, observation_id: Any, interaction_id: str, utterance_ids: list[str], observed_at: datetime,
    confidence: float | None = None,
) -> bool:  # fmt: skip
    cur = conn.execute(
        "INSERT INTO observation_sources (observation_id, interaction_id, utterance_ids, observed_at, confidence) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (observation_id, interaction_id, utterance_ids, observed_at, confidence),
    )
    return cur.rowcount > 0


def source_confidences(conn: Connection, *, customer_id: str) -> dict[Any, list[tuple[float | None, Any]]]:
    """Per observation of the customer: its sources' confidences, oldest first. A person's
    correction is left out: its confidence (1.0) rests on them, not on the sources."""
    rows: list[Any] = conn.execute(
        "SELECT o.id, o.confidence AS current, s.confidence FROM observations o "
        "JOIN observation_sources s ON s.observation_id = o.id "
        "WHERE o.customer_id = %s AND NOT o.attributes ? 'corrected_from' "
        "ORDER BY o.id, s.observed_at, s.interaction_id",
        (customer_id,),
    ).fetchall()
    out: dict[Any, list[tuple[float | None, Any]]] = {}
    for row in rows:
        out.setdefault(row["id"], []).append((row["confidence"], row["current"]))
    return out


def set_support(conn: Connection, *, observation_id: Any, confidence: float, support_count: int) -> None:
    conn.execute(
        "UPDATE observations SET confidence = %s, support_count = %s, updated_at = now() WHERE id = %s",
        (confidence, support_count, observation_id),
    )


def reinforce(conn: Connection, *, observation_id: Any, confidence: float, seen_at: datetime) -> None:
    conn.execute(
        "UPDATE observations SET confidence = %s, support_count = support_count + 1, "
        "last_seen_at = GREATEST(last_seen_at, %s), updated_at = now() WHERE id = %s",
        (confidence, seen_at, observation_id),
    )


def merge_attributes(conn: Connection, *, observation_id: Any, attributes: dict[str, Any]) -> None:
    conn.execute(
        "UPDATE observations SET attributes = attributes || %s, updated_at = now() WHERE id = %s",
        (Jsonb(attributes), observation_id),
    )


def supersede(conn: Connection, *, observation_id: Any, superseded_by: Any, valid_to: datetime) -> None:
    conn.execute(
        "UPDATE observations SET status = 'superseded', valid_to = %s, superseded_by = %s, updated_at = now() "
        "WHERE id = %s",
        (valid_to, superseded_by, observation_id),
    )


def delete_unsupported(conn: Connection, *, customer_id: str) -> None:
    """Drop observations left with no source, keeping every history chain intact.

    A row superseded by a dropped one is re-pointed at the dropped row's own successor
    (v1 -> v2 -> v3 with v2 gone becomes v1 -> v3). Only where no successor remains is the
    newest superseded value of that trait (or the superseded revision) made active again.
    """
    unsupported = (
        "SELECT o.id, o.superseded_by FROM observations o WHERE o.customer_id = %s AND NOT EXISTS "
        "(SELECT 1 FROM observation_sources s WHERE s.observation_id = o.id)"
    )
    for _ in range(16):  # a chain of dropped rows re-points one link per pass
        cur = conn.execute(
            f"UPDATE observations o SET superseded_by = d.superseded_by FROM ({unsupported}) d "  # noqa: S608
            "WHERE o.customer_id = %s AND o.superseded_by = d.id AND o.id <> d.id",
            (customer_id, customer_id),
        )
        if cur.rowcount == 0:
            break
    conn.execute(f"DELETE FROM observations WHERE id IN (SELECT id FROM ({unsupported}) d)", (customer_id,))  # noqa: S608
    conn.execute(
        "UPDATE observations o SET status = 'active', valid_to = NULL, updated_at = now() WHERE o.id IN ("
        " SELECT DISTINCT ON (COALESCE(r.trait_key, r.id::text)) r.id FROM observations r"
        " WHERE r.customer_id = %s AND r.status = 'superseded' AND r.superseded_by IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM observations a WHERE a.customer_id = r.customer_id"
        "                 AND a.status = 'active' AND a.trait_key = r.trait_key)"
        " ORDER BY COALESCE(r.trait_key, r.id::text), r.valid_from DESC)",
        (customer_id,),
    )


def redirect_successor(conn: Connection, *, from_id: Any, into_id: Any) -> None:
    """Rows superseded by one observation now point at another (it is about to be removed)."""
    conn.execute("UPDATE observations SET superseded_by = %s WHERE superseded_by = %s", (into_id, from_id))


def fetch_with_sources(
    conn: Connection, *, tenant_id: str, customer_id: str, ids: list[str], active_only: bool = True
) -> dict[str, dict[str, Any]]:
    cursor = query_with_sources(conn, tenant_id=tenant_id, customer_id=customer_id, ids=ids, active_only=active_only)
    return by_id(cursor.fetchall())


def query_with_sources(
    conn: Connection, *, tenant_id: str, customer_id: str, ids: list[str], active_only: bool = True
) -> Cursor[Any]:
    """The query of fetch_with_sources, sent but not yet read (a pipeline can send another first)."""
    status_clause = " AND o.status = 'active'" if active_only else ""
    return conn.execute(
        SELECT_WITH_SOURCES
        + " WHERE o.id = ANY(%s::uuid[]) AND o.tenant_id = %s AND o.customer_id = %s"
        + status_clause,
        (ids, tenant_id, customer_id),
    )


def by_id(rows: list[Any]) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in rows}


def list_page(
    conn: Connection,
    *,
    tenant_id: str,
    customer_id: str,
    kind: str | None,
    status: str,
    limit: int,
    after: tuple[datetime, str] | None,
) -> list[dict[str, Any]]:
    clauses = ["o.tenant_id = %s", "o.customer_id = %s"]
    params: list[Any] = [tenant_id, customer_id]
    if kind:
        clauses.append("o.kind = %s")
        params.append(kind)
    if status != "all":
        clauses.append("o.status = %s")
        params.append(status)
    if after is not None:
        clauses.append("(o.observed_at, o.id) < (%s, %s::uuid)")
        params.extend(after)
    sql = SELECT_WITH_SOURCES + " WHERE " + " AND ".join(clauses) + " ORDER BY o.observed_at DESC, o.id DESC LIMIT %s"
    return conn.execute(sql, (*params, limit)).fetchall()  # type: ignore[return-value]


def move_sources(conn: Connection, *, from_id: Any, into_id: Any) -> int:
    """Give one observation's sources to another (a duplicate found after a customer merge)."""
    cur = conn.execute(
        "INSERT INTO observation_sources (observation_id, interaction_id, utterance_ids, observed_at, confidence) "
        "SELECT %s, interaction_id, utterance_ids, observed_at, confidence FROM observation_sources "
        "WHERE observation_id = %s "
        "ON CONFLICT DO NOTHING",
        (into_id, from_id),
    )
    return cur.rowcount


def delete_observation(conn: Connection, *, observation_id: Any) -> None:
    conn.execute("DELETE FROM observations WHERE id = %s", (observation_id,))


def set_confidence(conn: Connection, *, observation_id: Any, confidence: float, extra_support: int) -> None:
    conn.execute(
        "UPDATE observations SET confidence = %s, support_count = support_count + %s, updated_at = now() WHERE id = %s",
        (confidence, extra_support, observation_id),
    )


def get_for_edit(
    conn: Connection, *, tenant_id: str, customer_id: str, observation_id: str, lock: bool = True
) -> dict[str, Any] | None:
    return conn.execute(  # type: ignore[return-value]
        "SELECT id, kind, text, attributes, trait_key, confidence, status, observed_at, needs_review, superseded_by "
        "FROM observations WHERE id = %s AND tenant_id = %s AND customer_id = %s" + (" FOR UPDATE" if lock else ""),
        (observation_id, tenant_id, customer_id),
    ).fetchone()


def active_trait_value_exists(conn: Connection, *, customer_id: str, trait_key: str, value: str) -> bool:
    row: Any = conn.execute(
        "SELECT 1 FROM observations WHERE customer_id = %s AND trait_key = %s AND status = 'active' "
        "AND attributes->>'value' = %s LIMIT 1",
        (customer_id, trait_key, value),
    ).fetchone()
    return row is not None


def retract(conn: Connection, *, observation_id: Any, at: datetime, attributes: dict[str, Any]) -> None:
    conn.execute(
        "UPDATE observations SET status = 'retracted', valid_to = %s, attributes = attributes || %s, "
        "updated_at = now() WHERE id = %s",
        (at, Jsonb(attributes), observation_id),
    )


def reinstate_predecessor(conn: Connection, *, observation_id: Any) -> Any | None:
    """The newest observation this one superseded becomes active again (older ones now point at it)."""
    row: Any = conn.execute(
        "SELECT id FROM observations WHERE superseded_by = %s AND status = 'superseded' "
        "ORDER BY valid_from DESC, id DESC LIMIT 1",
        (observation_id,),
    ).fetchone()
    if row is None:
        return None
    conn.execute("UPDATE observations SET superseded_by = %s WHERE superseded_by = %s AND id <> %s",
                 (row["id"], observation_id, row["id"]))  # fmt: skip
    conn.execute(
        "UPDATE observations SET status = 'active', valid_to = NULL, superseded_by = NULL, updated_at = now() "
        "WHERE id = %s",
        (row["id"],),
    )
    return row["id"]


def set_valid_from(conn: Connection, *, observation_id: Any, valid_from: datetime) -> None:
    conn.execute("UPDATE observations SET valid_from = %s WHERE id = %s", (valid_from, observation_id))


def settle_trait(conn: Connection, *, customer_id: str, trait_key: str, keep_id: Any, at: datetime) -> None:
    """A person settled a single-valued trait: other active values go to history behind keep_id."""
    conn.execute(
        "UPDATE observations SET status = 'superseded', valid_to = %s, superseded_by = %s, needs_review = false, "
        "updated_at = now() WHERE customer_id = %s AND trait_key = %s AND status = 'active' AND id <> %s",
        (at, keep_id, customer_id, trait_key, keep_id),
    )
    conn.execute("UPDATE observations SET needs_review = false WHERE id = %s", (keep_id,))


def clear_lone_review(conn: Connection, *, customer_id: str, trait_key: str) -> None:
    """One active value left of a trait flagged for review: nothing to review any more."""
    conn.execute(
        "UPDATE observations SET needs_review = false WHERE customer_id = %s AND trait_key = %s AND status = 'active' "
        "AND needs_review AND (SELECT count(*) FROM observations a WHERE a.customer_id = %s AND a.trait_key = %s "
        "AND a.status = 'active') = 1",
        (customer_id, trait_key, customer_id, trait_key),
    )


def forget_outcomes_from(conn: Connection, *, customer_id: str, interaction_id: str) -> None:
    """An interaction being forgotten no longer fulfils a commitment or resolves an issue, and its
    words (the fulfilment or resolution quote) leave the observations that cited it."""
    conn.execute(
        "UPDATE observations SET attributes = (attributes - 'fulfilled_in' - 'fulfilled_at' - 'fulfilment' "
        "- 'fulfilment_utterance_ids') || '{\"status\": \"pending\"}'::jsonb, updated_at = now() "
        "WHERE customer_id = %s AND attributes->>'fulfilled_in' = %s",
        (customer_id, interaction_id),
    )
    conn.execute(
        "UPDATE observations SET attributes = (attributes - 'resolved_in' - 'resolved_by' - 'resolution') "
        "|| '{\"resolved\": false}'::jsonb, updated_at = now() "
        "WHERE customer_id = %s AND attributes->>'resolved_in' = %s",
        (customer_id, interaction_id),
    )


def pending_commitments_before(
    conn: Connection, *, customer_id: str, interaction_id: str, at: datetime
) -> list[dict[str, Any]]:
    """The customer's active, pending commitments made by then in other interactions."""
    return conn.execute(  # type: ignore[return-value]
        "SELECT o.id, o.text, o.attributes FROM observations o WHERE o.customer_id = %s AND o.kind = 'commitment' "
        "AND o.status = 'active' AND coalesce(o.attributes->>'status', 'pending') = 'pending' "
        "AND o.observed_at <= %s AND NOT EXISTS (SELECT 1 FROM observation_sources s "
        "WHERE s.observation_id = o.id AND s.interaction_id = %s) ORDER BY o.observed_at, o.id",
        (customer_id, at, interaction_id),
    ).fetchall()
