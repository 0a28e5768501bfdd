"""Work on an interaction that crosses domains, each flow in the order it happens.

Processing (the Celery task), in one visible order:
  claim -> extract/embed -> lock identifiers -> identity -> reconcile -> commitments -> units
  -> done -> change record.
The model work runs before any lock is taken; everything after it is one transaction, so
re-delivery changes nothing: a done interaction is skipped, and the transaction re-checks the
status under the interaction's row lock, so two workers racing on one interaction commit once.

Submitting stores the interaction (Postgres first) and enqueues it once committed; forgetting
deletes it with whatever rests only on it and refreshes the index once committed. Every lock
is taken through identity.locks.lock_in_order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import structlog
from psycopg import Connection
from psycopg_pool import ConnectionPool

from memory_service.db import Transaction, transaction
from memory_service.embeddings import Embedder
from memory_service.episodes import service as episodes
from memory_service.episodes.service import EpisodeUnit
from memory_service.errors import ConflictError, NotFoundError
from memory_service.extraction import Extractor
from memory_service.extraction.base import Extraction
from memory_service.extraction.quarantine import flagged_utterances, quarantine
from memory_service.identity import service as identity
from memory_service.identity.locks import identifiers_from_traits, lock_in_order
from memory_service.index.base import VectorIndex
from memory_service.index.sync import refresh_customer
from memory_service.interactions import repository as repo
from memory_service.interactions.service import as_interaction_id, content_hash, redact_utterances
from memory_service.metrics import INTERACTIONS_INGESTED, RETENTION_ERASED
from memory_service.observations import commitments
from memory_service.observations import repository as observations_repo
from memory_service.observations.reconcile import recompute_support, reconcile_observations, stated_traits
from memory_service.redaction import CustomPattern
from memory_service.units.changes import record_change
from schemas.interactions import InteractionAccepted, InteractionIn

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
    tx: Transaction, *, tenant_id: str, payload: InteractionIn, enqueue: Callable[[str], object],
    country_code: str = "1", redaction: str = "redact", patterns: Sequence[CustomPattern] = (),
) -> tuple[InteractionAccepted, bool]:  # fmt: skip
    """POST /v1/interactions: redact secrets, store it, and enqueue it once committed (the worker
    must find it; if the broker is down the reaper enqueues it later). Returns (answer, created)."""
    utterances = redact_utterances(payload.utterances, policy=redaction, patterns=patterns)
    payload = payload.model_copy(update={"utterances": utterances})
    accepted, created = submit_interaction(tx.conn, tenant_id=tenant_id, payload=payload, country_code=country_code)
    if created:
        tx.after_commit(lambda: enqueue(accepted.interaction_id))
    INTERACTIONS_INGESTED.labels("accepted" if created else "duplicate").inc()
    return accepted, created


def submit_interaction(
    conn: Connection, *, tenant_id: str, payload: InteractionIn, country_code: str = "1"
) -> tuple[InteractionAccepted, bool]:
    """Store the interaction (idempotent on external_id) and resolve its customer. Returns (answer, created)."""
    lock_in_order(conn, tenant_id=tenant_id, external_id=payload.external_id)
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
    identifiers = identity.normalized_identifiers(payload.customer.identifiers, country_code=country_code)
    customer_id = identity.resolve_or_create_customer(
        conn, tenant_id=tenant_id, identifiers=identifiers, name=payload.customer.name
    )
    interaction_id = repo.insert_interaction(
        conn, tenant_id=tenant_id, customer_id=customer_id, external_id=payload.external_id, content_hash=digest,
        channel=payload.channel, started_at=payload.started_at, ended_at=payload.ended_at,
        payload=payload.model_dump(mode="json"),
    )  # fmt: skip
    return InteractionAccepted(interaction_id=str(interaction_id), customer_id=customer_id, status="queued"), True


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
