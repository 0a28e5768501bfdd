"""The in-process index against Postgres: restart from a snapshot, catch-up, stale snapshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from memory_service.index import CustomerVectorIndex
from memory_service.index.sync import IndexSynchronizer
from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration


def _conversation(external_id: str, *texts: str) -> dict:  # type: ignore[type-arg]
    utterances = [{"id": f"c{i}", "role": "customer", "text": t} for i, t in enumerate(texts)]
    return example_interaction(external_id=external_id, utterances=utterances)


def _postgres_units(api, customer_id: str) -> set[str]:  # type: ignore[no-untyped-def]
    with api.runtime.pool.connection() as conn:
        rows = conn.execute(
            "SELECT id FROM observations WHERE customer_id = %s AND status = 'active' "
            "UNION ALL SELECT id FROM episodes WHERE customer_id = %s", (customer_id, customer_id)
        ).fetchall()
    return {str(r["id"]) for r in rows}


def _index_units(index: CustomerVectorIndex, tenant_id: str, customer_id: str) -> set[str]:
    return {u for t in ("observation", "segment", "summary")
            for u in index.customer_ids(tenant_id=tenant_id, customer_id=customer_id, unit_type=t)}  # fmt: skip


def _syncer(api, path: Path) -> IndexSynchronizer:  # type: ignore[no-untyped-def]
    settings = api.runtime.settings
    index = CustomerVectorIndex(api.runtime.index.dim, codec="fp16")
    return IndexSynchronizer(api.runtime.pool, settings.database_url, index, poll_seconds=0.5, snapshot_path=path)


def test_restart_from_snapshot_catches_up_and_agrees_with_postgres(api, tmp_path: Path) -> None:
    first = api.ingest(_conversation("ix-1", "My scooter battery dies after ten minutes."))
    customer_id = first["customer_id"]
    before = _syncer(api, tmp_path / "snap")
    before.start()
    before.stop()  # writes the snapshot
    assert (tmp_path / "snap" / "meta.json").exists()

    # Changes the snapshot has not seen: a new interaction and a forgotten one.
    second = api.ingest(_conversation("ix-2", "I also need a replacement charger for the scooter."))
    assert api.delete(f"/v1/interactions/{first['interaction_id']}").status_code == 204

    after = _syncer(api, tmp_path / "snap")
    after.start()
    try:
        assert after.started_from == "snapshot"
        units = _index_units(after.index, api.tenant_id, customer_id)
        assert units == _postgres_units(api, customer_id) and units
        hits = after.index.search(tenant_id=api.tenant_id, customer_id=customer_id,
                                  query=api.runtime.embedder.embed_query("scooter battery"), k=50)  # fmt: skip
        assert hits and {h.unit_id for h in hits} <= units
        assert second["interaction_id"]
    finally:
        after.stop()


def test_a_stale_snapshot_is_rebuilt_from_postgres(api, tmp_path: Path) -> None:
    status = api.ingest(_conversation("ix-3", "My parcel was left at the wrong address."))
    with api.runtime.pool.connection() as conn:  # everything so far is older than the snapshot
        conn.execute("UPDATE memory_changes SET changed_at = changed_at - interval '1 day'")
    syncer = _syncer(api, tmp_path / "snap")
    syncer.start()
    syncer.stop()
    # A write that bypassed the change feed (its feed rows look older than the snapshot):
    # the catch-up cannot see it, so the count check must catch it.
    with api.runtime.pool.connection() as conn:
        conn.execute("DELETE FROM episodes WHERE interaction_id = %s", (status["interaction_id"],))
        conn.execute("UPDATE memory_changes SET changed_at = changed_at - interval '1 day' WHERE customer_id = %s",
                     (status["customer_id"],))  # fmt: skip
    again = _syncer(api, tmp_path / "snap")
    again.start()
    try:
        assert again.started_from == "postgres"
        assert _index_units(again.index, api.tenant_id, status["customer_id"]) == _postgres_units(
            api, status["customer_id"]
        )
    finally:
        again.stop()
