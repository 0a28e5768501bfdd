"""The in-process lexical index against Postgres: the same BM25 as the SQL on real text, it
follows the change feed, and recall's primary-key re-check keeps out what the index still holds."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from memory_service.index import PgVectorIndex
from memory_service.units import repository as units
from tests.integration.helpers import example_interaction
from tests.integration.test_reconciliation import PHONE_REF, _observations, _say

pytestmark = pytest.mark.integration

LOCOMO = Path(os.environ.get("MEMORY_EVAL_DATA", "/work/shared/datasets")) / "locomo/locomo10_dev.json"


def _locomo_sessions(count: int) -> tuple[list[list[dict[str, str]]], list[str]]:
    """The first sessions of conv-26 (a conversation of the tuned half) and its questions."""
    if not LOCOMO.exists():
        pytest.skip("LoCoMo dev set not present")
    conv = next(c for c in json.loads(LOCOMO.read_text()) if c["sample_id"] == "conv-26")
    sessions = [conv["conversation"][f"session_{n}"] for n in range(1, count + 1)]
    return sessions, [q["question"] for q in conv["qa"][:25]]


def _ingest_session(api, turns: list[dict[str, str]], day: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    customer = turns[0]["speaker"]
    utterances = [{"id": t["dia_id"], "role": "customer" if t["speaker"] == customer else "agent", "text": t["text"]}
                  for t in turns]  # fmt: skip
    when = f"2026-0{day}-01T10:00:00Z"
    return api.ingest(example_interaction(started_at=when, ended_at=None, utterances=utterances))  # type: ignore[no-any-return]


def _sql_and_index(api, customer_id: str, query: str, **window: datetime) -> tuple[dict, dict]:  # type: ignore[no-untyped-def, type-arg]
    with api.runtime.pool.connection() as conn:
        sql = units.lexical_search(conn, tenant_id=api.tenant_id, customer_id=customer_id, query=query, limit=10_000,
                                   **window)  # fmt: skip
        lexemes = units.query_lexemes(conn, query)
    hits = api.runtime.index.lexical_search(tenant_id=api.tenant_id, customer_id=customer_id, lexemes=lexemes,
                                            limit=10_000, **window)  # fmt: skip
    return {str(r["id"]): float(r["score"]) for r in sql}, {h.unit_id: h.score for h in hits}


def _settle(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"index did not catch up: {what}")
        time.sleep(0.05)


def _indexed(api, customer_id: str) -> set[str]:  # type: ignore[no-untyped-def]
    index = api.runtime.index
    return {u for t in ("observation", "segment", "summary")
            for u in index.customer_ids(tenant_id=api.tenant_id, customer_id=customer_id, unit_type=t)}  # fmt: skip


def _postgres_units(api, customer_id: str) -> set[str]:  # type: ignore[no-untyped-def]
    with api.runtime.pool.connection() as conn:
        rows = conn.execute("SELECT id FROM observations WHERE customer_id = %s AND status = 'active' "
                            "UNION ALL SELECT id FROM episodes WHERE customer_id = %s",
                            (customer_id, customer_id)).fetchall()  # fmt: skip
    return {str(r["id"]) for r in rows}


def _lexical(api, customer_id: str, text: str) -> set[str]:  # type: ignore[no-untyped-def]
    with api.runtime.pool.connection() as conn:
        lexemes = units.query_lexemes(conn, text)
    hits = api.runtime.index.lexical_search(tenant_id=api.tenant_id, customer_id=customer_id, lexemes=lexemes,
                                            limit=1000)  # fmt: skip
    return {h.unit_id for h in hits}


def test_in_process_bm25_equals_the_sql_on_real_conversations(api) -> None:
    sessions, questions = _locomo_sessions(3)
    statuses = [_ingest_session(api, turns, day=n + 1) for n, turns in enumerate(sessions)]
    customer_id = statuses[0]["customer_id"]
    _settle(lambda: _indexed(api, customer_id) == _postgres_units(api, customer_id), "all units")
    compared = 0
    for question in [*questions, "painting sunrise kids", "e-mail don't won't"]:
        for window in ({}, {"since": datetime(2026, 2, 1, tzinfo=UTC), "until": datetime(2026, 2, 28, tzinfo=UTC)}):
            sql, index = _sql_and_index(api, customer_id, question, **window)
            assert index.keys() == sql.keys(), question
            assert index == pytest.approx(sql, rel=1e-9), question
            compared += len(sql)
    assert compared > 100  # the queries really match units


def test_the_lexical_index_follows_the_change_feed(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api()
    first = _say(api, "2026-10-01T10:00:00Z", "My scooter battery dies after ten minutes.")
    customer_id = first["customer_id"]
    _settle(lambda: bool(_lexical(api, customer_id, "scooter")), "add")
    # Supersede: a corrected email; the old observation leaves the lexical index, the new one enters.
    _say(api, "2026-10-02T10:00:00Z", "My email is ana.ruiz@exmaple.com.")
    [wrong] = [o for o in _observations(api, status="active") if o["attributes"].get("trait") == "email"]
    fixed = api.client.patch(f"/v1/customers/{PHONE_REF}/observations/{wrong['id']}",
                             json={"value": "ana.ruiz@example.com"}, headers=api.headers).json()  # fmt: skip
    _settle(lambda: fixed["id"] in _lexical(api, customer_id, "email")
            and wrong["id"] not in _lexical(api, customer_id, "email"), "supersede")  # fmt: skip
    # Forget an interaction: its units leave.
    assert api.delete(f"/v1/interactions/{first['interaction_id']}").status_code == 204
    _settle(lambda: not _lexical(api, customer_id, "scooter battery"), "forget interaction")
    # Merge: the survivor's entry holds the merged customer's units.
    other = _say(api, "2026-10-03T10:00:00Z", "I have a dog named Max who loves the beach.",
                 customer={"identifiers": [{"type": "email", "value": "max.owner@example.com"}]})  # fmt: skip
    _settle(lambda: bool(_lexical(api, other["customer_id"], "beach")), "other customer")
    _say(api, "2026-10-04T10:00:00Z", "Please text me rather than call.", customer={"identifiers": [
        {"type": "phone", "value": "+15551234567"}, {"type": "email", "value": "max.owner@example.com"}]})  # fmt: skip
    _settle(lambda: bool(_lexical(api, customer_id, "beach")) and not _lexical(api, other["customer_id"], "beach"),
            "merge")  # fmt: skip
    # Erase the customer: the entry goes.
    assert api.delete(f"/v1/customers/{customer_id}").status_code == 204
    _settle(lambda: not _lexical(api, customer_id, "beach email text"), "erase customer")


def test_what_the_index_still_holds_but_postgres_removed_never_comes_back(api) -> None:
    status = _say(api, "2026-10-01T10:00:00Z", "My scooter battery dies after ten minutes.",
                  "I really like green tea with jasmine.", "My email is ana.ruiz@example.com.")  # fmt: skip
    customer_id = status["customer_id"]
    _settle(lambda: _indexed(api, customer_id) == _postgres_units(api, customer_id), "all units")
    held = _indexed(api, customer_id)
    # Behind the change feed's back, so the index keeps every unit: a deleted segment, a
    # superseded and a retracted observation.
    with api.runtime.pool.connection() as conn:
        conn.execute("DELETE FROM episodes WHERE customer_id = %s AND text LIKE %s", (customer_id, "%scooter%"))
        conn.execute("UPDATE observations SET status = 'superseded' WHERE customer_id = %s AND text ILIKE %s",
                     (customer_id, "%tea%"))  # fmt: skip
        conn.execute("UPDATE observations SET status = 'retracted' WHERE customer_id = %s AND text ILIKE %s",
                     (customer_id, "%email%"))  # fmt: skip
    removed = held - _postgres_units(api, customer_id)
    assert removed and removed <= _indexed(api, customer_id)
    assert removed & _lexical(api, customer_id, "scooter battery green tea jasmine email")
    for query in ("scooter battery", "green tea jasmine", "what is the email address", "scooter tea email"):
        for options in ({}, {"top_k": 1}, {"types": ["observation"]}, {"token_budget": 15}):
            answer = api.recall(customer_id, query, include_profile=False, min_score=-1, **options)
            assert answer.status_code == 200, answer.text
            assert not {i["id"] for i in answer.json()["items"]} & removed, (query, options)
        pgvector = PgVectorIndex(api.runtime.pool, api.runtime.index.dim)
        assert not set(_direct(api, customer_id, query, pgvector)) & removed


def _direct(api, customer_id: str, query: str, index) -> list[str]:  # type: ignore[no-untyped-def]
    from memory_service.recall.service import recall
    from schemas.recall import RecallRequest

    runtime = api.runtime
    request = RecallRequest(query=query, top_k=10, include_profile=False)
    with runtime.pool.connection() as conn:
        answer = recall(conn, index=index, query_vector=runtime.embedder.embed_query(query), tenant_id=api.tenant_id,
                        customer_id=customer_id, request=request, policy=runtime.recall_policy)  # fmt: skip
    return [i.id for i in answer.items]


def test_pgvector_backend_and_in_process_index_answer_alike(api) -> None:
    sessions, questions = _locomo_sessions(2)
    statuses = [_ingest_session(api, turns, day=n + 1) for n, turns in enumerate(sessions)]
    customer_id = statuses[0]["customer_id"]
    _settle(lambda: _indexed(api, customer_id) == _postgres_units(api, customer_id), "all units")
    pgvector = PgVectorIndex(api.runtime.pool, api.runtime.index.dim)
    agree = 0
    for question in questions[:10]:
        ours, theirs = _direct(api, customer_id, question, api.runtime.index), _direct(api, customer_id, question,
                                                                                        pgvector)  # fmt: skip
        assert ours and theirs
        agree += ours[0] == theirs[0]  # fp16 vs exact vectors may swap near-ties further down
        assert len(set(ours) & set(theirs)) >= 0.7 * max(len(ours), len(theirs)), question
    assert agree >= 8


def test_a_kept_answer_is_served_again_only_while_every_unit_in_it_is_live(api) -> None:
    status = _say(api, "2026-10-01T10:00:00Z", "My scooter battery dies after ten minutes.",
                  "I really like green tea with jasmine.")  # fmt: skip
    customer_id = status["customer_id"]
    _settle(lambda: _indexed(api, customer_id) == _postgres_units(api, customer_id), "all units")
    cache = api.runtime.recall_cache
    assert cache.enabled
    slots, taken = api.runtime.recall_slots, []

    class Counting:  # the runtime's bound on recalls computed at once, counted
        def __enter__(self) -> None:
            taken.append(1)
            slots.acquire()

        def __exit__(self, *exc: object) -> None:
            slots.release()

    api.runtime.recall_slots = Counting()
    try:
        first = api.recall(customer_id, "scooter battery", include_profile=False).json()
        hits = cache.hits
        again = api.recall(customer_id, "scooter battery", include_profile=True).json()
    finally:
        api.runtime.recall_slots = slots
    assert cache.hits == hits + 1  # the same request, memory unchanged: the kept answer
    assert len(taken) == 1  # computed once, in a slot; the kept answer is served without one
    assert again["items"] == first["items"] and again["profile"] is not None and first["profile"] is None
    assert any("scooter" in i["text"] for i in first["items"])
    # Behind the change feed's back (the index, and so the key, are unchanged): the kept answer
    # names a unit Postgres no longer has, so it is not served; the fresh answer leaves it out.
    with api.runtime.pool.connection() as conn:
        conn.execute("DELETE FROM episodes WHERE customer_id = %s AND text LIKE %s", (customer_id, "%scooter%"))
    gone = _indexed(api, customer_id) - _postgres_units(api, customer_id)
    assert gone
    after = api.recall(customer_id, "scooter battery", include_profile=False).json()
    assert not {i["id"] for i in after["items"]} & gone
    # New memory reloads the customer's entry: a new key, so the new unit can be found at once.
    _say(api, "2026-10-02T10:00:00Z", "The new scooter battery charger arrived broken.")
    _settle(lambda: _indexed(api, customer_id) == _postgres_units(api, customer_id), "new unit")
    fresh = api.recall(customer_id, "scooter battery", include_profile=False).json()
    assert any("charger" in i["text"] for i in fresh["items"])


_TOKENS = (
    "When did Caroline go to the LGBTQ support group ? painting sunrise kids running 2023 2023. 5. 3pm 10am "
    "(Melanie) end... U.S. e-mail don't won't .net -5 +44 A.B x@y.com Caroline's #1 100% $20 3.5 co-op "
    "naïve café Zürich 'quoted' \"said\" well-known http://a.b/c 1st 2nd mid-2023 O'Brien it's the a of and go.. "
    "what..? 007 v2 x. .5 (.net)"
).split() + ["no\u00a0break", "x" * 70]


def _whole_text(conn: Any, text: str) -> list[str]:
    rows = conn.execute("SELECT tsvector_to_array(to_tsvector('english', %s)) AS x", (text,)).fetchall()
    return sorted(rows[0]["x"])


def test_query_lexemes_word_by_word_equal_postgres_on_the_whole_text(runtime) -> None:  # type: ignore[no-untyped-def]
    """A query of plain words takes its lexemes word by word from the cache; any text at all gets
    exactly what to_tsvector gives for the whole of it."""
    import random

    rng = random.Random(11)
    texts = [" ".join(rng.choice(_TOKENS) for _ in range(rng.randint(1, 12))) for _ in range(400)]
    plain_tokens = [t for t in _TOKENS if units.plain_words(t) is not None]  # edge punctuation included
    texts += [" ".join(rng.choice(plain_tokens) for _ in range(rng.randint(1, 12))) for _ in range(200)]
    if LOCOMO.exists():
        texts += [q["question"] for c in json.loads(LOCOMO.read_text()) for q in c["qa"]][:600]
    cache = units._LexemeCache()
    with runtime.pool.connection() as conn:
        for text in texts:
            assert cache.get(conn, text) == _whole_text(conn, text), text
        plain = [t for t in texts if units.plain_words(t) is not None]
        assert len(plain) > 100  # the word-by-word path really ran
        before = cache.round_trips
        for text in plain:  # every word is known now: no round trip at all
            assert cache.get(conn, text) == _whole_text(conn, text), text
        assert cache.round_trips == before
    assert units.plain_words("Where's the e-mail?") is None and units.plain_words("What did (Mel) do?") is not None
    assert units.plain_words("go.. now") is None and units.plain_words("so... now") == ["so", "now"]
