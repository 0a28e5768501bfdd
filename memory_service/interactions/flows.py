"""Work on an interaction that crosses domains, each flow in the order it happens.

Processing (the Celery task), in one visible order:
  claim -> extract/embed -> lock identifiers -> identity -> reconcile -> commitments -> units
  -> done -> change record.
The model work runs before any lock is taken; everything after it is one transaction, so
re-delivery changes nothing: a done interaction is skipped, and the transaction re-checks the
status under the interaction's row lock, so two workers racing on one interaction commit once.

Submitting stores the interaction (Postgres first) and enqueues it once committed; a live one
is appended to and enqueued when it ends. Every incoming utterance passes
interactions.service.prepare_utterances (the one place for redaction) before it is stored. Forgetting
deletes it with whatever rests only on it and refreshes the index once committed. Every lock
is taken through identity.locks.lock_in_order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import structlog
from psycopg import Connection
from psycopg_pool import ConnectionPool
from pydantic import ValidationError

from memory_service.db import Transaction, transaction
from memory_service.embeddings import Embedder
from memory_service.episodes import service as episodes
from memory_service.episodes.service import EpisodeUnit
from memory_service.errors import ConflictError, InvalidInputError, NotFoundError, PayloadTooLargeError
from memory_service.extraction import Extractor
from memory_service.extraction.base import Extraction
from memory_service.extraction.quarantine import flagged_utterances, quarantine
from memory_service.identity import service as identity
from memory_service.identity.locks import identifiers_from_traits, lock_in_order
from memory_service.index.base import VectorIndex
from memory_service.index.sync import refresh_customer
from memory_service.interactions import repository as repo
from memory_service.interactions.service import as_interaction_id, content_hash, prepare_utterances
from memory_service.metrics import INTERACTIONS_INGESTED, RETENTION_ERASED
from memory_service.observations import commitments
from memory_service.observations import repository as observations_repo
from memory_service.observations.reconcile import recompute_support, reconcile_observations, stated_traits
from memory_service.redaction import Redaction
from memory_service.units.changes import record_change
from schemas.interactions import (
    MAX_UTTERANCES,
    InteractionAccepted,
    InteractionIn,
    InteractionState,
    LiveInteractionIn,
    UtteranceIn,
    UtterancesAppended,
)

log = structlog.get_logger(__name__)


@dataclass
class ProcessingOutcome:
    status: str  # done | skipped
    created: int = 0
    updated: int = 0


@dataclass
class _Prepared:
    """What the models made of the interaction, before any lock is taken."""

    payload: InteractionIn
    extraction: Extraction
    vectors: np.ndarray
    units: list[EpisodeUnit]
    unit_vectors: np.ndarray


def process_interaction(
    pool: ConnectionPool, *, interaction_id: str, extractor: Extractor, embedder: Embedder
) -> ProcessingOutcome:
    with pool.connection() as conn:  # 1. claim (committed at once: the status shows `processing`)
        claimed = repo.claim_for_processing(conn, interaction_id=interaction_id)
        conn.commit()
    if claimed is None:
        return ProcessingOutcome(status="skipped")
    prepared = _extract_and_embed(claimed["payload"], extractor=extractor, embedder=embedder)  # 2.
    with pool.connection() as conn, conn.transaction():
        outcome = _write(conn, tenant_id=str(claimed["tenant_id"]), interaction_id=interaction_id, prepared=prepared)
    if outcome.status == "done":
        log.info("interaction_processed", interaction_id=interaction_id, created=outcome.created,
                 updated=outcome.updated)  # fmt: skip
    return outcome


def _extract_and_embed(raw_payload: object, *, extractor: Extractor, embedder: Embedder) -> _Prepared:
    payload = InteractionIn.model_validate(raw_payload)
    flagged = flagged_utterances(payload)  # instructions to an AI: kept as data, never acted on
    extraction = quarantine(extractor.extract(payload), flagged)
    vectors = embedder.embed([obs.text for obs in extraction.observations])
    summary_ids = list(dict.fromkeys(u for obs in extraction.observations for u in obs.utterance_ids))
    units = episodes.build_units(payload, summary=extraction.summary, summary_utterance_ids=summary_ids,
                                 flagged=flagged)  # fmt: skip
    return _Prepared(payload, extraction, vectors, units, episodes.embed_units(embedder, units))


def _write(conn: Connection, *, tenant_id: str, interaction_id: str, prepared: _Prepared) -> ProcessingOutcome:
    observations = prepared.extraction.observations
    traits = stated_traits(observations)
    # 3. lock: identifiers stated in the call, their owners and the interaction's customer, the interaction
    row = lock_in_order(conn, tenant_id=tenant_id, identifiers=identifiers_from_traits(traits), with_owners=True,
                        interaction_id=interaction_id)  # fmt: skip
    if row is None or row["status"] == "done":
        return ProcessingOutcome(status="skipped")
    # 4. identity: stated emails and phones become the customer's; one owned by another customer merges the two
    customer_id = identity.link_identifiers_from_traits(
        conn, tenant_id=tenant_id, customer_id=str(row["customer_id"]), traits=traits, interaction_id=interaction_id
    )
    result = reconcile_observations(  # 5. reconcile into the surviving customer's memory
        conn, tenant_id=tenant_id, customer_id=customer_id, interaction_id=interaction_id,
        extracted=observations, vectors=prepared.vectors,
    )  # fmt: skip
    result.updated += commitments.mark_fulfilled(  # 6. commitments kept in this interaction
        conn, customer_id=customer_id, interaction_id=interaction_id, payload=prepared.payload
    )
    episodes.store_units(  # 7. segments and summary
        conn, tenant_id=tenant_id, customer_id=customer_id, interaction_id=interaction_id,
        units=prepared.units, vectors=prepared.unit_vectors,
    )  # fmt: skip
    repo.mark_done(  # 8. done
        conn, interaction_id=interaction_id, created=result.created, updated=result.updated,
        summary=prepared.extraction.summary,
    )  # fmt: skip
    record_change(conn, tenant_id=tenant_id, customer_id=customer_id)  # 9. change record, for every index
    return ProcessingOutcome(status="done", created=result.created, updated=result.updated)


def accept_interaction(
    tx: Transaction, *, tenant_id: str, payload: InteractionIn | LiveInteractionIn, enqueue: Callable[[str], object],
    country_code: str = "1", redaction: Redaction = Redaction(), on_live: Callable[[], object] | None = None,
) -> tuple[InteractionAccepted, bool]:  # fmt: skip
    """POST /v1/interactions: store it, and enqueue a finished one once committed (the worker must
    find it; if the broker is down the reaper enqueues it later). A live one waits for its end;
    `on_live` runs once it is committed. Returns (answer, created)."""
    accepted, created = submit_interaction(
        tx.conn, tenant_id=tenant_id, payload=payload, country_code=country_code, redaction=redaction
    )
    if created and accepted.status == "queued":
        tx.after_commit(lambda: enqueue(accepted.interaction_id))
    if created and accepted.status == "live" and on_live is not None:
        tx.after_commit(on_live)
    INTERACTIONS_INGESTED.labels("accepted" if created else "duplicate").inc()
    return accepted, created


def submit_interaction(
    conn: Connection, *, tenant_id: str, payload: InteractionIn | LiveInteractionIn, country_code: str = "1",
    redaction: Redaction = Redaction(),
) -> tuple[InteractionAccepted, bool]:  # fmt: skip
    """Store the interaction (idempotent on external_id) and resolve its customer. Returns (answer,
    created); the answer's status is `queued`, or `live`. Secrets are redacted first, and the
    duplicate check hashes the redacted payload: a hash of the text as posted would let anyone
    holding the stored transcript brute-force a card's few unknown digits."""
    payload = payload.model_copy(update={"utterances": prepare_utterances(payload.utterances, redaction=redaction)})
    lock_in_order(conn, tenant_id=tenant_id, external_id=payload.external_id)
    digest = content_hash(payload)
    status: InteractionState = "live" if isinstance(payload, LiveInteractionIn) else "queued"
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
    identifiers = identity.normalized_identifiers(payload.customer.identifiers, country_code=country_code)
    customer_id = identity.resolve_or_create_customer(
        conn, tenant_id=tenant_id, identifiers=identifiers, name=payload.customer.name
    )
    stored = payload.model_dump(mode="json", exclude={"status"})
    stored["utterances"] = _dump(payload.utterances)
    interaction_id = repo.insert_interaction(
        conn, tenant_id=tenant_id, customer_id=customer_id, external_id=payload.external_id, content_hash=digest,
        channel=payload.channel, started_at=payload.started_at, ended_at=payload.ended_at, payload=stored,
        status=status,
    )  # fmt: skip
    return InteractionAccepted(interaction_id=str(interaction_id), customer_id=customer_id, status=status), True


def _dump(utterances: list[UtteranceIn]) -> list[dict[str, Any]]:
    return [u.model_dump(mode="json") for u in utterances]


def append_utterances(
    conn: Connection, *, tenant_id: str, interaction_id: str, utterances: list[UtteranceIn],
    redaction: Redaction = Redaction(),
) -> UtterancesAppended:
    """Append to a live interaction, idempotent by utterance id: an id it already holds with the same
    role and text is skipped, with other words it is a conflict. Utterances without an id are
    numbered by their absolute position in the conversation. Ended: 409."""
    row = _locked_live(conn, tenant_id=tenant_id, interaction_id=interaction_id, action="append to")
    payload = row["payload"]
    held: list[dict[str, Any]] = payload.get("utterances", [])
    by_id = {str(u["id"]): u for u in held}
    added: list[UtteranceIn] = []
    last_agent = next((u["text"] for u in reversed(held) if u["role"] == "agent"), None)
    for offset, utterance in enumerate(prepare_utterances(utterances, redaction=redaction, before=last_agent)):
        uid = utterance.id if utterance.id is not None else str(len(held) + offset)
        utterance = utterance.model_copy(update={"id": uid})
        if uid in by_id:
            if (by_id[uid]["role"], by_id[uid]["text"]) != (utterance.role, utterance.text):
                raise ConflictError(f"utterance {uid!r} was already appended with other words",
                                    loc=("body", "utterances", offset, "id"))  # fmt: skip
            continue
        if any(a.id == uid for a in added):
            raise InvalidInputError(f"duplicate utterance id {uid!r}", loc=("body", "utterances", offset, "id"))
        added.append(utterance)
    if len(held) + len(added) > MAX_UTTERANCES:
        raise PayloadTooLargeError(f"an interaction holds at most {MAX_UTTERANCES} utterances", loc=("body",))
    if added:
        payload["utterances"] = [*held, *_dump(added)]
        repo.update_live_payload(conn, interaction_id=str(row["id"]), payload=payload)
    return UtterancesAppended(interaction_id=str(row["id"]), utterance_count=len(held) + len(added))


def end_interaction(
    tx: Transaction, *, tenant_id: str, interaction_id: str, ended_at: datetime | None,
    enqueue: Callable[[str], object],
) -> tuple[InteractionAccepted, bool]:  # fmt: skip
    """Close a live interaction and queue its extraction as a finished one is (Postgres first, then
    the broker once committed). Ending it again answers its current status. Returns (answer, ended now)."""
    conn = tx.conn
    row = lock_in_order(conn, tenant_id=tenant_id, interaction_id=as_interaction_id(interaction_id))
    if row is None:
        raise NotFoundError(f"interaction {interaction_id!r} not found", loc=("path", "interaction_id"))
    row = repo.get_payload(conn, tenant_id=tenant_id, interaction_id=str(row["id"])) or row
    answer = InteractionAccepted(interaction_id=str(row["id"]), customer_id=str(row["customer_id"]),
                                 status=row["status"])  # fmt: skip
    if row["status"] != "live":
        return answer, False
    # No end given: now, or its start should the caller's clock run ahead of ours.
    ended_at = ended_at or max(datetime.now(UTC), row["started_at"])
    payload = {**row["payload"], "ended_at": ended_at.isoformat()}
    if not payload.get("utterances"):  # nothing was said: nothing to extract
        repo.mark_ended(conn, interaction_id=answer.interaction_id, ended_at=payload["ended_at"], payload=payload,
                        status="done")  # fmt: skip
        return answer.model_copy(update={"status": "done"}), True
    try:
        InteractionIn.model_validate(payload)  # what the worker will read
    except ValidationError as exc:
        raise InvalidInputError(exc.errors()[0]["msg"], loc=("body", "ended_at")) from None
    repo.mark_ended(conn, interaction_id=answer.interaction_id, ended_at=payload["ended_at"], payload=payload,
                    status="queued")  # fmt: skip
    tx.after_commit(lambda: enqueue(answer.interaction_id))
    return answer.model_copy(update={"status": "queued"}), True


def _locked_live(conn: Connection, *, tenant_id: str, interaction_id: str, action: str) -> dict[str, Any]:
    row = lock_in_order(conn, tenant_id=tenant_id, interaction_id=as_interaction_id(interaction_id))
    full = repo.get_payload(conn, tenant_id=tenant_id, interaction_id=str(row["id"])) if row else None
    if full is None:
        raise NotFoundError(f"interaction {interaction_id!r} not found", loc=("path", "interaction_id"))
    if full["status"] != "live":
        raise ConflictError(f"cannot {action} interaction {interaction_id!r}: it is {full['status']}, not live",
                            loc=("path", "interaction_id"))  # fmt: skip
    return full  # type: ignore[no-any-return]


def live_utterances(
    conn: Connection, *, tenant_id: str, interaction_id: str
) -> tuple[dict[str, Any], list[UtteranceIn]]:
    """An interaction's row and its utterances so far (live or ended), for a handoff."""
    row = repo.get_payload(conn, tenant_id=tenant_id, interaction_id=as_interaction_id(interaction_id))
    if row is None:
        raise NotFoundError(f"interaction {interaction_id!r} not found", loc=("body", "interaction_id"))
    return row, [UtteranceIn.model_validate(u) for u in row["payload"].get("utterances", [])]


def forget_interaction(
    tx: Transaction, *, pool: ConnectionPool, index: VectorIndex, tenant_id: str, interaction_id: str
) -> str:
    """Delete one interaction and whatever rests only on it; the index is refreshed once
    committed. Returns the customer id."""
    conn = tx.conn
    interaction_id = as_interaction_id(interaction_id)
    row = lock_in_order(conn, tenant_id=tenant_id, interaction_id=interaction_id)
    if row is None:
        raise NotFoundError(f"interaction {interaction_id!r} not found", loc=("path", "interaction_id"))
    customer_id = str(row["customer_id"])
    repo.delete_interaction(conn, tenant_id=tenant_id, interaction_id=interaction_id)
    observations_repo.delete_unsupported(conn, customer_id=customer_id)
    observations_repo.forget_outcomes_from(conn, customer_id=customer_id, interaction_id=interaction_id)
    recompute_support(conn, customer_id=customer_id)
    record_change(conn, tenant_id=tenant_id, customer_id=customer_id)
    tx.after_commit(lambda: refresh_customer(pool, index, tenant_id=tenant_id, customer_id=customer_id))
    return customer_id


def erase_expired(pool: ConnectionPool, index: VectorIndex, *, limit: int = 100) -> int:
    """Retention: forget interactions older than their tenant's retention period, each as
    DELETE /v1/interactions/{id} does (what rests only on it goes, the rest is re-derived), one
    transaction each. Returns how many were erased."""
    with pool.connection() as conn:
        rows = repo.expired(conn, limit=limit)
    erased = 0
    for row in rows:
        try:
            with transaction(pool) as tx:
                forget_interaction(tx, pool=pool, index=index, tenant_id=str(row["tenant_id"]),
                                   interaction_id=str(row["id"]))  # fmt: skip
            erased += 1
        except NotFoundError:  # forgotten meanwhile
            continue
    if erased:
        RETENTION_ERASED.inc(erased)
        log.info("retention_erased", count=erased)
    return erased
