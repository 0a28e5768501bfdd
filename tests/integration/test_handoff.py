"""The new user's story from the README: a live chat is opened, appended to, handed off, then
ended; the brief names the order number and email the customer gave two weeks earlier by email,
with sources, and the agent page shows the same brief. Plus 409 after the end, idempotent
appends and scope refusals."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from memory_service.tokens import count_tokens
from tests.integration.conftest import Api

pytestmark = pytest.mark.integration
PHONE = "+15557654321"
REF = quote(f"phone:{PHONE}", safe="")
CUSTOMER = {"identifiers": [{"type": "phone", "value": PHONE}], "name": "Ana Ruiz"}


def _at(days_ago: float, minute: int = 0) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago) + timedelta(minutes=minute)).isoformat()


def earlier_email() -> dict[str, Any]:
    """Two weeks ago, by email: the order number and the email address."""
    return {
        "external_id": f"email-{uuid.uuid4().hex[:8]}", "customer": CUSTOMER, "channel": "email",
        "started_at": _at(14), "ended_at": _at(14, 5),
        "utterances": [
            {"id": "m1", "role": "customer", "text": "My order number is 88123 and it arrived damaged. "
                                                     "You can reach me at ana.ruiz@example.com.", "at": _at(14)},
            {"id": "m2", "role": "agent", "text": "Sorry about that, we will look into it.", "at": _at(14, 4)},
        ],
    }  # fmt: skip


def open_chat(api: Api, external_id: str) -> Any:
    body = {"status": "live", "external_id": external_id, "customer": CUSTOMER, "channel": "chat",
            "started_at": CHAT_STARTED}  # fmt: skip
    return api.post("/v1/interactions", json=body)


CHAT_STARTED = _at(0, -5)
CHAT = [
    {"id": "c1", "role": "customer", "text": "Hi, the replacement for my damaged order still hasn't arrived "
                                             "and I'm really frustrated."},
    {"id": "c2", "role": "agent", "agent_kind": "ai", "text": "I'm sorry to hear that. Let me check."},
    {"id": "c3", "role": "customer", "text": "This is ridiculous. I want to talk to a person."},
]  # fmt: skip


def test_a_live_chat_is_opened_appended_handed_off_and_ended(api: Api) -> None:
    earlier = api.ingest(earlier_email())
    api.wait_indexed(earlier["customer_id"])
    opened = open_chat(api, "chat-live-1")
    assert opened.status_code == 202 and opened.json()["status"] == "live", opened.text
    chat_id = opened.json()["interaction_id"]
    assert opened.json()["customer_id"] == earlier["customer_id"]
    again = open_chat(api, "chat-live-1")  # re-opened by external id: the same interaction
    assert again.status_code == 200 and again.json() == opened.json()
    appended = api.post(f"/v1/interactions/{chat_id}/utterances", json={"utterances": CHAT[:2]})
    assert appended.status_code == 200 and appended.json() == {"interaction_id": chat_id, "utterance_count": 2}
    appended = api.post(f"/v1/interactions/{chat_id}/utterances", json={"utterances": CHAT[1:]})  # c2 again
    assert appended.json()["utterance_count"] == 3
    assert api.get(f"/v1/interactions/{chat_id}").json()["status"] == "live"

    started = time.perf_counter()
    response = api.post(f"/v1/customers/{REF}/handoff", json={
        "interaction_id": chat_id, "reason": "customer asked for a person", "trigger": "customer_request",
        "token_budget": 800})  # fmt: skip
    took = time.perf_counter() - started
    assert response.status_code == 200, response.text
    brief = response.json()
    print(f"handoff brief in {took * 1000:.0f} ms, {brief['token_count']} tokens")
    provided = {(f["trait"], f["value"]): f for f in brief["already_provided"]}
    order, email = provided[("order_number", "88123")], provided[("email", "ana.ruiz@example.com")]
    for fact in (order, email):  # given two weeks earlier, on another channel, with the exact utterance
        assert fact["source"]["interaction_id"] == earlier["interaction_id"]
        assert fact["source"]["utterance_ids"] == ["m1"]
        assert fact["channel"] == "email" and fact["observed_at"][:10] == _at(14)[:10]
    text = brief["text"]
    assert "88123" in text and "ana.ruiz@example.com" in text and "customer asked for a person" in text
    assert brief["token_count"] == count_tokens(text) <= 800
    assert brief["identity"]["name"] == "Ana Ruiz" and brief["identity"]["channels"] == ["chat", "email"]
    assert "replacement" in (brief["detected_issue"] or "")
    assert brief["sentiment"]["now"] == "negative"
    assert brief["relevant"] and any("88123" in item["text"] for item in brief["relevant"])
    assert brief["recent_interactions"][0]["interaction_id"] == earlier["interaction_id"]
    assert brief["conversation_summary"] and brief["links"]["page"].startswith("/ui/customers/")
    started = time.perf_counter()
    again = api.post(f"/v1/customers/{REF}/handoff", json={
        "interaction_id": chat_id, "reason": "customer asked for a person", "trigger": "customer_request",
        "token_budget": 800}).json()  # fmt: skip
    print(f"handoff brief again in {(time.perf_counter() - started) * 1000:.0f} ms")
    same = {k: v for k, v in again.items() if k not in ("links", "text", "token_count")}
    assert same == {k: v for k, v in brief.items() if k not in ("links", "text", "token_count")}  # deterministic
    assert again["text"].split("## Full history")[0] == text.split("## Full history")[0]  # links carry a new token

    # The same brief on the agent page, opened with the link the brief carries (no API key).
    page = api.client.get(brief["links"]["page"] + "&reason=customer%20asked%20for%20a%20person")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for shown in ("Ana Ruiz", "88123", "ana.ruiz@example.com", "customer asked for a person", "live"):
        assert shown in page.text, shown
    assert "Authorization" not in page.text

    ended = api.post(f"/v1/interactions/{chat_id}/end", json={"ended_at": None})
    assert ended.status_code == 202 and ended.json()["status"] == "queued", ended.text
    assert api.wait_done(chat_id)["status"] == "done"
    late = api.post(f"/v1/interactions/{chat_id}/utterances", json={"utterances": [{"role": "customer", "text": "x"}]})
    assert late.status_code == 409 and late.json()["detail"][0]["type"] == "conflict"
    assert api.post(f"/v1/interactions/{chat_id}/end", json={}).status_code == 200  # ended already: its status


def test_appends_are_idempotent_by_id_and_positional_ids(api: Api) -> None:
    chat_id = open_chat(api, "chat-idem").json()["interaction_id"]
    first = api.post(f"/v1/interactions/{chat_id}/utterances", json={"utterances": CHAT})
    assert first.json()["utterance_count"] == 3
    for _ in range(2):  # a retried append changes nothing
        assert api.post(f"/v1/interactions/{chat_id}/utterances", json={"utterances": CHAT}).json()[
            "utterance_count"] == 3  # fmt: skip
    changed = api.post(f"/v1/interactions/{chat_id}/utterances",
                       json={"utterances": [{**CHAT[0], "text": "Something else."}]})  # fmt: skip
    assert changed.status_code == 409
    unnamed = api.post(f"/v1/interactions/{chat_id}/utterances", json={"utterances": [
        {"role": "customer", "text": "Are you there?"}, {"role": "agent", "text": "Yes."}]})  # fmt: skip
    assert unnamed.json()["utterance_count"] == 5
    with api.runtime.pool.connection() as conn:
        payload = conn.execute("SELECT payload FROM interactions WHERE id = %s", (chat_id,)).fetchone()["payload"]
    assert [u["id"] for u in payload["utterances"]] == ["c1", "c2", "c3", "3", "4"]
    assert api.post("/v1/interactions/not-an-id/utterances", json={"utterances": CHAT}).status_code == 404
    ended = api.post(f"/v1/interactions/{chat_id}/end", json={"ended_at": _at(0)})
    assert ended.status_code == 202
    assert api.wait_done(chat_id)["status"] == "done"


def test_inline_handoff_context_and_scopes(api: Api) -> None:
    from memory_service.tenants.service import create_api_key

    api.ingest(earlier_email())
    with api.runtime.pool.connection() as conn:
        read = {"Authorization": f"Bearer {create_api_key(conn, tenant_name=api.tenant, scopes=['read'])}"}
        ingest = {"Authorization": f"Bearer {create_api_key(conn, tenant_name=api.tenant, scopes=['ingest'])}"}
    chat = open_chat(api, "chat-scopes").json()["interaction_id"]
    refused = [
        (read, "POST", "/v1/interactions", {"json": {"status": "live", "external_id": "x", "customer": CUSTOMER,
                                                     "channel": "chat", "started_at": _at(0)}}, "ingest"),
        (read, "POST", f"/v1/interactions/{chat}/utterances", {"json": {"utterances": CHAT}}, "ingest"),
        (read, "POST", f"/v1/interactions/{chat}/end", {"json": {}}, "ingest"),
        (ingest, "POST", f"/v1/customers/{REF}/handoff", {"json": {"utterances": CHAT, "reason": "r"}}, "read"),
        (ingest, "GET", f"/v1/customers/{REF}/context", {}, "read"),
        (ingest, "POST", f"/v1/customers/{REF}/page-link", {"json": {}}, "read"),
        (ingest, "GET", f"/ui/customers/{REF}", {}, "read"),
    ]  # fmt: skip
    for headers, method, path, kwargs, scope in refused:
        answer = api.client.request(method, path, headers=headers, **kwargs)
        assert answer.status_code == 403 and f"'{scope}'" in answer.json()["detail"][0]["msg"], (path, answer.text)
    assert api.get(f"/v1/interactions/{chat}").json()["status"] == "live"  # nothing was appended or ended
    inline = api.client.post(f"/v1/customers/{REF}/handoff", headers=read,
                             json={"utterances": CHAT, "reason": "sentiment", "trigger": "sentiment",
                                   "token_budget": 60})  # fmt: skip
    assert inline.status_code == 200, inline.text
    assert inline.json()["token_count"] == count_tokens(inline.json()["text"]) <= 60
    context = api.client.get(f"/v1/customers/{REF}/context", headers=read,
                             params={"query": "damaged order", "token_budget": 120})  # fmt: skip
    assert context.status_code == 200 and "88123" in context.json()["text"]
    assert context.json()["token_count"] == count_tokens(context.json()["text"]) <= 120
    assert api.client.get(f"/ui/customers/{REF}").status_code == 401  # neither key nor link
    assert api.client.get(f"/ui/customers/{REF}", params={"token": "msk_x.1.abc"}).status_code == 401
    link = api.client.post(f"/v1/customers/{REF}/page-link", headers=read, json={"interaction_id": chat}).json()
    customer_id = link["url"].split("/ui/customers/")[1].split("?")[0]
    other = api.client.get(link["url"].replace(customer_id, str(uuid.uuid4())))
    assert other.status_code == 401  # a link opens its own customer only
    assert api.client.get(link["url"]).status_code == 200


def test_the_context_block_is_never_over_budget_over_http(api: Api) -> None:
    import random

    api.ingest(earlier_email())
    rng = random.Random(11)
    for budget in [1, 2, 5, *(rng.randint(1, 400) for _ in range(60))]:
        body = api.get(f"/v1/customers/{REF}/context", params={"query": "damaged order", "token_budget": budget}).json()
        assert body["token_count"] == count_tokens(body["text"]) <= budget, (budget, body["text"])


def test_the_cli_prints_tables_and_json(api: Api, monkeypatch: Any) -> None:
    import json

    from tests.integration.test_client import _run_cli

    api.ingest(earlier_email())
    chat_id = open_chat(api, "chat-cli").json()["interaction_id"]
    api.post(f"/v1/interactions/{chat_id}/utterances", json={"utterances": CHAT})
    ref = f"phone:{PHONE}"
    shown = _run_cli(api, monkeypatch, ["profile", "show", ref])
    assert shown.exit_code == 0 and "Ana Ruiz" in shown.output and "order_number" in shown.output, shown.output
    assert "Traits" in shown.output and "─" in shown.output  # a Rich table, not JSON
    as_json = json.loads(_run_cli(api, monkeypatch, ["profile", "show", ref, "--json"]).output)
    assert as_json["name"] == "Ana Ruiz"
    listed = _run_cli(api, monkeypatch, ["profile", "observations", ref, "--kind", "trait"])
    assert listed.exit_code == 0 and "88123" in listed.output and "email-" in listed.output
    api.wait_indexed(as_json["customer_id"])
    recalled = _run_cli(api, monkeypatch, ["recall", ref, "damaged order"])
    assert recalled.exit_code == 0 and "88123" in recalled.output and "score" in recalled.output
    assert json.loads(_run_cli(api, monkeypatch, ["recall", ref, "damaged order", "--json"]).output)["items"]
    brief = _run_cli(api, monkeypatch, ["handoff", ref, "--interaction", chat_id, "--reason", "asked for a person"])
    assert brief.exit_code == 0 and "Handoff: Ana Ruiz" in brief.output and "already provided" in brief.output
    assert "ana.ruiz@example.com" in brief.output, brief.output
    as_json = json.loads(_run_cli(api, monkeypatch, ["handoff", ref, "--interaction", chat_id, "--json"]).output)
    assert as_json["already_provided"] and as_json["token_count"] <= 800
