from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from memory_service.embeddings import CachedQueryEmbedder
from memory_service.index import CustomerVectorIndex
from memory_service.index.ids import all_ids, ids_at, pack_ids, positions_of
from memory_service.index.snapshot import load_snapshot, save_snapshot
from tests.fakes import HashingEmbedder


def test_search_is_scoped_to_customer_and_tenant() -> None:
    embedder = HashingEmbedder(dim=64)
    index = CustomerVectorIndex(64)
    texts = ["order arrived damaged", "prefers email", "two dogs"]
    index.replace_customer(tenant_id="t1", customer_id="c1", ids=["a", "b", "c"], vectors=embedder.embed(texts))
    index.replace_customer(tenant_id="t2", customer_id="c2", ids=["z"], vectors=embedder.embed(["damaged order"]))
    query = embedder.embed(["damaged order"])[0]
    hits = index.search(tenant_id="t1", customer_id="c1", query=query, k=5)
    assert [h.observation_id for h in hits][0] == "a"
    assert hits[0].score > hits[-1].score
    assert index.search(tenant_id="t2", customer_id="c1", query=query, k=5) == []
    assert [h.observation_id for h in index.search(tenant_id="t2", customer_id="c2", query=query, k=5)] == ["z"]


def test_replacing_a_customer_removes_what_is_gone() -> None:
    index = CustomerVectorIndex(8)
    vecs = np.eye(8, dtype=np.float32)[:3]
    index.replace_customer(tenant_id="t", customer_id="c", ids=["a", "b", "c"], vectors=vecs)
    assert len(index) == 3
    index.replace_customer(tenant_id="t", customer_id="c", ids=["a"], vectors=vecs[:1])
    assert index.customer_ids(tenant_id="t", customer_id="c") == ["a"]
    index.replace_customer(tenant_id="t", customer_id="c", ids=[], vectors=vecs[:0])
    assert index.customer_count == 0 and len(index) == 0


def test_query_cache_hits_on_normalised_text() -> None:
    cached = CachedQueryEmbedder(HashingEmbedder(dim=16), max_entries=2)
    first = cached.embed_query("Damaged  order")
    assert np.array_equal(cached.embed_query("damaged order"), first)
    assert (cached.hits, cached.misses) == (1, 1)
    cached.embed_query("b")
    cached.embed_query("c")  # evicts the oldest
    cached.embed_query("damaged order")
    assert cached.misses == 4


def _unit_vectors(n: int, dim: int, seed: int = 0) -> np.ndarray:
    vecs = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def test_ids_come_back_as_canonical_uuid_strings() -> None:
    ids = [str(uuid.uuid4()) for _ in range(20)]
    packed = pack_ids(ids)
    assert ids_at(packed, [3, 0, 19]) == [ids[3], ids[0], ids[19]]
    assert all_ids(packed) == ids
    assert positions_of(packed, [ids[7], ids[2].upper()]) == [2, 7]
    assert positions_of(packed, [ids[7], ids[2]]) == [2, 7]
    assert positions_of(packed, [ids[7], "{" + ids[2] + "}"]) == [2, 7]  # any form uuid.UUID accepts


@pytest.mark.parametrize("codec", ["flat", "fp16", "sq8"])
def test_search_and_vectors_agree_with_the_input_under_each_codec(codec: str) -> None:
    vecs = _unit_vectors(40, 32)
    ids = [str(uuid.uuid4()) for _ in range(40)]
    index = CustomerVectorIndex(32, codec=codec)
    index.replace_customer(tenant_id="t", customer_id="c", ids=ids, vectors=vecs, types=["segment"] * 40)
    hits = index.search(tenant_id="t", customer_id="c", query=vecs[9], k=5)
    assert hits[0].unit_id == ids[9] and hits[0].unit_type == "segment"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    exact = vecs @ vecs[9]
    assert abs(hits[1].score - np.sort(exact)[-2]) < 0.05
    got = index.vectors(tenant_id="t", customer_id="c", ids=[ids[4], ids[30]])
    assert set(got) == {ids[4], ids[30]}
    tolerance = {"flat": 1e-6, "fp16": 1e-3, "sq8": 2e-2}[codec]
    assert np.abs(got[ids[30]] - vecs[30]).max() < tolerance
    assert index.vectors(tenant_id="other", customer_id="c", ids=[ids[4]]) == {}


def test_snapshot_round_trip_and_damaged_snapshots(tmp_path: Path) -> None:
    index = CustomerVectorIndex(16, codec="fp16")
    customers = {str(uuid.uuid4()): [str(uuid.uuid4()) for _ in range(n)] for n in (1, 7, 30)}
    tenant = str(uuid.uuid4())
    for seed, (customer, ids) in enumerate(customers.items()):
        types = ["observation", "segment", "summary"] * 10
        vectors = _unit_vectors(len(ids), 16, seed)
        index.replace_customer(tenant_id=tenant, customer_id=customer, ids=ids, vectors=vectors, types=types[:len(ids)])
    since = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert save_snapshot(index, tmp_path / "snap", since=since) == 38

    loaded = CustomerVectorIndex(16, codec="fp16")
    assert load_snapshot(loaded, tmp_path / "snap") == since
    assert len(loaded) == 38 and loaded.customer_count == 3
    query = _unit_vectors(1, 16, 99)[0]
    for customer in customers:
        assert loaded.search(tenant_id=tenant, customer_id=customer, query=query, k=50) == index.search(
            tenant_id=tenant, customer_id=customer, query=query, k=50
        )
        assert loaded.customer_ids(tenant_id=tenant, customer_id=customer, unit_type="segment") == index.customer_ids(
            tenant_id=tenant, customer_id=customer, unit_type="segment"
        )
    assert load_snapshot(CustomerVectorIndex(16, codec="sq8"), tmp_path / "snap") is None  # another codec
    assert load_snapshot(CustomerVectorIndex(8, codec="fp16"), tmp_path / "snap") is None  # another dimension
    (tmp_path / "snap" / "vectors.npy").write_bytes((tmp_path / "snap" / "vectors.npy").read_bytes()[:200])
    assert load_snapshot(CustomerVectorIndex(16, codec="fp16"), tmp_path / "snap") is None  # truncated
    assert load_snapshot(CustomerVectorIndex(16, codec="fp16"), tmp_path / "missing") is None


def test_migration_heads_are_read_like_alembic_reads_them() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from memory_service.db import MIGRATIONS_DIR, head_revisions

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert head_revisions() == set(ScriptDirectory.from_config(cfg).get_heads())
