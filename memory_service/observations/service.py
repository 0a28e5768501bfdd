"""Reconciliation of new observations into a customer's memory, and observation views.

Confidence: an observation starts at its extractor's confidence c0. Each further,
independent source s with confidence cs raises it to 1 - (1 - c) * (1 - cs / 2): support
from several interactions makes it more certain, never reaching 1, and the same
interaction seen twice (re-delivery) adds nothing because a source is counted once.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from psycopg import Connection

from memory_service.db import to_numpy
from memory_service.errors import InvalidInputError
from memory_service.extraction.base import ExtractedObservation
from memory_service.observations import repository as repo
from schemas.observations import ObservationOut, ObservationPage, Source

OBSERVATION_NAMESPACE = uuid.UUID("6f1c2a4e-3b0d-4f7e-9a51-7d2e8c9b1a30")
NEAR_DUPLICATE_COSINE = 0.92


@dataclass
class ReconcileResult:
    created: int = 0
    updated: int = 0


def combined_confidence(current: float, new: float) -> float:
    return round(1.0 - (1.0 - current) * (1.0 - new / 2.0), 4)


def observation_id(interaction_id: str, key: str) -> uuid.UUID:
    """Deterministic: re-processing an interaction derives the same ids."""
    return uuid.uuid5(OBSERVATION_NAMESPACE, f"{interaction_id}|{key}")


def _merge_near_duplicates(
    extracted: list[ExtractedObservation], vectors: np.ndarray
) -> tuple[list[ExtractedObservation], np.ndarray]:
    keep: list[int] = []
    for i, obs in enumerate(extracted):
        twin = next(
            (j for j in keep if extracted[j].kind == obs.kind and obs.trait_key is None
             and float(vectors[i] @ vectors[j]) >= NEAR_DUPLICATE_COSINE),
            None,
        )  # fmt: skip
        if twin is None:
            keep.append(i)
            continue
        kept = extracted[twin]
        kept.utterance_ids.extend(u for u in obs.utterance_ids if u not in kept.utterance_ids)
        kept.confidence = max(kept.confidence, obs.confidence)
    return [extracted[i] for i in keep], vectors[keep] if keep else vectors[:0]


def reconcile_observations(
    conn: Connection,
    *,
    tenant_id: str,
    customer_id: str,
    interaction_id: str,
    extracted: list[ExtractedObservation],
    vectors: np.ndarray,
) -> ReconcileResult:
    """Merge one interaction's observations into the customer's memory. Caller holds the customer lock."""
    result = ReconcileResult()
    extracted, vectors = _merge_near_duplicates(extracted, vectors)
    existing = repo.active_for_reconcile(conn, customer_id=customer_id)
    by_key = {row["content_key"]: row for row in existing}
    matrix = np.array([to_numpy(row["embedding"]) for row in existing], dtype=np.float32).reshape(-1, vectors.shape[1])
    for obs, vec in zip(extracted, vectors, strict=True):
        twin = by_key.get(obs.key)
        if twin is None and obs.trait_key is None and len(existing):
            sims = matrix @ vec
            best = int(np.argmax(sims))
            if sims[best] >= NEAR_DUPLICATE_COSINE and existing[best]["kind"] == obs.kind:
                twin = existing[best]
        if twin is not None:
            if repo.add_source(conn, observation_id=twin["id"], interaction_id=interaction_id,
                               utterance_ids=obs.utterance_ids, observed_at=obs.observed_at):  # fmt: skip
                repo.reinforce(
                    conn, observation_id=twin["id"], confidence=combined_confidence(twin["confidence"], obs.confidence),
                    seen_at=obs.observed_at,
                )  # fmt: skip
                result.updated += 1
            continue
        new_id = observation_id(interaction_id, obs.key)
        replaced = _single_valued_rivals(existing, obs)
        newer = [row for row in replaced if row["valid_from"] > obs.observed_at]
        status, valid_to, superseded_by = "active", None, None
        if newer:  # an older statement arriving late goes straight into history
            status, valid_to, superseded_by = "superseded", newer[0]["valid_from"], newer[0]["id"]
        if repo.insert_observation(
            conn, observation_id=new_id, tenant_id=tenant_id, customer_id=customer_id, kind=obs.kind,
            text=obs.text, attributes=obs.attributes, trait_key=obs.trait_key, content_key=obs.key,
            embedding=vec, confidence=obs.confidence, observed_at=obs.observed_at, status=status,
            valid_to=valid_to, superseded_by=superseded_by,
        ):  # fmt: skip
            result.created += 1
        repo.add_source(conn, observation_id=new_id, interaction_id=interaction_id,
                        utterance_ids=obs.utterance_ids, observed_at=obs.observed_at)  # fmt: skip
        if status == "active":
            for row in replaced:
                repo.supersede(conn, observation_id=row["id"], superseded_by=new_id, valid_to=obs.observed_at)
                result.updated += 1
            existing = [row for row in existing if row not in replaced]
            matrix = np.array([to_numpy(row["embedding"]) for row in existing], dtype=np.float32).reshape(
                -1, vectors.shape[1]
            )
        by_key[obs.key] = {"id": new_id, "confidence": obs.confidence, "kind": obs.kind}
    return result


def _single_valued_rivals(existing: list[dict[str, Any]], obs: ExtractedObservation) -> list[dict[str, Any]]:
    if not obs.single_valued:
        return []
    value = (obs.value or "").lower()
    return [
        row
        for row in existing
        if row["trait_key"] == obs.trait_key and str(row["attributes"].get("value", "")).lower() != value
    ]


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
