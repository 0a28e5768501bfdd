"""In-process lexical index (BM25) and ranking facts, one entry per customer beside its vectors.

Per query, recall must not do work that grows with the customer's history. The SQL BM25
(units/repository.py) reads every unit of the customer for its statistics; here each
customer's entry holds inverted postings over Postgres' own lexemes (the stored `tsv` of
each unit, loaded with the vectors in the same pass), so a query touches only the postings
of its own terms. Scores equal the SQL's: the same Okapi BM25 (k1, b), n and avgdl over the
customer's units, df over the units matching the query (time window included), document
length = the number of distinct lexemes (Postgres `length(tsv)`), tf = positions of the
lexeme, OR semantics.

An entry also holds what ranking needs before any row is read: each unit's kind, when it
was observed, and the customer reply that follows an agent turn, so recall reads from
Postgres only the rows it is about to return.

Terms are ids in one vocabulary shared by all customers (English lexemes repeat across
customers); an entry stores CSR arrays: its sorted term ids, per term an offset into the
postings (unit positions, uint16 tf). About 4 B per (unit, distinct lexeme) pair.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import numpy as np

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(when: datetime) -> int:
    return (when - EPOCH) // timedelta(microseconds=1)


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


class Vocabulary:
    """Lexeme <-> term id, shared by every customer's entry; grows only (bounded by the language)."""

    def __init__(self, terms: list[str] | None = None) -> None:
        self.terms: list[str] = list(terms or [])
        self.ids: dict[str, int] = {t: i for i, t in enumerate(self.terms)}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.terms)

    def add(self, lexemes: list[str]) -> list[int]:
        ids = self.ids
        try:  # the common case once the vocabulary is warm: every lexeme known, no lock
            return [ids[x] for x in lexemes]
        except KeyError:
            pass
        with self._lock:
            out = []
            for x in lexemes:
                term = ids.get(x)
                if term is None:
                    term = ids[x] = len(self.terms)
                    self.terms.append(x)
                out.append(term)
            return out

    def lookup(self, lexemes: list[str]) -> list[int]:
        """Ids of the known lexemes (an unknown one occurs in no unit)."""
        return [i for i in (self.ids.get(x) for x in lexemes) if i is not None]


class Kinds:
    """Unit kind (observation kind, utterance, agent_turn, summary) <-> uint8 code."""

    def __init__(self, names: list[str] | None = None) -> None:
        self.names: list[str] = list(names or [])
        self._codes = {n: i for i, n in enumerate(self.names)}
        self._lock = threading.Lock()

    def code(self, name: str) -> int:
        code = self._codes.get(name)
        if code is None:
            with self._lock:
                code = self._codes.setdefault(name, len(self.names))
                if code == len(self.names):
                    self.names.append(name)
        return code


class UnitFacts(NamedTuple):
    kind: str
    observed_at: datetime
    reply_id: str | None  # the segment right after this one, if it is a unit of this customer


@dataclass(frozen=True)
class LexicalEntry:
    terms: np.ndarray  # int32 sorted term ids present in the customer's units
    term_offsets: np.ndarray  # int64, len(terms) + 1, into postings/tfs
    postings: np.ndarray  # unit positions in the customer's vector entry (uint16, or int32 if larger)
    tfs: np.ndarray  # uint16 positions of the lexeme in the unit (at least 1)
    lengths: np.ndarray  # int32 distinct lexemes per unit
    observed: np.ndarray  # int64 microseconds since the epoch, per unit
    kinds: np.ndarray  # uint8 Kinds codes, per unit
    replies: np.ndarray  # int32 position of the following segment, -1 when none

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.terms, self.term_offsets, self.postings, self.tfs, self.lengths,
                                      self.observed, self.kinds, self.replies))  # fmt: skip

    def search(
        self, query_terms: list[int], *, limit: int, since: datetime | None = None, until: datetime | None = None,
        k1: float = 1.2, b: float = 0.75,
    ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Best-first (unit positions, BM25 scores) of the units holding any query term."""
        n = len(self.lengths)
        if n == 0 or not query_terms:
            return np.empty(0, np.int64), np.empty(0)
        avgdl = max(float(self.lengths.mean()), 1.0)
        wanted = np.unique(np.asarray(query_terms, dtype=np.int32))
        at = np.searchsorted(self.terms, wanted)
        present = at < len(self.terms)
        at = at[present][self.terms[at[present]] == wanted[present]]
        units, contributions = [], []
        for t in at.tolist():
            post = self.postings[self.term_offsets[t] : self.term_offsets[t + 1]]
            tf = self.tfs[self.term_offsets[t] : self.term_offsets[t + 1]].astype(np.float64)
            if since is not None or until is not None:
                keep = self._within(post, since, until)
                post, tf = post[keep], tf[keep]
            df = len(post)
            if df == 0:
                continue
            idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
            dl = self.lengths[post]
            units.append(post)
            contributions.append(idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)))
        if not units:
            return np.empty(0, np.int64), np.empty(0)
        # Scores summed per unit position (one pass, no sort of the postings), then only the
        # best `limit` of the matched units sorted.
        summed = np.bincount(np.concatenate(units), weights=np.concatenate(contributions), minlength=n)
        matched = np.flatnonzero(summed)
        scores = summed[matched]
        if len(matched) > limit:  # everything tied with the limit-th score stays in, for the ordering below
            cut = np.partition(scores, len(scores) - limit)[len(scores) - limit]
            keep = scores >= cut
            matched, scores = matched[keep], scores[keep]
        order = np.lexsort((matched, -scores))[:limit]  # best first; ties by position, deterministic
        return matched[order].astype(np.int64), scores[order]

    def _within(self, positions: np.ndarray, since: datetime | None, until: datetime | None) -> np.ndarray:
        observed = self.observed[positions]
        keep = np.ones(len(positions), dtype=bool)
        if since is not None:
            keep &= observed >= to_micros(since)
        if until is not None:
            keep &= observed <= to_micros(until)
        return keep


@dataclass
class UnitLexemes:
    """One unit as loaded from Postgres, before it becomes part of an entry."""

    lexemes: list[str]
    tfs: list[int]
    kind: str
    observed_at: datetime
    interaction_id: str | None = None  # segments: their interaction and position, for replies
    position: int | None = None


def build_entry(units: list[UnitLexemes], *, vocabulary: Vocabulary, kinds: Kinds) -> LexicalEntry:
    """Postings of one customer's units (in the order of the vector entry's ids)."""
    term_ids = [np.asarray(vocabulary.add(u.lexemes), dtype=np.int32) for u in units]
    lengths = np.array([len(t) for t in term_ids], dtype=np.int32)
    flat_terms = np.concatenate(term_ids) if units else np.empty(0, np.int32)
    flat_units = np.repeat(np.arange(len(units), dtype=np.int32), lengths)
    flat_tfs = np.fromiter((tf for u in units for tf in u.tfs), dtype=np.int64, count=len(flat_terms))
    order = np.lexsort((flat_units, flat_terms))
    terms, starts = np.unique(flat_terms[order], return_index=True)
    offsets = np.append(starts, len(order)).astype(np.int64)
    postings = flat_units[order].astype(_position_type(len(units)))
    return LexicalEntry(
        terms=terms.astype(np.int32), term_offsets=offsets, postings=postings,
        tfs=np.clip(flat_tfs[order], 1, np.iinfo(np.uint16).max).astype(np.uint16), lengths=lengths,
        observed=np.array([to_micros(u.observed_at) for u in units], dtype=np.int64),
        kinds=np.array([kinds.code(u.kind) for u in units], dtype=np.uint8), replies=_replies(units),
    )  # fmt: skip


def _position_type(units: int) -> type[np.integer]:
    """uint16 postings for customers under 65,536 units (nearly all): 4 B a posting, not 6."""
    return np.uint16 if units <= np.iinfo(np.uint16).max + 1 else np.int32


def _replies(units: list[UnitLexemes]) -> np.ndarray:
    at = {(u.interaction_id, u.position): i for i, u in enumerate(units) if u.interaction_id is not None}
    replies = np.full(len(units), -1, dtype=np.int32)
    for (interaction, position), i in at.items():
        replies[i] = at.get((interaction, (position or 0) + 1), -1)
    return replies
