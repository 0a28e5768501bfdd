"""What recall reads about its candidates: BM25 hits, ranking facts and, last, the rows it returns.

With the in-process index (FAISS backend) the lexical hits and each unit's kind, time and
following segment come from memory (index/lexical.py), so Postgres is read only for the rows
about to be returned: nothing per query grows with the customer's history but the vector scan.
With the pgvector backend both come from Postgres (BM25 over the stored tsv, facts from the
candidates' rows, read up front as before).

Postgres stays the truth: every row returned is read by primary key just before it is built,
so a unit deleted, superseded or retracted since the index saw it is dropped (an observation
must still be active: observations_repo.fetch_with_sources).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from psycopg import Connection

from memory_service.episodes import repository as episodes_repo
from memory_service.index import SearchHit, VectorIndex
from memory_service.index.lexical import UnitFacts
from memory_service.observations import repository as observations_repo
from memory_service.recall import items as item_builder
from memory_service.units import repository as units


def lexical_hits(
    conn: Connection, index: VectorIndex, *, tenant_id: str, customer_id: str, text: str, limit: int,
    since: datetime | None, until: datetime | None, k1: float, b: float,
) -> list[SearchHit]:  # fmt: skip
    """Best-first BM25 hits: from the index's postings when it holds them, else from SQL."""
    if index.holds_lexemes:
        hits = index.lexical_search(tenant_id=tenant_id, customer_id=customer_id, limit=limit, since=since,
                                    until=until, k1=k1, b=b, lexemes=units.query_lexemes(conn, text))  # fmt: skip
        if hits is not None:
            return hits
    rows = units.lexical_search(conn, tenant_id=tenant_id, customer_id=customer_id, query=text, limit=limit,
                                since=since, until=until, k1=k1, b=b)  # fmt: skip
    return [SearchHit(observation_id=str(r["id"]), score=float(r["score"]), unit_type=r["unit_type"]) for r in rows]


def facts_of_row(row: dict[str, Any], unit_type: str, known: UnitFacts | None = None) -> UnitFacts:
    """Kind and time from the row (the truth); the following segment's id as the index already
    knew it, else derived from the row's interaction and position."""
    reply = known.reply_id if known is not None else None
    if reply is None and unit_type == "segment":
        reply = str(episodes_repo.unit_id(str(row["interaction_id"]), "segment", int(row["position"]) + 1))
    return UnitFacts(kind=item_builder.kind_of(row, unit_type), observed_at=row["observed_at"], reply_id=reply)


class RowNotRead(KeyError):
    """A row recall has not read (yet): a decision that needs it must wait for it."""


class RowsRead(dict[str, dict[str, Any]]):
    def __missing__(self, unit_id: str) -> dict[str, Any]:
        raise RowNotRead(unit_id)


class CandidateRows:
    """Facts for ranking and rows for returning, read as late and as little as the index allows."""

    def __init__(self, conn: Connection, index: VectorIndex, *, tenant_id: str, customer_id: str) -> None:
        self.conn, self.index = conn, index
        self.tenant_id, self.customer_id = tenant_id, customer_id
        self.rows = RowsRead()
        self.facts: dict[str, UnitFacts] = {}
        self._read: set[str] = set()  # ids asked of Postgres (a missing row is gone)

    def load_facts(self, typed_ids: Iterable[tuple[str, str]]) -> dict[str, UnitFacts]:
        """Facts of these units (id, unit type); a unit without facts no longer exists."""
        wanted = [(u, t) for u, t in typed_ids if u not in self.facts]
        if not wanted:
            return self.facts
        if self.index.holds_lexemes:
            found = self.index.facts(tenant_id=self.tenant_id, customer_id=self.customer_id, ids=[u for u, _ in wanted])
            if found is not None:
                self.facts.update(found)
                return self.facts
        self.load_rows(wanted)
        return self.facts

    def load_rows(self, typed_ids: Iterable[tuple[str, str]]) -> dict[str, dict[str, Any]]:
        """Rows of these units by primary key (at most once per query); facts follow the rows."""
        wanted = [(u, t) for u, t in typed_ids if u not in self._read]
        self._read.update(u for u, _ in wanted)
        obs_ids = [u for u, t in wanted if t == "observation"]
        unit_ids = [u for u, t in wanted if t != "observation"]
        conn, tenant, customer = self.conn, self.tenant_id, self.customer_id
        if obs_ids and unit_ids:  # both queries in one round trip
            with conn.pipeline():
                obs = observations_repo.query_with_sources(conn, tenant_id=tenant, customer_id=customer, ids=obs_ids)
                segments = units.query_units(conn, tenant_id=tenant, customer_id=customer, ids=unit_ids)
                found = obs.fetchall() + segments.fetchall()
            self.rows.update(observations_repo.by_id(found))
        elif obs_ids:
            self.rows.update(observations_repo.fetch_with_sources(conn, tenant_id=tenant, customer_id=customer,
                                                                  ids=obs_ids))  # fmt: skip
        elif unit_ids:
            self.rows.update(units.fetch_units(conn, tenant_id=tenant, customer_id=customer, ids=unit_ids))
        for unit_id, unit_type in wanted:
            row = self.rows.get(unit_id)
            if row is None:
                self.facts.pop(unit_id, None)
            else:
                self.facts[unit_id] = facts_of_row(row, unit_type, self.facts.get(unit_id))
        return self.rows
