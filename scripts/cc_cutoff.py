"""Cutting a too-slow ingestion short, fairly for both systems (scripts/bench_contact_centre.py).

`python scripts/cc_cutoff.py DATA_DIR [LIKE]` while the build is ingesting: the interactions still
queued are recorded in DATA_DIR/cutoff.json and marked done, so the workers skip them (a
re-delivered task for a done interaction is a no-op) and the build finishes with what was
really processed. The next bench run (`apply`) then deletes those rows (they have no units),
takes them out of mem0, recomputes the ingestion figures from Postgres and keeps only the
LongMemEval questions whose whole haystack was ingested.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import cc_dataset
import cc_mem0


def cut(db_url: str, data_dir: Path, like: str = "%") -> int:
    """Cut the queued interactions whose external id matches `like` (SQL LIKE; all by default)."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        sql = "SELECT external_id FROM interactions WHERE status = 'queued' AND external_id LIKE %s"
        queued = [r[0] for r in conn.execute(sql, (like,))]
        (data_dir / "cutoff.json").write_text(json.dumps(queued))
        conn.execute("UPDATE interactions SET status = 'done' WHERE external_id = ANY(%s)", (queued,))
    return len(queued)


def unprocessed(db_url: str) -> set[str]:
    """Everything the workers did not really finish (queued, processing, or marked done by `cut`)."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        sql = "SELECT external_id FROM interactions WHERE status <> 'done' OR finished_at IS NULL"
        return {r[0] for r in conn.execute(sql)}


def _ingest_figures(db_url: str, cut_ids: list[str]) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DELETE FROM interactions WHERE external_id = ANY(%s)", (cut_ids,))
        row: Any = conn.execute(
            "SELECT count(*), extract(epoch FROM max(finished_at) - min(created_at)) FROM interactions "
            "WHERE status = 'done'"
        ).fetchone()
    n, seconds = int(row[0]), float(row[1] or 1)
    return {"interactions": n, "seconds": seconds, "cut_short": len(cut_ids), "interactions_per_s": n / seconds,
            "failed": 0, "unfinished": 0}  # fmt: skip


def _complete_questions(customer: cc_dataset.Customer, cut_ids: set[str]) -> list[dict[str, Any]]:
    """LongMemEval question j of a customer asks about haystack j: kept if all of it got in."""
    if not customer.queries or customer.queries[0]["scoring"] != "lme":
        return customer.queries
    return [q for j, q in enumerate(customer.queries)
            if not any(i["external_id"].startswith(f"{customer.ref}-h{j}::") and i["external_id"] in cut_ids
                       for i in customer.interactions)]  # fmt: skip


def _trim_mem0(data_dir: Path, cut_ids: set[str], refs: set[str]) -> int:
    memory = cc_mem0.open_memory(data_dir / "mem0")
    removed = 0
    for ref in refs:
        for m in memory.get_all(filters={"user_id": ref}, top_k=1_000_000)["results"]:
            if m["metadata"]["external_id"] in cut_ids:
                memory.delete(m["id"])
                removed += 1
    return removed


def apply(
    manifest: dict[str, Any], data_dir: Path, db_url: str, units: dict[str, dict[str, int]], bucket_of: Any
) -> dict[str, Any]:
    """The manifest as if only the processed interactions had been sent (see the module doc)."""
    cut_ids = set(json.loads((data_dir / "cutoff.json").read_text())) | unprocessed(db_url)
    sizes = manifest["sizes"]
    customers = {c.ref: c for c in cc_dataset.build(sizes["big"], sizes["haystacks"], sizes["mid"], sizes["small"])}
    manifest["ingest"] = _ingest_figures(db_url, sorted(cut_ids))
    touched = set()
    for row in manifest["customers"]:
        c = customers[row["ref"]]
        kept = [i for i in c.interactions if i["external_id"] not in cut_ids]
        if len(kept) < len(c.interactions):
            touched.add(c.ref)
        row.update(n_interactions=len(kept), n_utterances=sum(len(i["utterances"]) for i in kept),
                   queries=_complete_questions(c, cut_ids), **units.get(c.ref, {"units": 0}))  # fmt: skip
        row["bucket"] = bucket_of(row["units"])
    figures = manifest["ingest"]
    figures["utterances"] = sum(row["n_utterances"] for row in manifest["customers"])
    figures["utterances_per_s"] = figures["utterances"] / figures["seconds"]
    if manifest["mem0_add"]:
        manifest["mem0_add"]["cut_short_removed"] = _trim_mem0(data_dir, cut_ids, touched)
    manifest["cutoff_applied"] = True
    return manifest


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from memory_service.embedded import start_embedded_postgres

    url, server = start_embedded_postgres(Path(sys.argv[1]) / "postgres")
    print(f"cut {cut(url, Path(sys.argv[1]), *sys.argv[2:3])} queued interactions")
