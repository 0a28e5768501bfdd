"""Each reconciliation case with real text, identity merges, and concurrent workers."""

from __future__ import annotations

import threading

import pytest

from tests.integration.helpers import example_interaction

pytestmark = pytest.mark.integration

PHONE_REF = "phone%3A%2B15551234567"


def _say(api, when: str, *texts: str, **overrides):  # type: ignore[no-untyped-def]
    utterances = [{"id": f"{when[5:10]}-{i}", "role": "customer", "text": t} for i, t in enumerate(texts)]
    return api.ingest(example_interaction(started_at=when, ended_at=None, utterances=utterances, **overrides))


def _observations(api, ref: str = PHONE_REF, status: str = "all") -> list[dict]:  # type: ignore[no-untyped-def]
    return api.get(f"/v1/customers/{ref}/observations", params={"status": status, "limit": 500}).json()["items"]


def test_duplicate_is_reinforced_with_one_more_source(api) -> None:
    first = _say(api, "2026-10-01T10:00:00Z", "I work night shifts at the hospital.")
    second = _say(api, "2026-10-08T10:00:00Z", "I work night shifts at the hospital!")
    [obs] = [o for o in _observations(api) if "night" in o["text"]]
    assert obs["status"] == "active"
    assert [s["interaction_id"] for s in obs["sources"]] == [first["interaction_id"], second["interaction_id"]]
    assert obs["confidence"] > 0.6
    assert second["observations_updated"] >= 1


def test_refinement_keeps_the_revision(api) -> None:
    _say(api, "2026-10-01T10:00:00Z", "I have a dog.")
    _say(api, "2026-10-08T10:00:00Z", "I have a dog named Max who is a beagle.")
    dogs = {o["status"]: o for o in _observations(api) if "dog" in o["text"]}
    assert set(dogs) == {"active", "superseded"}
    assert "Max" in dogs["active"]["text"]
    assert dogs["superseded"]["superseded_by"] == dogs["active"]["id"]
    assert dogs["active"]["attributes"]["revises"] == dogs["superseded"]["id"]


def test_unrelated_statements_of_one_kind_do_not_supersede(api) -> None:
    _say(api, "2026-10-01T10:00:00Z", "I really like green tea.")
    _say(api, "2026-10-08T10:00:00Z", "I really like dark chocolate.")
    liked = [o for o in _observations(api) if "like" in o["text"]]
    assert len(liked) == 2 and all(o["status"] == "active" for o in liked)


def test_new_email_supersedes_old_and_an_old_statement_arriving_late_stays_history(api) -> None:
    _say(api, "2026-10-01T10:00:00Z", "My email is old.address@example.com.")
    _say(api, "2026-11-01T10:00:00Z", "My email is new.address@example.com.")
    _say(api, "2026-09-01T10:00:00Z", "My email is ancient@example.com.")  # processed last, said first
    profile = api.get(f"/v1/customers/{PHONE_REF}/profile").json()
    assert profile["traits"]["email"]["value"] == "new.address@example.com"
    emails = {o["attributes"]["value"]: o for o in _observations(api) if o["attributes"].get("trait") == "email"}
    assert emails["old.address@example.com"]["status"] == "superseded"
    assert emails["ancient@example.com"]["status"] == "superseded"
    assert emails["new.address@example.com"]["status"] == "active"
    assert emails["old.address@example.com"]["superseded_by"] == emails["new.address@example.com"]["id"]


def test_two_values_in_one_interaction_are_kept_and_flagged(api) -> None:
    # Plans said plainly; a corrected identity trait ('Sorry, my address is ...') keeps the last value.
    _say(api, "2026-10-01T10:00:00Z", "I'm on the basic plan.", "I'm on the premium plan.")
    plans = [o for o in _observations(api, status="active") if o["attributes"].get("trait") == "plan"]
    assert len(plans) == 2 and all(o["needs_review"] for o in plans)
    assert api.get(f"/v1/customers/{PHONE_REF}/profile").json()["needs_review"] == 2


def test_shared_identifier_merges_two_customers_with_an_audit_record(api) -> None:
    by_phone = _say(api, "2026-10-01T10:00:00Z", "I work night shifts at the hospital.")
    by_email = _say(api, "2026-10-02T10:00:00Z", "I have a dog named Max.",
                    customer={"identifiers": [{"type": "email", "value": "ana@example.com"}]})  # fmt: skip
    assert by_phone["customer_id"] != by_email["customer_id"]
    both = _say(api, "2026-10-03T10:00:00Z", "I prefer texts to calls.", customer={"identifiers": [
        {"type": "phone", "value": "+15551234567"}, {"type": "email", "value": "ana@example.com"}]})  # fmt: skip
    survivor = by_phone["customer_id"]  # the older customer survives
    assert both["customer_id"] == survivor
    old = api.get(f"/v1/customers/{by_email['customer_id']}/profile").json()
    assert old["customer_id"] == survivor  # the merged id keeps resolving
    assert old["merged_from"] == [by_email["customer_id"]]
    assert old["interaction_count"] == 3
    texts = " ".join(o["text"] for o in _observations(api, ref=survivor))
    assert "night" in texts and "Max" in texts and "texts" in texts
    assert api.count("SELECT count(*) AS n FROM customer_merges WHERE tenant_id = %s", api.tenant_id) == 1
    api.wait_indexed(survivor)
    items = api.recall(by_email["customer_id"], "does the customer have pets?", include_profile=False).json()["items"]
    assert items and "Max" in items[0]["text"]


def test_email_spelled_out_in_a_call_links_and_merges(api) -> None:
    chat = _say(api, "2026-10-01T10:00:00Z", "I have a dog named Max.",
                customer={"identifiers": [{"type": "email", "value": "lee@example.com"}]})  # fmt: skip
    call = _say(api, "2026-10-02T10:00:00Z", "Sure, my email is Lee@Example.com.")
    # The caller's phone was a new customer; the email they stated belongs to the chat customer,
    # so the two merge into the older one and the interaction now reports the survivor.
    assert call["customer_id"] == chat["customer_id"]
    profile = api.get("/v1/customers/email%3Alee%40example.com/profile").json()
    assert {"type": "phone", "value": "+15551234567"} in profile["identifiers"]
    assert api.get(f"/v1/customers/{PHONE_REF}/profile").json()["customer_id"] == profile["customer_id"]
    assert profile["interaction_count"] == 2


def test_concurrent_workers_on_one_customer_are_safe(api) -> None:
    """Two interactions of one customer reconciled at the same time, in threads of this process."""
    from memory_service.interactions import flows as interactions
    from schemas.interactions import InteractionIn

    runtime = api.runtime
    ids = []
    for day in ("01", "02"):
        payload = InteractionIn.model_validate(example_interaction(started_at=f"2026-10-{day}T10:00:00Z", utterances=[
            {"id": f"d{day}", "role": "customer", "text": "I work night shifts at the hospital."}]))  # fmt: skip
        with runtime.pool.connection() as conn:
            accepted, _ = interactions.submit_interaction(conn, tenant_id=api.tenant_id, payload=payload)
        _hold_from_reaper(runtime, accepted.interaction_id)
        ids.append(accepted.interaction_id)
    assert not _process_concurrently(runtime, ids)
    [obs] = [o for o in _observations(api) if "night" in o["text"]]
    assert len(obs["sources"]) == 2


def test_forgetting_a_source_lowers_confidence_back(api) -> None:
    first = _say(api, "2026-10-01T10:00:00Z", "I work night shifts at the hospital.")
    [alone] = [o for o in _observations(api) if "night" in o["text"]]
    second = _say(api, "2026-10-08T10:00:00Z", "I work night shifts at the hospital.")
    [reinforced] = [o for o in _observations(api) if "night" in o["text"]]
    assert reinforced["confidence"] > alone["confidence"]
    assert api.delete(f"/v1/interactions/{second['interaction_id']}").status_code == 204
    [after] = [o for o in _observations(api) if "night" in o["text"]]
    assert after["confidence"] == alone["confidence"]
    assert [s["interaction_id"] for s in after["sources"]] == [first["interaction_id"]]


def test_concurrent_workers_merging_the_same_two_customers_do_not_deadlock(api) -> None:
    """Each caller states the other customer's email at the same time: both workers merge the
    same pair. With one lock order (identifiers, customers by id, interaction) neither fails."""
    for round_ in range(4):
        _merge_race(api, round_)


def _merge_race(api, round_: int) -> None:  # type: ignore[no-untyped-def]
    from memory_service.interactions import flows as interactions
    from schemas.interactions import InteractionIn

    phones = [f"+1555000{round_}001", f"+1555000{round_}002"]
    emails = [f"ann{round_}@example.com", f"bo{round_}@example.com"]
    for n, (phone, email) in enumerate(zip(phones, emails, strict=True)):
        identifiers = [{"type": "phone", "value": phone}, {"type": "email", "value": email}]
        _say(api, f"2026-10-0{n + 1}T10:00:00Z", "I need help with my order.", customer={"identifiers": identifiers})
    runtime = api.runtime
    ids = []
    for phone, other_email in zip(phones, reversed(emails), strict=True):
        payload = InteractionIn.model_validate(example_interaction(
            started_at="2026-10-05T10:00:00Z", customer={"identifiers": [{"type": "phone", "value": phone}]},
            utterances=[{"id": "u1", "role": "customer", "text": f"My email is {other_email}."}]))  # fmt: skip
        with runtime.pool.connection() as conn:
            accepted, _ = interactions.submit_interaction(conn, tenant_id=api.tenant_id, payload=payload)
        _hold_from_reaper(runtime, accepted.interaction_id)
        ids.append(accepted.interaction_id)
    barrier = threading.Barrier(len(ids), timeout=60)

    class SlowEmbedder:  # both workers reach their commit transaction together
        def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
            self.inner = inner

        def embed(self, texts):  # type: ignore[no-untyped-def]
            out = self.inner.embed(texts)
            barrier.wait()
            return out

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(self.inner, name)

    assert not _process_concurrently(runtime, ids, embedder=SlowEmbedder(runtime.embedder.embedder))
    statuses = [api.get(f"/v1/interactions/{i}").json() for i in ids]
    assert [s["status"] for s in statuses] == ["done", "done"]
    survivor = api.get(f"/v1/customers/email%3Aann{round_}%40example.com/profile").json()["customer_id"]
    assert api.get(f"/v1/customers/email%3Abo{round_}%40example.com/profile").json()["customer_id"] == survivor
    assert {s["customer_id"] for s in statuses} == {survivor}


def _hold_from_reaper(runtime, interaction_id: str) -> None:  # type: ignore[no-untyped-def]
    """This test processes the interaction itself: the broker marker says a message already waits,
    so the API's reaper (3 s requeue window in tests) does not hand it to the worker first."""
    from memory_service.embedded import redis_client

    queue = runtime.settings.celery_queue
    redis_client(runtime.settings.redis_url).set(f"{queue}:queued:{interaction_id}", "1", ex=300)


def _process_concurrently(runtime, ids: list[str], embedder=None) -> list[BaseException]:  # type: ignore[no-untyped-def]
    """Process the interactions in threads of this process, all at once; returns the errors."""
    from memory_service.extraction import RuleBasedExtractor, load_spacy
    from memory_service.interactions.flows import process_interaction

    extractor = RuleBasedExtractor(load_spacy(runtime.settings.spacy_model))
    errors: list[BaseException] = []

    def run(interaction_id: str) -> None:
        try:
            process_interaction(runtime.pool, interaction_id=interaction_id, extractor=extractor,
                                embedder=embedder or runtime.embedder.embedder)  # fmt: skip
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
