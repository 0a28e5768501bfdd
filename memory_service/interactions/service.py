"""Interactions as one domain: content hashes, status, failures and requeueing.

Work that crosses domains (submitting, processing, forgetting) is in flows.py.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool
from pydantic import BaseModel

from memory_service.errors import NotFoundError
from memory_service.interactions import repository as repo
from memory_service.metrics import SECRETS_REDACTED
from memory_service.redaction import Redaction, redact_transcript
from schemas.interactions import InteractionStatus, UtteranceIn


def prepare_utterances(
    utterances: list[UtteranceIn], *, redaction: Redaction, before: str | None = None
) -> list[UtteranceIn]:
    """The one gate every incoming utterance passes before anything stores or reads it: submitted,
    opened live, appended, or given inline to a handoff. Secrets (payment cards, SSNs, CVVs, PINs,
    passcodes, IBANs, bank accounts, configured patterns) are replaced per the tenant's policy
    (`redact`: "[card ending 1111]", `mask`, `off`), each utterance read with the agent's question
    before it (`before`: the last agent utterance already held, for an append). Counted per kind
    in memory_secrets_redacted_total; the secrets themselves go nowhere. Trailing whitespace,
    which carries no meaning in a transcript, is trimmed."""
    lead = [UtteranceIn(role="agent", text=before)] if before else []
    texts, counts = redact_transcript([*lead, *utterances], policy=redaction.policy, patterns=redaction.patterns)
    for kind, count in counts.items():
        SECRETS_REDACTED.labels(kind=kind).inc(count)
    pairs = zip(utterances, (t.rstrip() for t in texts[len(lead):]), strict=True)
    return [u if text == u.text else u.model_copy(update={"text": text}) for u, text in pairs]


def content_hash(payload: BaseModel) -> str:
    canonical = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


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
    row = repo.get_status(conn, tenant_id=tenant_id, interaction_id=as_interaction_id(interaction_id))
    if row is None:
        raise NotFoundError(f"interaction {interaction_id!r} not found", loc=("path", "interaction_id"))
    return _status_model(row)


def record_failure(pool: ConnectionPool, *, interaction_id: str, error: str) -> None:
    with pool.connection() as conn:
        repo.mark_failed(conn, interaction_id=interaction_id, error=error)
        conn.commit()


def requeue_stale(
    conn: Connection, *, enqueue: Callable[[str], bool], queued_after_s: float, processing_after_s: float,
    include_failed: bool = False, max_attempts: int = 10,
) -> list[str]:  # fmt: skip
    """Find interactions stuck or lost in the queue and enqueue them again (tasks are idempotent).
    `enqueue` publishes nothing for one whose message is still waiting or running (it answers
    False); the ids that got a new message are returned."""
    ids = repo.claim_stale(
        conn, queued_after_s=queued_after_s, processing_after_s=processing_after_s, include_failed=include_failed,
        max_attempts=max_attempts,
    )  # fmt: skip
    conn.commit()
    return [interaction_id for interaction_id in ids if enqueue(interaction_id)]


def as_interaction_id(value: str) -> str:
    """The id as a canonical UUID; anything else is an interaction that does not exist (404)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFoundError(f"interaction {value!r} not found", loc=("path", "interaction_id")) from None
