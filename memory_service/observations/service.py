"""Observation views (the history, paged); reconciliation lives in reconcile.py."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Any

from psycopg import Connection

from memory_service.errors import InvalidInputError
from memory_service.observations import repository as repo
from schemas.observations import ObservationOut, ObservationPage, Source


def _source(raw: dict[str, Any]) -> Source:
    return Source(
        interaction_id=str(raw["interaction_id"]), external_id=raw.get("external_id"),
        utterance_ids=list(raw.get("utterance_ids") or []),
    )  # fmt: skip


def observation_out(row: dict[str, Any]) -> ObservationOut:
    sources = [_source(s) for s in row["sources"]]
    return ObservationOut(
        id=str(row["id"]), kind=row["kind"], text=row["text"], confidence=round(float(row["confidence"]), 4),
        observed_at=row["observed_at"], source=sources[-1] if sources else Source(interaction_id=""),
        sources=sources, attributes=row["attributes"], status=row["status"], valid_from=row["valid_from"],
        valid_to=row["valid_to"], superseded_by=str(row["superseded_by"]) if row["superseded_by"] else None,
        needs_review=bool(row.get("needs_review")), flags=list((row["attributes"] or {}).get("flags") or []),
    )  # fmt: skip


def _encode_cursor(observed_at: datetime, obs_id: Any) -> str:
    return base64.urlsafe_b64encode(f"{observed_at.isoformat()}|{obs_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, obs_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(at), str(uuid.UUID(obs_id))
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError("invalid cursor", loc=("query", "cursor")) from None


def list_observations(
    conn: Connection, *, tenant_id: str, customer_id: str, kind: str | None, status: str, limit: int,
    cursor: str | None,
) -> ObservationPage:  # fmt: skip
    after = _decode_cursor(cursor) if cursor else None
    rows = repo.list_page(conn, tenant_id=tenant_id, customer_id=customer_id, kind=kind, status=status,
                          limit=limit + 1, after=after)  # fmt: skip
    items = [observation_out(r) for r in rows[:limit]]
    next_cursor = _encode_cursor(rows[limit - 1]["observed_at"], rows[limit - 1]["id"]) if len(rows) > limit else None
    return ObservationPage(items=items, next_cursor=next_cursor)
