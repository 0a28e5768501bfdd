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

VERSION = 2
_ARRAYS = ("customers", "tenants", "offsets", "ids", "types", "vectors")


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
    meta = {"version": VERSION, "dim": index.dim, "codec": index.codec, "since": since.isoformat(),
            "units": int(offsets[-1]), "customers": len(entries)}  # fmt: skip
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
        data = {name: np.load(path / f"{name}.npy", mmap_mode="r" if name == "vectors" else None) for name in _ARRAYS}
        customers, tenants, offsets = data["customers"], data["tenants"], data["offsets"]
        ids, types, vectors = data["ids"], data["types"], data["vectors"]
        if vectors.shape != (int(offsets[-1]), index.dim) or len(ids) != len(vectors) or len(types) != len(vectors):
            return None
    except (OSError, ValueError, KeyError, IndexError):
        return None
    customer_ids, tenant_ids = all_ids(customers), all_ids(tenants)
    for n in range(len(customers)):
        lo, hi = int(offsets[n]), int(offsets[n + 1])
        entry = index.build_entry(tenant_id=tenant_ids[n], ids=ids[lo:hi].copy(), types=types[lo:hi].copy(),
                                  vectors=vectors[lo:hi])  # fmt: skip
        index.put_entry(customer_ids[n], entry)
    return datetime.fromisoformat(meta["since"])
