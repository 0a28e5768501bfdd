"""Bulk loading of bench_contact_centre's biggest customers (`--bulk-big`).

A ~10,000-unit customer is ~19 LongMemEval haystacks (~900 sessions, many of them long
assistant answers): through the workers that is about an hour of both cores (spaCy over the
long turns and MiniLM over 256 word pieces a unit), more than a benchmark session has. So the
big customers' interactions are written straight into Postgres with the service's own code:
the customer resolved from the interaction's identifiers (identity.service), the interaction
row as posted (status done), its recall units built by episodes.service.build_units (segments
with their neighbours' words, as the worker stores them) and embedded by the service's own
embedder over their first 300 characters, then one change record per customer so every index
picks them up. What the extractor would add (observations, a summary a session) is left out,
so such a customer has fewer units per session than a pipeline-ingested one; its units are the
same real text. Everything else in the bench (mid and small customers) goes through the API.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

EMBED_CHARS = 300  # MiniLM reads 256 word pieces at most; the first ~70 keep loading to minutes


def load_bulk(db_url: str, customers: list[Any], embed: Callable[[list[str]], np.ndarray], *,
              api_key: str) -> dict[str, float]:  # fmt: skip
    """Write every interaction of `customers` (cc_dataset.Customer) for the tenant of `api_key`."""
    import psycopg
    from pgvector.psycopg import register_vector
    from psycopg.rows import dict_row

    from memory_service.episodes import service as episodes
    from memory_service.identity.service import normalized_identifiers, resolve_or_create_customer
    from memory_service.interactions import repository as interactions
    from memory_service.interactions.service import content_hash
    from memory_service.tenants.service import hash_key
    from memory_service.units.changes import record_change
    from schemas.interactions import InteractionIn

    started, units_written, count = time.perf_counter(), 0, 0
    with psycopg.connect(db_url, row_factory=dict_row) as conn:
        register_vector(conn)
        row: Any = conn.execute("SELECT tenant_id FROM api_keys WHERE key_hash = %s", (hash_key(api_key),)).fetchone()
        tenant_id = str(row["tenant_id"])
        for customer in customers:
            payloads = [InteractionIn.model_validate(it) for it in customer.interactions]
            idents = normalized_identifiers(payloads[0].customer.identifiers, country_code="1")
            customer_id = resolve_or_create_customer(conn, tenant_id=tenant_id, identifiers=idents, name=None)
            for start in range(0, len(payloads), 64):  # embed in batches across interactions
                chunk = payloads[start : start + 64]
                built = [episodes.build_units(p, summary=None, summary_utterance_ids=[]) for p in chunk]
                texts = [u.text[:EMBED_CHARS] for units in built for u in units]
                vectors, at = embed(texts), 0
                for payload, units in zip(chunk, built, strict=True):
                    interaction_id = interactions.insert_interaction(
                        conn, tenant_id=tenant_id, customer_id=customer_id, external_id=payload.external_id,
                        content_hash=content_hash(payload), channel=payload.channel, started_at=payload.started_at,
                        ended_at=payload.ended_at, payload=payload.model_dump(mode="json"), status="done",
                    )  # fmt: skip
                    episodes.store_units(conn, tenant_id=tenant_id, customer_id=customer_id,
                                         interaction_id=str(interaction_id), units=units,
                                         vectors=vectors[at : at + len(units)])  # fmt: skip
                    at += len(units)
                    units_written += len(units)
                    count += 1
            record_change(conn, tenant_id=tenant_id, customer_id=customer_id)
            conn.commit()
    took = time.perf_counter() - started
    return {"interactions": count, "units": units_written, "seconds": took, "units_per_s": units_written / took}
