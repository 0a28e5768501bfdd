"""The test-data generators' own invariants (scripts/datagen): valid check digits, exact spans,
enough distinct phrasings, consistent gold, determinism per seed, distinct dev and held-out.

Held-out data is only compared as a whole here, never inspected item by item.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from datagen import injections, secrets, traits  # noqa: E402
from datagen.phrasings import PHRASINGS  # noqa: E402
from datagen.spoken import spoken_digits, spoken_email  # noqa: E402
from eval_traits import norm_address, same  # noqa: E402

from schemas.interactions import InteractionIn  # noqa: E402

_WORD = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
         "seven": "7", "eight": "8", "nine": "9"}  # fmt: skip


def luhn_ok(number: str) -> bool:
    """An implementation of Luhn written apart from the generator's."""
    digits = [int(c) for c in number]
    odd = digits[-1::-2]
    even = [sum(divmod(2 * d, 10)) for d in digits[-2::-2]]
    return (sum(odd) + sum(even)) % 10 == 0


def iban_ok(value: str) -> bool:
    moved = value[4:] + value[:4]
    remainder = 0
    for ch in moved:  # piecewise mod 97, as ISO 7064 describes it
        for digit in str(int(ch, 36)):
            remainder = (remainder * 10 + int(digit)) % 97
    return remainder == 1


def heard_digits(text: str) -> str:
    """Digits a listener writes down from spoken words ("double five" -> 55) and printed digits."""
    out, repeat = [], 1
    for word in re.findall(r"[a-z]+|\d", text.lower()):
        if word in ("double", "triple"):
            repeat = 2 if word == "double" else 3
        elif word in _WORD or word.isdigit():
            out.append(_WORD.get(word, word) * repeat)
            repeat = 1
    return "".join(out)


def heard_alnum(text: str) -> str:
    """An IBAN written down from its spoken letters and digits, or from its printed groups."""
    out = []
    for word in re.findall(r"[a-z]+|\d+", text.lower()):
        out.append(_WORD.get(word, word.upper()))
    return "".join(out)


@pytest.fixture(scope="module")
def dev_secrets() -> tuple[list[secrets.SecretText], list[secrets.NegativeText]]:
    return secrets.generate(secrets.DEV_SEED)


def test_every_trait_has_at_least_15_distinct_phrasings_across_all_styles() -> None:
    for trait, phrasings in PHRASINGS.items():
        assert len({p.id for p in phrasings}) == len(phrasings)
        assert len({p.steps for p in phrasings}) >= 15, trait
        for style in "vcse":
            assert any(style in p.styles for p in phrasings), (trait, style)


def test_spoken_forms_say_the_same_digits_and_emails() -> None:
    import random

    rng = random.Random(0)
    for number in ("5550134", "07700 900123", "4111 1111 1111 1111", "1000"):
        assert heard_digits(spoken_digits(number, rng)) == re.sub(r"\D", "", number)
    said = spoken_email("j.smith_42@example.com", rng)
    assert said.startswith("j dot smith underscore") and said.endswith("at example dot com")


def test_trait_cases_are_valid_interactions_with_consistent_gold() -> None:
    cases = traits.generate(traits.DEV_SEED, 60)
    keys = set()
    for case in cases:
        assert len(case.interactions) == 4
        for interaction in case.interactions:
            InteractionIn.model_validate(interaction)
            assert interaction["external_id"] not in keys
            keys.add(interaction["external_id"])
        gold = case.current
        assert re.fullmatch(r"\+[1-9]\d{7,14}", gold["phone"]) and gold["email"] == gold["email"].lower()
        assert gold["email"].split("@")[1].endswith(("example.com", "example.org", "example.net"))
        for trait in traits.TRAITS:
            assert gold[trait] not in case.superseded.get(trait, []) + case.distractors.get(trait, [])
        assert case.superseded["address"] and case.superseded["email"]  # a move and a new email each
        last = case.interactions[-1]["customer"]["identifiers"]
        assert {i["type"] for i in last} == {"email", "phone"} and gold["email"] in {i["value"] for i in last}


def test_trait_phones_parse_to_their_gold_e164() -> None:
    phonenumbers = pytest.importorskip("phonenumbers")
    for case in traits.generate(traits.DEV_SEED, 60):
        parsed = phonenumbers.parse(case.current["phone"], None)
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        assert e164 == case.current["phone"]
        for interaction in case.interactions:
            for ident in interaction["customer"]["identifiers"]:
                if ident["type"] == "phone":
                    number = phonenumbers.parse(ident["value"], case.region)
                    assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == e164


def test_generators_are_deterministic_and_dev_differs_from_held_out() -> None:
    assert traits.generate(traits.DEV_SEED, 10) == traits.generate(traits.DEV_SEED, 10)
    assert traits.generate(traits.DEV_SEED, 10) != traits.generate(traits.HELD_OUT_SEED, 10)
    assert secrets.generate(secrets.DEV_SEED) == secrets.generate(secrets.DEV_SEED)
    dev_texts = {s.text for s in secrets.generate(secrets.DEV_SEED)[0]}
    assert not dev_texts & {s.text for s in secrets.generate(secrets.HELD_OUT_SEED)[0]}
    assert injections.generate(injections.DEV_SEED) == injections.generate(injections.DEV_SEED)
    dev_inj = {t.text for t in injections.generate(injections.DEV_SEED)[0]}
    assert dev_inj != {t.text for t in injections.generate(injections.HELD_OUT_SEED)[0]}
    assert len({traits.DEV_SEED, traits.HELD_OUT_SEED, secrets.DEV_SEED, secrets.HELD_OUT_SEED}) == 4


def test_secret_counts_and_spans(dev_secrets: tuple[list[secrets.SecretText], list[secrets.NegativeText]]) -> None:
    positives, negatives = dev_secrets
    assert len(positives) >= 200 and len(negatives) >= 200
    assert {"written", "spoken"} == {p.form for p in positives}
    for item in positives:
        assert item.spans, item.id
        for span in item.spans:
            said = item.text[span.start : span.end]
            if span.kind == "iban":
                assert heard_alnum(said) == span.value, (said, span)
            elif span.value.isdigit():
                assert heard_digits(said) == span.value, (said, span)
            else:
                assert said.lower() == span.value.lower()


def test_cards_are_luhn_valid_and_ibans_and_routing_numbers_check(
    dev_secrets: tuple[list[secrets.SecretText], list[secrets.NegativeText]],
) -> None:
    spans = [s for p in dev_secrets[0] for s in p.spans]
    cards = [s.value for s in spans if s.kind == "card"]
    assert len(cards) >= 60 and all(13 <= len(c) <= 19 and luhn_ok(c) for c in cards)
    assert {len(c) for c in cards} >= {13, 15, 16, 19}
    assert all(iban_ok(s.value) for s in spans if s.kind == "iban")
    routing = [s.value for s in spans if s.kind == "routing_number"]
    weights = [3, 7, 1] * 3
    assert routing and all(sum(int(d) * w for d, w in zip(r, weights, strict=True)) % 10 == 0 for r in routing)
    assert all(not re.fullmatch(r"(000|666|9\d\d)\d{6}", s.value) for s in spans if s.kind == "ssn")


def test_negatives_hold_no_card_number(
    dev_secrets: tuple[list[secrets.SecretText], list[secrets.NegativeText]],
) -> None:
    kinds = {n.kind for n in dev_secrets[1]}
    assert {"order_number", "tracking_number", "phone", "date", "amount", "zip", "time"} <= kinds
    for item in dev_secrets[1]:
        for chunk in re.findall(r"\d[\d \-]*\d", item.text):
            digits = re.sub(r"\D", "", chunk)
            assert not (13 <= len(digits) <= 19 and luhn_ok(digits)), item.id


def test_issue_call_holds_every_secret_and_the_injection() -> None:
    interaction, gold = secrets.issue_call(secrets.DEV_SEED)
    InteractionIn.model_validate(interaction)
    texts = {u["id"]: u["text"] for u in interaction["utterances"]}
    for uid, found in gold["secrets"].items():
        for _, value in found:
            assert heard_digits(texts[uid]) == value
    assert luhn_ok(gold["secrets"]["u4"][0][1]) and gold["secrets"]["u4"][0][1].startswith("4")
    assert "ignore previous instructions" in texts[gold["injection_utterance"]]


def test_injection_set_sizes_and_kinds() -> None:
    found, benign = injections.generate(injections.DEV_SEED)
    assert len(found) >= 150 and len(benign) >= 150
    assert all(t.injection for t in found) and not any(t.injection for t in benign)
    assert len({t.text for t in found + benign}) == len(found) + len(benign)
    assert {"ignore_instructions", "role_play", "system_line", "tool_call", "jailbreak", "hidden_in_complaint"} <= {
        t.kind for t in found
    }
    assert {"refund", "ignore_previous", "relay", "system_words"} <= {t.kind for t in benign}


def test_address_comparison_forgives_formatting_only() -> None:
    gold = "12 Elm Street, Apt 4B, Boise, ID 83702"
    assert same("address", "12 elm st apt. 4b boise idaho 83702", gold)
    assert same("address", "12 Elm St., #4B, Boise, Idaho 83702, USA", gold)
    assert not same("address", "14 Elm Street, Apt 4B, Boise, ID 83702", gold)
    assert not same("address", "12 Elm Street, Boise, ID 83702", gold)
    assert norm_address("Flat 3, 27 Rosebery Gdns, London N4 2AB") == norm_address(
        "flat 3 27 rosebery gardens london n4 2ab"
    )
    assert same("name", "Dr. Aoife O'Brien-Kelly", "aoife obrien kelly")
    assert not same("phone", "07700 900123", "+447700900123")
