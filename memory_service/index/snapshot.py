"""On-disk snapshot of the in-process index, so a restart is ready in seconds.

Postgres stays the truth. A snapshot records the change-feed watermark it reflects; after
loading it, every customer with a `memory_changes` row newer than the watermark (minus the
poll overlap) is reloaded from Postgres, and the index's unit count is checked against
Postgres. A snapshot that is missing, unreadable, of another dimension/codec, or that does
not agree after catch-up is discarded and the index is rebuilt from Postgres.

Layout (one directory, replaced atomically): meta.json and units.npz with customer and
tenant ids (16-byte UUIDs), per-customer offsets, unit ids, unit type codes and float16 vectors.
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

VERSION = 1


def _uuid_bytes(values: list[str]) -> np.ndarray:
    return np.frombuffer(b"".join(uuid.UUID(v).bytes for v in values), dtype="V16").copy()


def save_snapshot(index: CustomerVectorIndex, path: Path, *, since: datetime) -> int:
    """Write the index as of watermark `since`; returns the number of units saved (0: skipped)."""
    entries = [(c, e) for c, e in index.entries() if not isinstance(e.ids, list)]
    if not entries:
        return 0
    offsets = np.cumsum([0] + [len(e) for _, e in entries]).astype(np.int64)
    arrays = {
        "customers": _uuid_bytes([c for c, _ in entries]),
        "tenants": _uuid_bytes([e.tenant_id for _, e in entries]),
        "offsets": offsets,
        "ids": np.concatenate([e.ids for _, e in entries]),  # type: ignore[misc]
        "types": np.concatenate([e.types for _, e in entries]),
        "vectors": np.concatenate([e.decoded().astype(np.float16) for _, e in entries]),
    }
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    np.savez(str(tmp / "units.npz"), **arrays)  # type: ignore[arg-type]
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
        data = np.load(path / "units.npz")
        customers, tenants, offsets = data["customers"], data["tenants"], data["offsets"]
        ids, types, vectors = data["ids"], data["types"], data["vectors"]
    except (OSError, ValueError, KeyError):
        return None
    for n in range(len(customers)):
        lo, hi = int(offsets[n]), int(offsets[n + 1])
        entry = index.build_entry(
            tenant_id=str(uuid.UUID(bytes=tenants[n].tobytes())), ids=ids[lo:hi].copy(), types=types[lo:hi].copy(),
            vectors=vectors[lo:hi],
        )  # fmt: skip
        index.put_entry(str(uuid.UUID(bytes=customers[n].tobytes())), entry)
    return datetime.fromisoformat(meta["since"])
