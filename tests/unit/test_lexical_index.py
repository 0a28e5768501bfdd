"""The in-process lexical index: BM25 over postings equals a plain per-document BM25, the time
window narrows df as the SQL does, facts and replies follow the units, and a snapshot keeps it."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from memory_service.index import CustomerVectorIndex
from memory_service.index.lexical import Kinds, UnitLexemes, Vocabulary, build_entry
from memory_service.index.snapshot import load_snapshot, save_snapshot

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T, C = str(uuid.uuid4()), str(uuid.uuid4())  # tenant, customer
DOCS = [
    ["scooter", "batteri", "die", "minut"],
    ["batteri", "charger", "replac"],
    ["parcel", "wrong", "address"],
    ["scooter", "scooter", "wheel"],  # tf 2 for scooter (repeated below as positions)
    ["refund", "order", "damag", "parcel"],
]


def _units(interaction: str = "i1") -> list[UnitLexemes]:
    out = []
    for n, doc in enumerate(DOCS):
        lexemes = sorted(set(doc))
        out.append(UnitLexemes(lexemes=lexemes, tfs=[doc.count(x) for x in lexemes], kind="utterance",
                               observed_at=T0 + timedelta(days=n), interaction_id=interaction, position=n))  # fmt: skip
    return out


def _reference(query: set[str], docs: list[list[str]], keep: list[int], k1: float = 1.2, b: float = 0.75) -> dict:  # type: ignore[type-arg]
    """BM25 as the SQL computes it: n, avgdl over all units; df over matching units in `keep`."""
    n = len(docs)
    avgdl = max(sum(len(set(d)) for d in docs) / n, 1)
    scores: dict[int, float] = {}
    for term in query:
        holders = [i for i in keep if term in docs[i]]
        if not holders:
            continue
        idf = math.log(1 + (n - len(holders) + 0.5) / (len(holders) + 0.5))
        for i in holders:
            tf, dl = docs[i].count(term), len(set(docs[i]))
            scores[i] = scores.get(i, 0.0) + idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))
    return scores


def test_bm25_over_postings_equals_the_per_document_formula() -> None:
    vocabulary = Vocabulary()
    entry = build_entry(_units(), vocabulary=vocabulary, kinds=Kinds())
    query = {"scooter", "batteri", "unknown"}
    positions, scores = entry.search(vocabulary.lookup(sorted(query)), limit=10)
    expected = _reference(query, DOCS, keep=list(range(len(DOCS))))
    assert dict(zip(positions.tolist(), scores.tolist(), strict=True)) == pytest.approx(expected)
    assert list(scores) == sorted(scores, reverse=True)
    assert entry.search(vocabulary.lookup(["nothing"]), limit=10)[0].size == 0


def test_time_window_filters_and_narrows_document_frequency() -> None:
    vocabulary = Vocabulary()
    entry = build_entry(_units(), vocabulary=vocabulary, kinds=Kinds())
    since, until = T0 + timedelta(days=1), T0 + timedelta(days=3)
    positions, scores = entry.search(vocabulary.lookup(["scooter", "batteri", "parcel"]), limit=10, since=since,
                                     until=until)  # fmt: skip
    expected = _reference({"scooter", "batteri", "parcel"}, DOCS, keep=[1, 2, 3])
    assert dict(zip(positions.tolist(), scores.tolist(), strict=True)) == pytest.approx(expected)


def test_limit_keeps_the_best() -> None:
    vocabulary = Vocabulary()
    entry = build_entry(_units(), vocabulary=vocabulary, kinds=Kinds())
    positions, _ = entry.search(vocabulary.lookup(["scooter", "batteri", "parcel"]), limit=2)
    full, _ = entry.search(vocabulary.lookup(["scooter", "batteri", "parcel"]), limit=10)
    assert positions.tolist() == full[:2].tolist()


def _index_with_customer() -> tuple[CustomerVectorIndex, list[str]]:
    index = CustomerVectorIndex(4, codec="fp16")
    ids = [str(uuid.uuid4()) for _ in DOCS]
    units = _units()
    units[2].kind, units[2].interaction_id, units[2].position = "preference", None, None  # an observation
    vectors = np.eye(len(DOCS), 4, dtype=np.float32) + 0.1
    index.replace_customer(tenant_id=T, customer_id=C, ids=ids, vectors=vectors / np.linalg.norm(vectors, axis=1,
                           keepdims=True), types=["segment", "segment", "observation", "segment", "segment"],
                           lexical=units)  # fmt: skip
    return index, ids


def test_index_answers_hits_and_facts_and_replies() -> None:
    index, ids = _index_with_customer()
    hits = index.lexical_search(tenant_id=T, customer_id=C, lexemes=["parcel"], limit=5)
    assert hits is not None and {h.unit_id for h in hits} == {ids[2], ids[4]}
    assert {h.unit_type for h in hits} == {"observation", "segment"}
    assert index.lexical_search(tenant_id="other", customer_id=C, lexemes=["parcel"], limit=5) == []
    facts = index.facts(tenant_id=T, customer_id=C, ids=ids)
    assert facts is not None
    assert facts[ids[0]].reply_id == ids[1] and facts[ids[1]].reply_id is None  # position 2 is no segment
    assert facts[ids[3]].reply_id == ids[4] and facts[ids[4]].reply_id is None
    assert facts[ids[2]].kind == "preference" and facts[ids[3]].observed_at == T0 + timedelta(days=3)


def test_snapshot_keeps_the_lexical_index(tmp_path: Path) -> None:
    index, ids = _index_with_customer()
    before = index.lexical_search(tenant_id=T, customer_id=C, lexemes=["scooter", "parcel"], limit=5)
    save_snapshot(index, tmp_path / "snap", since=T0)
    restored = CustomerVectorIndex(4, codec="fp16")
    assert load_snapshot(restored, tmp_path / "snap") == T0
    assert restored.lexical_search(tenant_id=T, customer_id=C, lexemes=["scooter", "parcel"], limit=5) == before
    assert restored.facts(tenant_id=T, customer_id=C, ids=ids) == index.facts(tenant_id=T, customer_id=C,
                                                                                   ids=ids)  # fmt: skip


def test_id_lookup_finds_positions_even_when_first_bytes_collide() -> None:
    from memory_service.index.ids import IdLookup, ids_at, positions_of

    shared = [bytes(8) + uuid.uuid4().bytes[8:] for _ in range(3)]  # one 8-byte key for three ids
    raw = shared + [uuid.uuid4().bytes for _ in range(200)]
    ids = np.frombuffer(b"".join(raw), dtype="V16").copy()
    lookup = IdLookup(ids)
    wanted = [str(uuid.UUID(bytes=shared[2])), str(uuid.UUID(bytes=shared[0])), *ids_at(ids, [50, 7, 199]),
              str(uuid.uuid4()), "not-a-uuid"]  # fmt: skip
    assert positions_of(ids, wanted[:-1], lookup) == positions_of(ids, wanted[:-1]) == [0, 2, 7, 50, 199]
    assert positions_of(ids, wanted, lookup) == []  # an unparsable id: nothing, as before
