"""SQL over every recall unit: vectors (for the index) and BM25 text search (for recall).

A unit is an active observation, a segment or a summary. The index reads the vectors in
binary, since the text form of a vector costs ~0.5 ms of Python parsing per row (minutes for a
million) against microseconds for the binary one.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from psycopg import Connection, Cursor

# One customer's units, for pgvector's exact search (%(c)s customer, %(t)s tenant).
CUSTOMER_UNITS = (
    "SELECT id, 'observation' AS unit_type, embedding FROM observations "
    "WHERE customer_id = %(c)s AND tenant_id = %(t)s AND status = 'active' "
    "UNION ALL SELECT id, unit_type, embedding FROM episodes WHERE customer_id = %(c)s AND tenant_id = %(t)s"
)

# Every unit's vector and, for the in-process lexical index (index/lexical.py), its lexemes from
# the stored tsv with their position counts (tf), its kind (recall/items.kind_of in SQL) and, for
# segments, where it sits in its interaction.
_VECTORS = (
    "SELECT tenant_id, customer_id, id, unit_type, embedding, kind, observed_at, interaction_id, position, "
    " tsvector_to_array(tsv) AS lexemes,"
    " ARRAY(SELECT coalesce(array_length(x.positions, 1), 1) FROM unnest(tsv) x) AS tfs FROM ("
    " SELECT tenant_id, customer_id, id, 'observation' AS unit_type, embedding, kind, observed_at,"
    "  NULL::uuid AS interaction_id, NULL::integer AS position, tsv FROM observations"
    "  WHERE status = 'active' {cond}"
    " UNION ALL"
    " SELECT tenant_id, customer_id, id, unit_type, embedding,"
    "  CASE WHEN unit_type = 'summary' THEN 'summary' WHEN role = 'customer' THEN 'utterance'"
    "   WHEN role = 'agent' THEN 'agent_turn' ELSE role END, observed_at,"
    "  interaction_id, position, tsv FROM episodes WHERE true {cond}"
    ") u ORDER BY tenant_id, customer_id"
)


def stream_vectors(conn: Connection) -> Iterator[dict[str, Any]]:
    """Every unit's vector (binary), grouped by customer, for a full index build."""
    with conn.cursor(name="index_units_stream", binary=True) as cur:
        cur.itersize = 5000
        cur.execute(_VECTORS.format(cond=""))
        yield from cur  # type: ignore[misc]


def customer_vectors(conn: Connection, *, customer_id: str) -> list[dict[str, Any]]:
    """One customer's unit vectors (binary)."""
    return conn.execute(  # type: ignore[return-value]
        _VECTORS.format(cond="AND customer_id = %(c)s"), {"c": customer_id}, binary=True
    ).fetchall()


def count_units(conn: Connection) -> int:
    row: Any = conn.execute(
        "SELECT (SELECT count(*) FROM observations WHERE status = 'active') + (SELECT count(*) FROM episodes) AS n"
    ).fetchone()
    return int(row["n"])


def fetch_units(
    conn: Connection, *, tenant_id: str, customer_id: str, ids: list[str]
) -> dict[str, dict[str, Any]]:
    rows: list[Any] = query_units(conn, tenant_id=tenant_id, customer_id=customer_id, ids=ids).fetchall()
    return {str(r["id"]): r for r in rows}


def count_live(
    conn: Connection, *, tenant_id: str, customer_id: str, observation_ids: list[str], unit_ids: list[str]
) -> int:
    """How many of these still exist: active observations, and segments or summaries."""
    row: Any = conn.execute(
        "SELECT (SELECT count(*) FROM observations WHERE id = ANY(%s::uuid[]) AND tenant_id = %s AND customer_id = %s "
        "AND status = 'active') + (SELECT count(*) FROM episodes WHERE id = ANY(%s::uuid[]) AND tenant_id = %s "
        "AND customer_id = %s) AS n",
        (observation_ids, tenant_id, customer_id, unit_ids, tenant_id, customer_id),
    ).fetchone()
    return int(row["n"])


def query_units(conn: Connection, *, tenant_id: str, customer_id: str, ids: list[str]) -> Cursor[Any]:
    """The query of fetch_units, sent but not yet read (a pipeline can send another first)."""
    return conn.execute(
        "SELECT e.id, e.unit_type, e.role, e.position, e.text, e.utterance_ids, e.observed_at, e.interaction_id, "
        "e.flags, i.external_id "
        "FROM episodes e JOIN interactions i ON i.id = e.interaction_id "
        "WHERE e.id = ANY(%s::uuid[]) AND e.tenant_id = %s AND e.customer_id = %s",
        (ids, tenant_id, customer_id),
    )


# Okapi BM25 (k1, b) computed in SQL over one customer's units. Every unit holding a
# query term matches the OR query, so document frequencies from the matched set are exact.
_BM25 = """
WITH q AS (SELECT NULLIF(replace(plainto_tsquery('english', %(q)s)::text, '&', '|'), '')::tsquery AS q),
units AS (
    SELECT e.id, e.unit_type, e.tsv, e.observed_at FROM episodes e
    WHERE e.customer_id = %(c)s AND e.tenant_id = %(t)s
    UNION ALL
    SELECT o.id, 'observation', o.tsv, o.observed_at FROM observations o
    WHERE o.customer_id = %(c)s AND o.tenant_id = %(t)s AND o.status = 'active'
),
stats AS (SELECT count(*) AS n, greatest(avg(length(tsv)), 1) AS avgdl FROM units),
matched AS (SELECT u.* FROM units u, q WHERE q.q IS NOT NULL AND u.tsv @@ q.q {time_cond}),
qlex AS (SELECT lexeme FROM unnest(to_tsvector('english', %(q)s))),
terms AS (
    SELECT m.id, m.unit_type, length(m.tsv) AS dl, x.lexeme, coalesce(array_length(x.positions, 1), 1) AS tf
    FROM matched m, unnest(m.tsv) x WHERE x.lexeme IN (SELECT lexeme FROM qlex)
),
df AS (SELECT lexeme, count(*) AS df FROM terms GROUP BY lexeme)
SELECT terms.id, terms.unit_type,
       sum(ln(1 + (s.n - df.df + 0.5) / (df.df + 0.5))
           * tf * (%(k1)s + 1) / (tf + %(k1)s * (1 - %(b)s + %(b)s * dl / s.avgdl))) AS score
FROM terms JOIN df USING (lexeme), stats s
GROUP BY terms.id, terms.unit_type ORDER BY score DESC LIMIT %(limit)s
"""


def lexical_search(
    conn: Connection,
    *,
    tenant_id: str,
    customer_id: str,
    query: str,
    limit: int,
    since: datetime | None = None,
    until: datetime | None = None,
    k1: float = 1.2,
    b: float = 0.75,
) -> list[dict[str, Any]]:
    """Best-first BM25 hits {id, unit_type, score} among the customer's units."""
    conds = []
    if since is not None:
        conds.append("AND u.observed_at >= %(since)s")
    if until is not None:
        conds.append("AND u.observed_at <= %(until)s")
    sql = _BM25.format(time_cond=" ".join(conds))
    params = {"q": query, "c": customer_id, "t": tenant_id, "limit": limit, "since": since, "until": until,
              "k1": k1, "b": b}
    return conn.execute(sql, params).fetchall()  # type: ignore[arg-type, return-value]


# A whitespace-separated token of plain ASCII letters and digits, edge punctuation aside, is one
# token of Postgres' default parser whatever stands around it, and the english configuration
# turns it into at most one lexeme on its own: so such a query's lexemes are the union of its
# words' lexemes. Anything else (hyphens, apostrophes, inner dots, signs, other scripts) may make
# compound tokens, and the whole text goes to Postgres (tests/integration/test_recall_lexical.py
# checks the two agree on real and generated queries).
_PLAIN_WORD = re.compile(r"[A-Za-z0-9]{1,64}")  # longer words are asked whole (and never kept)
_EDGE_PUNCTUATION = ".,?!;:\"()"
_TWO_DOTS = re.compile(r"(?<!\.)\.\.(?!\.)")  # "go.." parses as a file token ".."; "..." is blank


def plain_words(text: str) -> list[str] | None:
    """The query's words, lower-cased, if every token is a plain word; else None. Non-ASCII text
    is asked whole: under a C locale Postgres reads a no-break space as part of a word."""
    if not text.isascii():
        return None
    words = []
    for token in text.split():
        word = token.strip(_EDGE_PUNCTUATION)
        if not word:  # punctuation alone ("?", "...")
            continue
        if not _PLAIN_WORD.fullmatch(word) or _TWO_DOTS.search(token):
            return None
        words.append(word.lower())
    return words


class _LexemeCache:
    """Query text -> Postgres lexemes (the parser is stable). A query of plain words is answered
    from each word's lexeme, kept per word (words repeat across queries far more than whole
    texts do), so a new question of known words costs no round trip; only its unknown words are
    asked, in one query. Other texts are asked whole and kept per text, least recently used out
    first; the words are started afresh when they reach `words`."""

    def __init__(self, size: int = 4096, words: int = 50_000) -> None:
        self.size, self.word_size = size, words
        self._items: OrderedDict[str, list[str]] = OrderedDict()
        self._words: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self.round_trips = 0

    def get(self, conn: Connection, text: str) -> list[str]:
        words = plain_words(text)
        if words is not None:
            return self._from_words(conn, words)
        with self._lock:
            found = self._items.get(text)
            if found is not None:
                self._items.move_to_end(text)
                return found
        rows: list[Any] = conn.execute("SELECT tsvector_to_array(to_tsvector('english', %s)) AS x", (text,)).fetchall()
        lexemes = list(rows[0]["x"])
        with self._lock:
            self.round_trips += 1
            self._items[text] = lexemes
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return lexemes

    def _from_words(self, conn: Connection, words: list[str]) -> list[str]:
        known = self._words  # this call's view: a full cache is replaced, never emptied under a reader
        missing = sorted({w for w in words if w not in known})
        found: dict[str, tuple[str, ...]] = {}
        if missing:
            rows: list[Any] = conn.execute(
                "SELECT w, tsvector_to_array(to_tsvector('english', w)) AS x FROM unnest(%s::text[]) AS w", (missing,)
            ).fetchall()
            found = {row["w"]: tuple(row["x"]) for row in rows}
            with self._lock:
                self.round_trips += 1
                if len(self._words) + len(found) > self.word_size:
                    self._words = {}
                self._words.update(found)
        return sorted({x for w in words for x in (found[w] if w in found else known.get(w, ()))})


_lexemes = _LexemeCache()


def query_lexemes(conn: Connection, text: str) -> list[str]:
    """The query's lexemes exactly as the BM25 SQL sees them (to_tsvector 'english'), cached."""
    return _lexemes.get(conn, text)
