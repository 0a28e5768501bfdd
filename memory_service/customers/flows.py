"""Work on a whole customer that crosses domains.

- Forgetting: resolve, delete with everything that cascades, and drop them from this process's
  index once committed (other replicas follow the change feed).
- Export (an access request): everything stored about them, with history and sources.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from psycopg import Connection

from memory_service.customers import repository as customers_repo
from memory_service.customers.service import forget_customer as delete_customer
from memory_service.db import Transaction
from memory_service.identity.service import resolve_customer_ref
from memory_service.index.base import VectorIndex
from memory_service.interactions import repository as interactions_repo
from memory_service.observations import repository as observations_repo
from memory_service.observations.service import observation_out
from memory_service.profiles.service import get_profile
from schemas.export import CustomerExport, InteractionExport, UtteranceOut


def forget_customer(tx: Transaction, *, index: VectorIndex, tenant_id: str, customer_ref: str,
                    country_code: str = "1") -> str:  # fmt: skip
    customer_id = resolve_customer_ref(tx.conn, tenant_id=tenant_id, ref=customer_ref, country_code=country_code)
    delete_customer(tx.conn, tenant_id=tenant_id, customer_id=customer_id)
    tx.after_commit(lambda: index.remove_customer(customer_id=customer_id))  # honoured at once in this process
    return customer_id


def export_customer(conn: Connection, *, tenant_id: str, customer_ref: str, country_code: str = "1") -> CustomerExport:
    """Identifiers, profile, every observation (active, superseded, retracted) with its sources, and
    every interaction with its transcript as stored (secrets were redacted before storage)."""
    customer_id = resolve_customer_ref(conn, tenant_id=tenant_id, ref=customer_ref, country_code=country_code)
    observations = observations_repo.list_page(
        conn, tenant_id=tenant_id, customer_id=customer_id, kind=None, status="all", limit=1_000_000, after=None
    )
    return CustomerExport(
        customer_id=customer_id,
        exported_at=datetime.now(UTC),
        identifiers=[dict(r) for r in customers_repo.list_identifiers(conn, customer_id=customer_id)],
        profile=get_profile(conn, tenant_id=tenant_id, customer_id=customer_id),
        observations=[observation_out(r) for r in observations],
        interactions=[
            _interaction_export(r)
            for r in interactions_repo.list_for_customer(conn, tenant_id=tenant_id, customer_id=customer_id)
        ],
    )


def _interaction_export(row: dict[str, Any]) -> InteractionExport:
    payload = row["payload"] or {}
    utterances = [
        UtteranceOut(id=str(u.get("id", n)), role=u["role"], agent_kind=u.get("agent_kind"),
                     speaker=u.get("speaker"), text=u["text"], at=u.get("at"))
        for n, u in enumerate(payload.get("utterances", []))
    ]  # fmt: skip
    return InteractionExport(
        interaction_id=str(row["id"]), external_id=row["external_id"], channel=row["channel"], status=row["status"],
        started_at=row["started_at"], ended_at=row["ended_at"], summary=row["summary"],
        metadata=payload.get("metadata") or {}, utterances=utterances,
    )  # fmt: skip
