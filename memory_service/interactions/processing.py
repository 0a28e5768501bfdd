"""Processing one interaction: extract, embed, reconcile, all written in one transaction.

Called by the Celery task. Re-delivery changes nothing: a done interaction is skipped, and
the final transaction re-checks the status under a row lock, so two workers racing on the
same interaction commit once.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from psycopg_pool import ConnectionPool

from memory_service.customers import repository as customers_repo
from memory_service.customers import service as customers
from memory_service.embeddings import Embedder
from memory_service.episodes import service as episodes
from memory_service.extraction import Extractor
from memory_service.interactions import repository as repo
from memory_service.interactions.service import lock_with_customers
from memory_service.observations import commitments
from memory_service.observations.reconcile import stated_traits
from memory_service.observations.service import reconcile_observations
from schemas.interactions import InteractionIn

log = structlog.get_logger(__name__)


@dataclass
class ProcessingOutcome:
    status: str  # done | skipped
    created: int = 0
    updated: int = 0


def process_interaction(
    pool: ConnectionPool, *, interaction_id: str, extractor: Extractor, embedder: Embedder
) -> ProcessingOutcome:
    with pool.connection() as conn:
        claimed = repo.claim_for_processing(conn, interaction_id=interaction_id)
        conn.commit()
    if claimed is None:
        return ProcessingOutcome(status="skipped")

    payload = InteractionIn.model_validate(claimed["payload"])
    extraction = extractor.extract(payload)
    vectors = embedder.embed([obs.text for obs in extraction.observations])
    summary_ids = list(dict.fromkeys(u for obs in extraction.observations for u in obs.utterance_ids))
    units = episodes.build_units(payload, summary=extraction.summary, summary_utterance_ids=summary_ids)
    unit_vectors = episodes.embed_units(embedder, units)

    stated = customers.identifiers_from_traits(stated_traits(extraction.observations))
    tenant_id = str(claimed["tenant_id"])
    with pool.connection() as conn, conn.transaction():
        # Lock order (as in ingestion and merges): identifiers, customers by id, the interaction.
        customers.lock_identifiers(conn, tenant_id=tenant_id, identifiers=stated)
        owners = customers.owners_of(conn, tenant_id=tenant_id, identifiers=stated)
        row = lock_with_customers(conn, interaction_id=interaction_id, also=owners)
        if row is None or row["status"] == "done":
            return ProcessingOutcome(status="skipped")
        customer_id = str(row["customer_id"])
        result = reconcile_observations(
            conn,
            tenant_id=tenant_id,
            customer_id=customer_id,
            interaction_id=interaction_id,
            extracted=extraction.observations,
            vectors=vectors,
        )
        customer_id = result.customer_id  # the survivor, if an identifier stated in the call merged two customers
        result.updated += commitments.mark_fulfilled(
            conn, customer_id=customer_id, interaction_id=interaction_id, payload=payload
        )
        episodes.store_units(
            conn, tenant_id=tenant_id, customer_id=customer_id, interaction_id=interaction_id,
            units=units, vectors=unit_vectors,
        )  # fmt: skip
        repo.mark_done(
            conn, interaction_id=interaction_id, created=result.created, updated=result.updated,
            summary=extraction.summary,
        )  # fmt: skip
        customers_repo.record_change(conn, tenant_id=tenant_id, customer_id=customer_id)
    log.info("interaction_processed", interaction_id=interaction_id, created=result.created, updated=result.updated)
    return ProcessingOutcome(status="done", created=result.created, updated=result.updated)


def record_failure(pool: ConnectionPool, *, interaction_id: str, error: str) -> None:
    with pool.connection() as conn:
        repo.mark_failed(conn, interaction_id=interaction_id, error=error)
        conn.commit()
