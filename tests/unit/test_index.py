from __future__ import annotations

import numpy as np

from memory_service.embeddings import CachedQueryEmbedder
from memory_service.index import CustomerVectorIndex
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
