"""Per-stage cost of one recall on customers of 100, 1,000 and 10,000 units of real text, the
in-process path (FAISS + in-process BM25 + facts + rows read for what is returned) against the
SQL paths, in one run, on the same customers, queries and query vectors.

    HF_HUB_OFFLINE=1 PYTHONPATH=$PWD .venv/bin/python scripts/bench_recall_path.py
        [--sizes 100,1000,10000] [--queries 60] [--rounds 3]

Customers are built from real conversations: LoCoMo dev turns, then LongMemEval dev sessions,
each session an interaction (its first speaker the customer), each turn a segment with its
neighbours as context (as episodes/service.py stores them), plus one observation (kind fact)
for every third customer turn, with a source. Vectors are the bundled MiniLM's. Queries are
LoCoMo/LongMemEval dev questions (text only; nothing is scored). Embedded Postgres, one
process, no HTTP: the numbers are the recall path's own, not the API's.

Stages (median ms per query, per customer size):
- bare query embedding (fp32 sentence-transformers model, batch of one): the reference;
- BM25 SQL as it was (to_tsvector over every observation per query), over the stored tsv (the
  pgvector backend today), and in process (with the query's lexemes read from Postgres, and
  cached);
- FAISS search; the rows re-read: every candidate (before) and what is returned (after);
- recall end to end: in-process, FAISS with the SQL paths (BM25 in SQL, every candidate's
  row), and the pgvector backend.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from service_harness import print_table  # noqa: E402

DATA = Path("/work/shared/datasets")
OLD_BM25 = None  # set in main: units._BM25 with the per-query to_tsvector it had before the stored tsv


def sessions() -> list[list[tuple[str, str]]]:
    """(speaker, text) turns of every LoCoMo dev session, then every LongMemEval dev session."""
    out = []
    for conv in json.loads((DATA / "locomo/locomo10_dev.json").read_text()):
        c = conv["conversation"]
        out += [[(t["speaker"], t["text"]) for t in c[f"session_{n}"]] for n in range(1, 40) if c.get(f"session_{n}")]
    with gzip.open(DATA / "longmemeval/longmemeval_s_dev.json.gz") as fh:
        for q in json.load(fh):
            out += [[(t["role"], t["content"]) for t in s] for s in q["haystack_sessions"]]
    return out


def questions(n: int) -> list[str]:
    found = [q["question"] for conv in json.loads((DATA / "locomo/locomo10_dev.json").read_text())
             for q in conv["qa"] if q.get("category") in (1, 2, 3, 4)]  # fmt: skip
    with gzip.open(DATA / "longmemeval/longmemeval_s_dev.json.gz") as fh:
        found += [q["question"] for q in json.load(fh)]
    step = max(len(found) // n, 1)
    return found[::step][:n]


def customer_units(turns: list[list[tuple[str, str]]], size: int) -> list[list[dict[str, Any]]]:
    """Interactions of segment/observation rows until the customer holds `size` units."""
    from memory_service.episodes.service import CONTEXT_CHARS, MAX_UNIT_CHARS

    out, count = [], 0
    for session in turns:
        customer = session[0][0]
        texts = [" ".join(t.split())[:MAX_UNIT_CHARS] for _, t in session]
        rows = []
        for pos, ((speaker, _), text) in enumerate(zip(session, texts, strict=True)):
            before = texts[pos - 1][-CONTEXT_CHARS:] if pos else ""
            after = texts[pos + 1][:CONTEXT_CHARS] if pos + 1 < len(texts) else ""
            role = "customer" if speaker == customer else "agent"
            rows.append({"type": "segment", "role": role, "position": pos, "text": text,
                         "context": f"{before} || {after}".strip(" |")})  # fmt: skip
            if role == "customer" and pos % 3 == 0:
                rows.append({"type": "observation", "position": pos, "text": text.split(". ")[0][:300]})
        rows = rows[: size - count]
        out.append(rows)
        count += len(rows)
        if count >= size:
            return out
    raise SystemExit(f"not enough dev text for {size} units")


def load(conn: Any, tenant: Any, customers: dict[int, list[list[dict[str, Any]]]], embed: Callable) -> dict:  # type: ignore[type-arg]
    """COPY the customers in; returns {size: customer_id}."""
    from memory_service.episodes.repository import unit_id

    ids = {}
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    for size, interactions in customers.items():
        cid = uuid.uuid4()
        ids[size] = str(cid)
        conn.execute("INSERT INTO customers (id, tenant_id) VALUES (%s, %s)", (cid, tenant))
        flat = [r for rows in interactions for r in rows]
        # Vectors of the first 300 characters: MiniLM reads 256 word pieces at most anyway, and
        # the long LongMemEval answers would make loading the slowest part of the run.
        vectors = embed([r["text"][:300] for r in flat])
        n = 0
        for k, rows in enumerate(interactions):
            iid, at = uuid.uuid4(), t0 + timedelta(days=k)
            conn.execute("INSERT INTO interactions (id, tenant_id, customer_id, external_id, content_hash, channel, "
                         "started_at, payload, status) VALUES (%s, %s, %s, %s, %s, 'voice', %s, '{}', 'done')",
                         (iid, tenant, cid, f"b-{size}-{k}", uuid.uuid4().hex, at))  # fmt: skip
            for r in rows:
                utt = [f"{k}-{r['position']}"]
                if r["type"] == "segment":
                    conn.execute("INSERT INTO episodes (id, tenant_id, customer_id, interaction_id, unit_type, role, "
                                 "position, text, context, utterance_ids, embedding, observed_at) VALUES "
                                 "(%s, %s, %s, %s, 'segment', %s, %s, %s, %s, %s, %s, %s)",
                                 (unit_id(str(iid), "segment", r["position"]), tenant, cid, iid, r["role"],
                                  r["position"], r["text"], r["context"], utt, vectors[n], at))  # fmt: skip
                else:
                    oid = uuid.uuid4()
                    conn.execute("INSERT INTO observations (id, tenant_id, customer_id, kind, text, content_key, "
                                 "embedding, confidence, observed_at, valid_from, last_seen_at) VALUES "
                                 "(%s, %s, %s, 'fact', %s, %s, %s, 0.8, %s, %s, %s)",
                                 (oid, tenant, cid, r["text"], f"{oid}", vectors[n], at, at, at))  # fmt: skip
                    conn.execute("INSERT INTO observation_sources (observation_id, interaction_id, utterance_ids, "
                                 "observed_at) VALUES (%s, %s, %s, %s)", (oid, iid, utt, at))  # fmt: skip
                n += 1
    conn.execute("ANALYZE")
    conn.commit()
    return ids


def timed(fn: Callable[[], Any], rounds: int) -> float:
    """Median ms of fn over rounds calls."""
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def every_row(conn: Any, index: Any, tenant: str, customer: str, cands: list[Any]) -> Any:
    from memory_service.recall.units import CandidateRows

    source = CandidateRows(conn, index, tenant_id=tenant, customer_id=customer)
    return source.load_rows((c.unit_id, c.unit_type) for c in cands)


def stage_rows(conn: Any, index: Any, pool: Any, tenant: str, customer: str, query: str, vector: np.ndarray,
               rounds: int, model: Any) -> dict[str, float]:  # fmt: skip
    """Median ms of each stage for one query on one customer."""
    from memory_service.index import PgVectorIndex
    from memory_service.recall.service import RecallPolicy, _candidates, lexical_query, recall
    from memory_service.recall.units import CandidateRows
    from memory_service.units import repository as units
    from schemas.recall import RecallRequest

    policy, request = RecallPolicy(), RecallRequest(query=query, include_profile=False)
    text = lexical_query(query)
    params = {"q": text, "c": customer, "t": tenant, "limit": 100, "since": None, "until": None, "k1": 1.2, "b": 0.75}
    lexemes = units.query_lexemes(conn, text)
    cands = _candidates(conn, index, vector, tenant, customer, request, policy, None)
    read: list[int] = []
    original = CandidateRows.load_rows

    def counting(self: CandidateRows, typed_ids: Any) -> Any:
        wanted = list(typed_ids)
        read.append(len([u for u, _ in wanted if u not in self._read]))
        return original(self, wanted)

    def e2e(idx: Any) -> Callable[[], Any]:
        return lambda: recall(conn, index=idx, query_vector=vector, tenant_id=tenant, customer_id=customer,
                              request=request, policy=policy)  # fmt: skip

    out = {
        "bare query embedding": timed(lambda: model.embed([query]), rounds),
        "BM25 SQL, to_tsvector per query (before)": timed(lambda: conn.execute(OLD_BM25, params).fetchall(), rounds),
        "BM25 SQL, stored tsv (pgvector backend)": timed(lambda: units.lexical_search(
            conn, tenant_id=tenant, customer_id=customer, query=text, limit=100), rounds),  # fmt: skip
        "query lexemes from Postgres (uncached)": timed(lambda: conn.execute(
            "SELECT tsvector_to_array(to_tsvector('english', %s))", (text,)).fetchall(), rounds),  # fmt: skip
        "BM25 in process": timed(lambda: index.lexical_search(tenant_id=tenant, customer_id=customer,
                                                              lexemes=lexemes, limit=100), rounds),  # fmt: skip
        "FAISS search (k=100)": timed(lambda: index.search(tenant_id=tenant, customer_id=customer, query=vector,
                                                           k=100), rounds),  # fmt: skip
        "rows: every candidate (before)": timed(lambda: every_row(conn, index, tenant, customer, cands), rounds),
        "recall, in process (after)": timed(e2e(index), rounds),
        "recall, pgvector backend": timed(e2e(PgVectorIndex(pool, index.dim)), rounds),
    }
    index.holds_lexemes = False
    out["recall, FAISS + SQL BM25 + every row (before)"] = timed(e2e(index), rounds)
    index.holds_lexemes = True
    CandidateRows.load_rows = counting  # type: ignore[method-assign]
    try:
        e2e(index)()
    finally:
        CandidateRows.load_rows = original  # type: ignore[method-assign]
    out["rows read, in process (count)"] = float(sum(read))
    out["candidates (count)"] = float(len(cands))
    return out


def run(args: argparse.Namespace, tmp: Path) -> None:
    from memory_service import db
    from memory_service.embedded import start_embedded_postgres
    from memory_service.embeddings import SentenceTransformerEmbedder, bundled_model_path
    from memory_service.index import CustomerVectorIndex
    from memory_service.index.sync import build_index
    from memory_service.tenants.service import create_api_key
    from memory_service.units import repository as units

    global OLD_BM25
    OLD_BM25 = units._BM25.format(time_cond="").replace("o.tsv", "to_tsvector('english', o.text)")
    sizes = [int(x) for x in args.sizes.split(",")]
    url, server = start_embedded_postgres(tmp / "pg")
    try:
        db.migrate(url)
        pool = db.create_pool(url, max_size=4)
        model = SentenceTransformerEmbedder(str(bundled_model_path()), batch_size=64)
        turns = sessions()
        with pool.connection() as conn:
            create_api_key(conn, tenant_name="bench")
            tenant = str(conn.execute("SELECT id FROM tenants WHERE name = 'bench'").fetchone()["id"])  # type: ignore[index]
            started = time.perf_counter()
            offset = 0
            customers = {}
            for size in sizes:  # each customer its own stretch of the dev conversations
                customers[size] = customer_units(turns[offset:], size)
                offset += len(customers[size])
            ids = load(conn, tenant, customers, model.embed)
            print(f"loaded {sum(sizes)} units in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        index = CustomerVectorIndex(model.dim, codec="fp16")
        started = time.perf_counter()
        build_index(pool, index)
        build_s = time.perf_counter() - started
        qs = questions(args.queries)
        vectors = model.embed(qs)
        results: dict[int, list[dict[str, float]]] = {size: [] for size in sizes}
        with pool.connection() as conn:
            for size in sizes:
                for q, v in zip(qs, vectors, strict=True):
                    results[size].append(stage_rows(conn, index, pool, tenant, ids[size], q, v, args.rounds, model))
                conn.commit()
        report(results, sizes, index, build_s)
        pool.close()
    finally:
        server.cleanup()


def report(results: dict[int, list[dict[str, float]]], sizes: list[int], index: Any, build_s: float) -> None:
    stages = list(results[sizes[0]][0])
    rows = [[stage, *(f"{statistics.median(r[stage] for r in results[size]):.2f}" for size in sizes)]
            for stage in stages]  # fmt: skip
    p90 = [["recall, in process (after), p90",
            *(f"{np.percentile([r['recall, in process (after)'] for r in results[s]], 90):.2f}" for s in sizes)]]
    print_table("Recall path per stage (median over queries of the median of rounds, ms)",
                ["stage", *(f"{s} units" for s in sizes)], rows + p90)  # fmt: skip
    entries = index.entries()
    units = max(len(index), 1)
    lexical = sum(e.lexical.nbytes for _, e in entries if e.lexical is not None)
    vocab = sum(len(t) + 57 + 100 for t in index.vocabulary.terms)  # str object + dict slot, roughly
    print_table("In-process lexical index", ["", "value"], [
        ["postings + facts, bytes per unit", f"{lexical / units:.0f}"],
        ["shared vocabulary (terms, ~bytes)", f"{len(index.vocabulary)} ({vocab / 1e6:.1f} MB)"],
        ["index build from Postgres (vectors + lexemes)", f"{build_s:.1f} s for {units} units"],
    ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    run(args, Path(tempfile.mkdtemp(prefix="bench-path-")))


if __name__ == "__main__":
    main()
