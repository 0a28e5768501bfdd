"""People fix what the service knows: retract or correct one observation, history kept."""

from __future__ import annotations

import json
import time

import pytest

from tests.integration.test_reconciliation import PHONE_REF, _observations, _say

pytestmark = pytest.mark.integration


def _trait(api, trait: str, status: str = "active") -> list[dict]:  # type: ignore[no-untyped-def]
    return [o for o in _observations(api, status=status) if o["attributes"].get("trait") == trait]


def _patch(api, observation_id: str, body: dict, ref: str = PHONE_REF):  # type: ignore[no-untyped-def]
    return api.client.patch(f"/v1/customers/{ref}/observations/{observation_id}", json=body, headers=api.headers)


def _index_settles(api, customer_id: str, *, has: str | None = None, lacks: str | None = None) -> set[str]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 10
    while True:
        ids = set(api.runtime.index.customer_ids(tenant_id=api.tenant_id, customer_id=customer_id))
        if (has is None or has in ids) and (lacks is None or lacks not in ids):
            return ids
        if time.monotonic() > deadline:
            pytest.fail(f"index did not catch up: has={has} lacks={lacks}")
        time.sleep(0.05)


def test_a_misheard_email_is_corrected_and_the_old_value_kept_as_history(api) -> None:
    status = _say(api, "2026-10-01T10:00:00Z", "My email is ana.ruiz@exmaple.com.")
    [wrong] = _trait(api, "email")
    answer = _patch(api, wrong["id"], {"value": " Ana.Ruiz@Example.com ", "reason": "customer spelled it out again"})
    assert answer.status_code == 200, answer.text
    fixed = answer.json()
    assert fixed["attributes"]["value"] == "ana.ruiz@example.com"
    assert fixed["text"] == "The customer's email is ana.ruiz@example.com."
    assert fixed["confidence"] == 1.0
    assert fixed["attributes"]["corrected_from"] == wrong["id"]
    assert fixed["attributes"]["correction_reason"] == "customer spelled it out again"
    assert [s["utterance_ids"] for s in fixed["sources"]] == [s["utterance_ids"] for s in wrong["sources"]]
    retry = _patch(api, wrong["id"], {"value": "ana.ruiz@example.com"})  # a client retry after a timeout
    assert retry.status_code == 200 and retry.json()["id"] == fixed["id"]

    profile = api.get(f"/v1/customers/{PHONE_REF}/profile").json()
    assert profile["traits"]["email"]["value"] == "ana.ruiz@example.com"
    # Identity follows: the misheard address no longer finds her, the right one does.
    assert {"type": "email", "value": "ana.ruiz@example.com"} in profile["identifiers"]
    assert {"type": "email", "value": "ana.ruiz@exmaple.com"} not in profile["identifiers"]
    assert api.get("/v1/customers/email%3Aana.ruiz%40exmaple.com/profile").status_code == 404
    assert api.get("/v1/customers/email%3Aana.ruiz%40example.com/profile").json()["customer_id"] == status[
        "customer_id"]  # fmt: skip
    [old] = _trait(api, "email", status="superseded")
    assert old["id"] == wrong["id"] and old["superseded_by"] == fixed["id"] and old["valid_to"]

    other = _say(api, "2026-10-08T10:00:00Z", "I work night shifts at the hospital.")
    assert api.delete(f"/v1/interactions/{other['interaction_id']}").status_code == 204
    [still] = _trait(api, "email")  # forgetting another interaction recomputes confidences, not a person's
    assert still["id"] == fixed["id"] and still["confidence"] == 1.0

    _index_settles(api, status["customer_id"], has=fixed["id"], lacks=wrong["id"])
    items = api.recall(PHONE_REF, "what is the customer's email address?", include_profile=False).json()["items"]
    texts = [i["text"] for i in items]
    assert "The customer's email is ana.ruiz@example.com." in texts
    assert not any("exmaple" in t for t in texts), texts


def test_retracting_a_wrong_new_address_brings_back_the_one_it_replaced(api) -> None:
    _say(api, "2026-10-01T10:00:00Z", "My address is 12 Oak Street, Springfield.")
    status = _say(api, "2026-11-01T10:00:00Z", "My address is 40 Pine Road, Shelbyville.")
    [new] = _trait(api, "address")
    assert "Pine" in new["text"]
    retracted = api.delete(f"/v1/customers/{PHONE_REF}/observations/{new['id']}?reason=another+caller")
    assert retracted.status_code == 204, retracted.text

    profile = api.get(f"/v1/customers/{PHONE_REF}/profile").json()
    assert "Oak" in profile["traits"]["address"]["value"]
    [gone] = _trait(api, "address", status="retracted")
    assert gone["id"] == new["id"] and gone["attributes"]["retraction_reason"] == "another caller"
    [active] = _trait(api, "address")
    assert "Oak" in active["text"] and active["valid_to"] is None and active["superseded_by"] is None

    _index_settles(api, status["customer_id"], lacks=new["id"])
    items = api.recall(PHONE_REF, "where does the customer live?", include_profile=False).json()["items"]
    assert all(i["id"] != new["id"] for i in items)
    assert any("Oak" in i["text"] for i in items), items


def test_correcting_one_of_two_conflicting_values_settles_the_review(api) -> None:
    # Two plans said plainly in one interaction conflict. (Identity traits do not: there the last
    # value given in an interaction replaces the one before, 'Sorry, my address is ...'.)
    _say(api, "2026-10-01T10:00:00Z", "I'm on the basic plan.", "I'm on the premium plan.")
    flagged = _trait(api, "plan")
    assert len(flagged) == 2 and all(o["needs_review"] for o in flagged)
    premium = next(o for o in flagged if "premium" in o["text"])
    assert _patch(api, premium["id"], {"value": "premium"}).status_code == 200
    [settled] = _trait(api, "plan")
    assert settled["attributes"]["value"] == "premium" and not settled["needs_review"]
    assert {o["superseded_by"] for o in _trait(api, "plan", status="superseded")} == {settled["id"]}


def test_edits_are_refused_with_the_field_named(api, make_api) -> None:
    _say(api, "2026-10-01T10:00:00Z", "I work night shifts at the hospital.", "My email is ana@example.com.")
    fact = next(o for o in _observations(api, status="active") if "night" in o["text"])

    empty = _patch(api, fact["id"], {})
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "text"]
    valued = _patch(api, fact["id"], {"value": "days"})
    assert valued.status_code == 422 and valued.json()["detail"][0]["loc"] == ["body", "value"]
    unknown = _patch(api, fact["id"], {"text": "x", "colour": "red"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "colour"]
    missing = api.delete(f"/v1/customers/{PHONE_REF}/observations/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["detail"][0]["loc"] == ["path", "observation_id"]

    stranger = make_api()  # another tenant cannot touch it, even knowing the id
    assert stranger.delete(f"/v1/customers/{PHONE_REF}/observations/{fact['id']}").status_code == 404

    fixed = _patch(api, fact["id"], {"text": "The customer works night shifts at the city hospital."})
    assert fixed.status_code == 200 and fixed.json()["kind"] == fact["kind"]
    again = _patch(api, fact["id"], {"text": "The customer works days."})
    assert again.status_code == 409 and again.json()["detail"][0]["loc"] == ["path", "observation_id"]
    assert api.delete(f"/v1/customers/{PHONE_REF}/observations/{fixed.json()['id']}").status_code == 204
    assert not any("night" in o["text"] for o in _observations(api, status="active"))


def test_the_cli_lists_corrects_retracts_and_forgets(api, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from memory_service import cli
    from memory_service.cli import customers as cli_customers
    from memory_service.client import MemoryClient
    from tests.integration.app_transport import AppTransport

    def client(*_args):  # type: ignore[no-untyped-def]
        return MemoryClient("http://testserver", api.headers["Authorization"].split()[1],
                            transport=AppTransport(api.client))  # fmt: skip

    monkeypatch.setattr(cli_customers, "_client", client)
    _say(api, "2026-10-01T10:00:00Z", "My email is ana.ruiz@exmaple.com.", "I work night shifts at the hospital.")
    runner = CliRunner()
    listed = runner.invoke(cli.app, ["profile", "observations", "phone:+15551234567", "--kind", "trait", "--json"])
    assert listed.exit_code == 0, listed.output
    item = next(o for o in json.loads(listed.output)["items"] if "exmaple" in o["text"])
    assert item["sources"][0]["external_id"].startswith("call-")  # the source: external id and utterance ids
    email_id = item["id"]
    table = runner.invoke(cli.app, ["profile", "observations", "phone:+15551234567", "--kind", "trait"])
    assert table.exit_code == 0 and email_id in table.output and "call-" in table.output, table.output  # for people
    ref = "phone:+15551234567"
    fixed = runner.invoke(cli.app, ["profile", "correct", ref, email_id, "--value", "ana.ruiz@example.com"])
    assert fixed.exit_code == 0 and '"corrected_from"' in fixed.output, fixed.output
    night = next(o for o in _observations(api, status="active") if "night" in o["text"])
    gone = runner.invoke(cli.app, ["profile", "retract", "phone:+15551234567", night["id"], "--reason", "not hers"])
    assert gone.exit_code == 0, gone.output
    history = runner.invoke(cli.app, ["profile", "observations", "phone:+15551234567", "--status", "all"])
    assert "retracted" in history.output and "superseded" in history.output
    again = runner.invoke(cli.app, ["profile", "retract", "phone:+15551234567", night["id"]])
    assert again.exit_code == 0  # retracting twice is a no-op
    refused = runner.invoke(cli.app, ["profile", "correct", "phone:+15551234567", night["id"], "--text", "x"])
    assert refused.exit_code != 0 and "409" in str(refused.exception)
    forgot = runner.invoke(cli.app, ["profile", "forget", "phone:+15551234567", "--yes"])
    assert forgot.exit_code == 0 and api.get(f"/v1/customers/{PHONE_REF}/profile").status_code == 404


def test_retracting_a_stated_phone_keeps_the_identifier_the_interaction_was_posted_with(api) -> None:
    _say(api, "2026-10-01T10:00:00Z", "My phone number is 555 123 4567.", "My email is ana@example.com.")
    [phone] = _trait(api, "phone")
    [email] = _trait(api, "email")
    assert api.delete(f"/v1/customers/{PHONE_REF}/observations/{phone['id']}").status_code == 204
    assert api.delete(f"/v1/customers/{PHONE_REF}/observations/{email['id']}").status_code == 204
    assert api.delete(f"/v1/customers/{PHONE_REF}/observations/{email['id']}").status_code == 204  # a retry
    identifiers = api.get(f"/v1/customers/{PHONE_REF}/profile").json()["identifiers"]
    assert {"type": "phone", "value": "+15551234567"} in identifiers  # posted with the interaction
    assert {"type": "email", "value": "ana@example.com"} not in identifiers  # only the conversation said it


def test_a_trait_is_corrected_by_its_value_not_its_text(api) -> None:
    _say(api, "2026-10-01T10:00:00Z", "My email is ana@example.com.")
    [email] = _trait(api, "email")
    answer = _patch(api, email["id"], {"text": "The customer's email is other@example.com."})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "value"]


def test_a_merge_keeps_a_persons_correction(api) -> None:
    email = [{"type": "email", "value": "ana@example.com"}]
    _say(api, "2026-09-01T10:00:00Z", "I work night shifts at the city hospital.",
         customer={"identifiers": email})  # fmt: skip
    _say(api, "2026-10-01T10:00:00Z", "I work night shifts at the hospital.")
    fact = next(o for o in _observations(api, status="active") if "night" in o["text"])
    fixed = _patch(api, fact["id"], {"text": "The customer works night shifts at the city hospital."}).json()
    # One caller gives both identifiers: the two customers are one, and the duplicate collapses.
    _say(api, "2026-11-01T10:00:00Z", "Hello.",
         customer={"identifiers": [{"type": "phone", "value": "+15551234567"}, *email]})  # fmt: skip
    [kept] = [o for o in _observations(api, status="active") if "night" in o["text"]]
    assert kept["attributes"]["corrected_from"] == fixed["attributes"]["corrected_from"]
    assert kept["confidence"] == 1.0 and len(kept["sources"]) == 2
