"""FAISS sub-index per customer.

Recall is always scoped to one customer, so each customer gets a small flat inner-product
index of their own: a search touches only that customer's vectors, isolation between
tenants is structural (an entry remembers its tenant and is never searched for another),
and replacing a customer's entry wholesale handles adds, supersedes and deletions alike.

An entry holds every recall unit of the customer (observations, conversation segments,
summaries), each with its type. Vectors are stored as float16 by default (half the memory
of float32, no measurable recall cost for normalised MiniLM vectors); "sq8" quarters it.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import faiss
import numpy as np

from memory_service.index.ids import UNIT_TYPES, IdLookup, Ids, ids_at, pack_ids, pack_types, positions_of
from memory_service.index.lexical import (
    Kinds,
    LexicalEntry,
    UnitFacts,
    UnitLexemes,
    Vocabulary,
    build_entry,
    from_micros,
)

OBSERVATION = "observation"
# One OpenMP thread: a customer's search is a few hundred vectors, far too small to split, and
# requests already run in parallel. With FAISS's default (one thread per core) a 100-vector
# fp16 search measured 1.8 ms on the busy 2-core box instead of 56 us (OpenMP spin/wake-up).
faiss.omp_set_num_threads(1)
_CODECS = {"flat": None, "fp16": faiss.ScalarQuantizer.QT_fp16, "sq8": faiss.ScalarQuantizer.QT_8bit}
_RAW_CODES = {"flat": np.float32, "fp16": np.float16}  # codecs whose codes are plain IEEE floats
_SERIALS = itertools.count(1)  # entry versions, unique in the process


class SearchHit(NamedTuple):  # a tuple: recall builds a hundred per request
    observation_id: str  # the unit's id (an observation id for observations)
    score: float
    unit_type: str = OBSERVATION

    @property
    def unit_id(self) -> str:
        return self.observation_id


@dataclass
class CustomerEntry:
    tenant_id: str
    ids: Ids
    types: np.ndarray  # uint8 codes of UNIT_TYPES
    index: faiss.Index
    lexical: LexicalEntry | None = None  # postings and ranking facts, aligned with ids
    _lookup: IdLookup | None = None
    serial: int = 0  # set when the entry is put in place: its version
    _codes: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def raw_codes(self, dtype: type) -> np.ndarray:
        """The stored codes as an (n, dim) array of `dtype`, a view of FAISS' own buffer (no copy:
        an entry never changes once built, and the view lives no longer than the entry's index)."""
        if self._codes is None:  # two racing first calls make the same view
            codes = self.index.codes  # type: ignore[attr-defined]
            raw = faiss.rev_swig_ptr(codes.data(), codes.size())
            self._codes = raw.view(dtype).reshape(self.index.ntotal, -1)
        return self._codes

    def positions(self, wanted: list[str]) -> list[int]:
        """Where these ids sit, without a pass over all of the customer's ids."""
        if isinstance(self.ids, list):
            return positions_of(self.ids, wanted)
        if self._lookup is None:  # built on first use; two racing builds make the same lookup
            self._lookup = IdLookup(self.ids)
        return positions_of(self.ids, wanted, self._lookup)

    def decoded(self) -> np.ndarray:
        """All vectors as float32 (decoded from the codec)."""
        return np.asarray(self.index.reconstruct_n(0, self.index.ntotal), dtype=np.float32)

    def float16(self) -> np.ndarray:
        """All vectors as float16 (for fp16, the codes themselves)."""
        if isinstance(self.index, faiss.IndexScalarQuantizer) and self.index.sq.qtype == faiss.ScalarQuantizer.QT_fp16:
            return faiss.vector_to_array(self.index.codes).view(np.float16).reshape(len(self), -1)
        return self.decoded().astype(np.float16)


class CustomerVectorIndex:
    def __init__(self, dim: int, *, codec: str = "flat") -> None:
        if codec not in _CODECS:
            raise ValueError(f"unknown index codec {codec!r}")
        self.dim = dim
        self.codec = codec
        self._entries: dict[str, CustomerEntry] = {}
        self._lock = threading.RLock()
        self.ready = False
        self.holds_lexemes = True  # lexical_search and facts answer from memory
        self.vocabulary = Vocabulary()
        self.kinds = Kinds()

    def __len__(self) -> int:
        with self._lock:
            return sum(len(e.ids) for e in self._entries.values())

    @property
    def customer_count(self) -> int:
        return len(self._entries)

    def _new_index(self, matrix: np.ndarray) -> faiss.Index:
        qtype = _CODECS[self.codec]
        index: faiss.Index
        if qtype is None:
            index = faiss.IndexFlatIP(self.dim)
        else:
            sq = faiss.IndexScalarQuantizer(self.dim, qtype, faiss.METRIC_INNER_PRODUCT)
            if self.codec == "sq8":  # fixed range: vectors are L2-normalised, every component in [-1, 1]
                sq.sq.rangestat = faiss.ScalarQuantizer.RS_minmax
            index = sq
            if not index.is_trained:
                index.train(np.vstack([matrix, -np.ones((1, self.dim), "f4"), np.ones((1, self.dim), "f4")]))
        index.add(matrix)
        return index

    def replace_customer(
        self, *, tenant_id: str, customer_id: str, ids: list[str], vectors: np.ndarray, types: list[str] | None = None,
        lexical: list[UnitLexemes] | None = None,
    ) -> None:  # fmt: skip
        """Make the customer's entry hold exactly these vectors and lexemes (none removes it)."""
        if not ids:
            self.remove_customer(customer_id=customer_id)
            return
        matrix = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        entry = CustomerEntry(
            tenant_id=tenant_id, ids=pack_ids(ids), types=pack_types(types or [OBSERVATION] * len(ids)),
            index=self._new_index(matrix),
            lexical=None if lexical is None else build_entry(lexical, vocabulary=self.vocabulary, kinds=self.kinds),
        )  # fmt: skip
        self.put_entry(customer_id, entry)

    def put_entry(self, customer_id: str, entry: CustomerEntry) -> None:
        with self._lock:
            entry.serial = next(_SERIALS)
            self._entries[customer_id] = entry

    def version(self, *, tenant_id: str, customer_id: str) -> int | None:
        """Changes whenever the customer's units are reloaded (every change record does that);
        0 for a customer with no units."""
        entry = self._entry(tenant_id, customer_id)
        return 0 if entry is None else entry.serial

    def build_entry(
        self, *, tenant_id: str, ids: Ids, types: np.ndarray, vectors: np.ndarray, lexical: LexicalEntry | None = None
    ) -> CustomerEntry:
        if self.codec == "fp16" and vectors.dtype == np.float16:  # already the codes: copy, no re-encoding
            index = faiss.IndexScalarQuantizer(self.dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
            faiss.copy_array_to_vector(np.ascontiguousarray(vectors).view(np.uint8).ravel(), index.codes)
            index.ntotal = len(ids)
            return CustomerEntry(tenant_id=tenant_id, ids=ids, types=types, index=index, lexical=lexical)
        matrix = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        return CustomerEntry(tenant_id=tenant_id, ids=ids, types=types, index=self._new_index(matrix), lexical=lexical)

    def entries(self) -> list[tuple[str, CustomerEntry]]:
        with self._lock:
            return list(self._entries.items())

    def clear(self) -> None:
        with self._lock:
            self._entries = {}

    def remove_customer(self, *, customer_id: str) -> None:
        with self._lock:
            self._entries.pop(customer_id, None)

    def _entry(self, tenant_id: str, customer_id: str) -> CustomerEntry | None:
        with self._lock:
            entry = self._entries.get(customer_id)
        return None if entry is None or entry.tenant_id != tenant_id else entry

    def customer_ids(self, *, tenant_id: str, customer_id: str, unit_type: str = OBSERVATION) -> list[str]:
        entry = self._entry(tenant_id, customer_id)
        if entry is None:
            return []
        return ids_at(entry.ids, np.flatnonzero(entry.types == UNIT_TYPES.index(unit_type)))

    def unit_count(self, *, tenant_id: str, customer_id: str) -> int:
        entry = self._entry(tenant_id, customer_id)
        return 0 if entry is None else len(entry.ids)

    def search(self, *, tenant_id: str, customer_id: str, query: np.ndarray, k: int) -> list[SearchHit]:
        """Best-first hits among the customer's vectors; nothing for another tenant's customer."""
        entry = self._entry(tenant_id, customer_id)
        if entry is None:
            return []
        k = min(k, len(entry.ids))
        scores, positions = entry.index.search(np.asarray(query, dtype=np.float32).reshape(1, self.dim), k)
        found = positions[0] >= 0
        pos, scores = positions[0][found], scores[0][found]
        types = entry.types[pos].tolist()
        return [
            SearchHit(observation_id=unit_id, score=score, unit_type=UNIT_TYPES[code])
            for unit_id, score, code in zip(ids_at(entry.ids, pos), scores.tolist(), types, strict=True)
        ]

    def vectors(self, *, tenant_id: str, customer_id: str, ids: list[str]) -> dict[str, np.ndarray]:
        """The stored (decoded) vectors of these units, for diversity checks."""
        entry = self._entry(tenant_id, customer_id)
        if entry is None:
            return {}
        positions = entry.positions(ids)
        if not positions:
            return {}
        if self.codec in _RAW_CODES:  # the codes are the vectors: read them, no per-vector decode calls
            decoded = entry.raw_codes(_RAW_CODES[self.codec])[positions].astype(np.float32)
        else:
            decoded = entry.index.reconstruct_batch(np.asarray(positions, dtype=np.int64))
        return dict(zip(ids_at(entry.ids, positions), decoded, strict=True))

    def lexical_search(
        self, *, tenant_id: str, customer_id: str, lexemes: list[str], limit: int, since: datetime | None = None,
        until: datetime | None = None, k1: float = 1.2, b: float = 0.75,
    ) -> list[SearchHit] | None:  # fmt: skip
        """BM25 hits among the customer's units, best first; None when the entry holds no lexemes
        (then the caller asks Postgres). A customer with no entry has no units: no hits."""
        entry = self._entry(tenant_id, customer_id)
        if entry is None:
            return []
        if entry.lexical is None:
            return None
        positions, scores = entry.lexical.search(self.vocabulary.lookup(lexemes), limit=limit, since=since,
                                                 until=until, k1=k1, b=b)  # fmt: skip
        types = entry.types[positions].tolist()
        return [SearchHit(observation_id=unit_id, score=score, unit_type=UNIT_TYPES[code])
                for unit_id, score, code in zip(ids_at(entry.ids, positions), scores.tolist(), types, strict=True)]

    def facts(self, *, tenant_id: str, customer_id: str, ids: list[str]) -> dict[str, UnitFacts] | None:
        """Kind, time and following segment of these units, as ranking needs them before any row
        is read; None when the entry holds none (then they come from the rows)."""
        entry = self._entry(tenant_id, customer_id)
        if entry is None:
            return {}
        lex = entry.lexical
        if lex is None:
            return None
        positions = entry.positions(ids)
        replies = lex.replies[positions]
        reply_ids = ids_at(entry.ids, replies[replies >= 0])
        names, following = self.kinds.names, iter(reply_ids)
        out = {}
        for unit_id, pos, reply in zip(ids_at(entry.ids, positions), positions, replies.tolist(), strict=True):
            out[unit_id] = UnitFacts(kind=names[lex.kinds[pos]], observed_at=from_micros(int(lex.observed[pos])),
                                     reply_id=next(following) if reply >= 0 else None)  # fmt: skip
        return out
