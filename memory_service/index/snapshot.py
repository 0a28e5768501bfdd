"""On-disk snapshot of the in-process index, so a restart is ready in seconds.

Postgres stays the truth. A snapshot records the change-feed watermark it reflects; after
loading it, every customer with a `memory_changes` row newer than the watermark (minus the
poll overlap) is reloaded from Postgres, and the index's unit count is checked against
Postgres. A snapshot that is missing, unreadable, of another dimension/codec, or that does
not agree after catch-up is discarded and the index is rebuilt from Postgres.

Layout (one directory, replaced atomically): meta.json and one .npy file per array: customer
and tenant ids (16-byte UUIDs), per-customer offsets, unit ids, unit type codes and float16
vectors. Plain .npy (not a zip) so a restart memory-maps the vectors and copies each customer's
slice straight into its FAISS codes: no CRC pass, no decode/re-encode, no second full copy.
The lexical index (index/lexical.py) is saved beside it: the shared vocabulary (UTF-8 bytes and
offsets), the kind names (meta.json), and every customer's postings and per-unit facts
concatenated in customer order, with per-customer term and posting counts to cut them apart.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import numpy as np

from memory_service.index.faiss_index import CustomerVectorIndex
from memory_service.index.ids import all_ids
from memory_service.index.lexical import Kinds, LexicalEntry, Vocabulary

VERSION = 3
_ARRAYS = ("customers", "tenants", "offsets", "ids", "types", "vectors")
_PER_UNIT = ("lengths", "observed", "kinds", "replies")  # LexicalEntry fields aligned with ids
_LEXICAL = ("vocabulary", "vocabulary_offsets", "present", "term_counts", "posting_counts", "terms", "term_offsets",
            "postings", "tfs", *_PER_UNIT)  # fmt: skip


def _uuid_bytes(values: list[str]) -> np.ndarray:
    return np.frombuffer(b"".join(uuid.UUID(v).bytes for v in values), dtype="V16").copy()


def save_snapshot(index: CustomerVectorIndex, path: Path, *, since: datetime) -> int:
    """Write the index as of watermark `since`; returns the number of units saved (0: skipped)."""
    entries = [(c, e) for c, e in index.entries() if not isinstance(e.ids, list)]
    if not entries:  # nothing to keep: an older snapshot must not outlive what it held (erasure)
        shutil.rmtree(path, ignore_errors=True)
        return 0
    offsets = np.cumsum([0] + [len(e) for _, e in entries]).astype(np.int64)
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    np.save(tmp / "customers.npy", _uuid_bytes([c for c, _ in entries]))
    np.save(tmp / "tenants.npy", _uuid_bytes([e.tenant_id for _, e in entries]))
    np.save(tmp / "offsets.npy", offsets)
    np.save(tmp / "ids.npy", np.concatenate([e.ids for _, e in entries]))  # type: ignore[misc]
    np.save(tmp / "types.npy", np.concatenate([e.types for _, e in entries]))
    vectors = np.lib.format.open_memmap(tmp / "vectors.npy", mode="w+", dtype=np.float16,
                                        shape=(int(offsets[-1]), index.dim))  # fmt: skip
    for n, (_, e) in enumerate(entries):  # one customer at a time: no full-size copy in memory
        vectors[offsets[n] : offsets[n + 1]] = e.float16()
    vectors.flush()
    del vectors
    _save_lexical(tmp, index, [e.lexical or _absent(len(e)) for _, e in entries])
    meta = {"version": VERSION, "dim": index.dim, "codec": index.codec, "since": since.isoformat(),
            "units": int(offsets[-1]), "customers": len(entries), "kinds": list(index.kinds.names)}  # fmt: skip
    (tmp / "meta.json").write_text(json.dumps(meta))
    old = path.with_name(path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        path.rename(old)
    tmp.rename(path)
    shutil.rmtree(old, ignore_errors=True)
    return int(offsets[-1])


def load_snapshot(index: CustomerVectorIndex, path: Path) -> datetime | None:
    """Fill the index from the snapshot; returns its watermark, or None if there is no usable one."""
    try:
        meta = json.loads((path / "meta.json").read_text())
        if meta["version"] != VERSION or meta["dim"] != index.dim or meta["codec"] != index.codec:
            return None
        data = {name: np.load(path / f"{name}.npy", mmap_mode="r" if name == "vectors" else None)
                for name in (*_ARRAYS, *_LEXICAL)}  # fmt: skip
        customers, tenants, offsets = data["customers"], data["tenants"], data["offsets"]
        ids, types, vectors = data["ids"], data["types"], data["vectors"]
        if vectors.shape != (int(offsets[-1]), index.dim) or len(ids) != len(vectors) or len(types) != len(vectors):
            return None
        if any(len(data[name]) != len(ids) for name in _PER_UNIT):
            return None
        lexical = _lexical_entries(data, offsets)
        _restore_vocabulary(index, data, meta["kinds"])
    except (OSError, ValueError, KeyError, IndexError):
        return None
    customer_ids, tenant_ids = all_ids(customers), all_ids(tenants)
    for n in range(len(customers)):
        lo, hi = int(offsets[n]), int(offsets[n + 1])
        entry = index.build_entry(tenant_id=tenant_ids[n], ids=ids[lo:hi].copy(), types=types[lo:hi].copy(),
                                  vectors=vectors[lo:hi], lexical=lexical[n])  # fmt: skip
        index.put_entry(customer_ids[n], entry)
    return datetime.fromisoformat(meta["since"])


def _save_lexical(tmp: Path, index: CustomerVectorIndex, entries: list[LexicalEntry]) -> None:
    words = [t.encode() for t in list(index.vocabulary.terms)]
    arrays: dict[str, np.ndarray] = {
        "vocabulary": np.frombuffer(b"".join(words), dtype=np.uint8),
        "vocabulary_offsets": np.cumsum([0] + [len(w) for w in words]).astype(np.int64),
        "present": np.array([len(e.term_offsets) > 0 for e in entries], dtype=bool),
        "term_counts": np.array([len(e.terms) for e in entries], dtype=np.int64),
        "posting_counts": np.array([len(e.postings) for e in entries], dtype=np.int64),
        "terms": np.concatenate([e.terms for e in entries]),
        "term_offsets": np.concatenate([e.term_offsets for e in entries]),  # each entry's own, len(terms) + 1
        "postings": np.concatenate([e.postings for e in entries]),
        "tfs": np.concatenate([e.tfs for e in entries]),
        **{name: np.concatenate([getattr(e, name) for e in entries]) for name in _PER_UNIT},
    }
    for name, array in arrays.items():
        np.save(tmp / f"{name}.npy", array)


def _absent(units: int) -> LexicalEntry:
    """Stands in for an entry that holds no lexemes: no term offsets at all (a real one has >= 1)."""
    empty = np.empty(0, np.int32)
    return LexicalEntry(terms=empty, term_offsets=np.empty(0, np.int64), postings=empty,
                        tfs=np.empty(0, np.uint16), lengths=np.zeros(units, np.int32),
                        observed=np.zeros(units, np.int64), kinds=np.zeros(units, np.uint8),
                        replies=np.full(units, -1, np.int32))  # fmt: skip


def _lexical_entries(data: dict[str, np.ndarray], offsets: np.ndarray) -> list[LexicalEntry | None]:
    """Every customer's entry as views into the loaded arrays (no per-customer copies)."""
    present = data["present"].astype(bool)
    term_at = np.cumsum(np.concatenate([[0], data["term_counts"]]))
    offset_at = np.cumsum(np.concatenate([[0], data["term_counts"] + present]))  # len(terms) + 1 each, if present
    posting_at = np.cumsum(np.concatenate([[0], data["posting_counts"]]))
    if (int(term_at[-1]) != len(data["terms"]) or int(posting_at[-1]) != len(data["postings"])
            or int(offset_at[-1]) != len(data["term_offsets"]) or len(present) != len(offsets) - 1):
        raise ValueError("lexical arrays disagree with their counts")
    entries: list[LexicalEntry | None] = []
    for n in range(len(offsets) - 1):
        if not present[n]:  # an entry built without lexemes: recall asks Postgres for this customer
            entries.append(None)
            continue
        t0, t1, p0, p1 = int(term_at[n]), int(term_at[n + 1]), int(posting_at[n]), int(posting_at[n + 1])
        lo, hi = int(offsets[n]), int(offsets[n + 1])
        entries.append(LexicalEntry(
            terms=data["terms"][t0:t1], term_offsets=data["term_offsets"][int(offset_at[n]) : int(offset_at[n + 1])],
            postings=data["postings"][p0:p1], tfs=data["tfs"][p0:p1],
            **{name: data[name][lo:hi] for name in _PER_UNIT},
        ))  # fmt: skip
    return entries


def _restore_vocabulary(index: CustomerVectorIndex, data: dict[str, np.ndarray], kinds: list[str]) -> None:
    blob, at = data["vocabulary"].tobytes(), data["vocabulary_offsets"].tolist()
    index.vocabulary = Vocabulary([blob[at[i] : at[i + 1]].decode() for i in range(len(at) - 1)])
    index.kinds = Kinds(kinds)
