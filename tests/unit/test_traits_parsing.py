"""Identity traits however they are said: phones in and out of North America, spoken emails and
digits, street addresses as answers and bare turns, names after weak cues and in lower case,
corrections, and details that belong to someone else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from memory_service.config import Settings
from memory_service.extraction import RuleBasedExtractor
from memory_service.extraction.addresses import find_addresses
from memory_service.extraction.patterns import normalize_identifier
from memory_service.extraction.phones import normalize_phone, region_for
from memory_service.extraction.spoken import written
from schemas.interactions import InteractionIn


def _traits(nlp, *turns: tuple[str, str], region: str = "US") -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    interaction = InteractionIn.model_validate({
        "external_id": "x", "customer": {"identifiers": [{"type": "phone", "value": "+15551234567"}]},
        "channel": "voice", "started_at": datetime(2026, 11, 20, 14, tzinfo=UTC).isoformat(),
        "utterances": [{"id": f"u{i}", "role": role, "text": text} for i, (role, text) in enumerate(turns)],
    })  # fmt: skip
    result = RuleBasedExtractor(nlp, phone_region=region).extract(interaction)
    return [(o.trait_key or "", o.value or "") for o in result.observations if o.kind == "trait"]


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [("+44 (0)7700 900123", "US", "+447700900123"), ("07700 900123", "GB", "+447700900123"),
     ("0044 7700 900123", "US", "+447700900123"), ("030 12345678", "DE", "+493012345678"),
     ("+49 (0)30 12345678", "US", "+493012345678"), ("98765 43210", "IN", "+919876543210"),
     ("+91 98765-43210", "US", "+919876543210"), ("(555) 123-4567", "US", "+15551234567"),
     ("555 1234", "US", None), ("12345", "US", None)],
)  # fmt: skip
def test_phones_are_e164_in_the_default_region(raw: str, region: str, expected: str | None) -> None:
    assert normalize_phone(raw, region=region) == expected


def test_identifiers_at_the_api_take_a_calling_code_or_a_region() -> None:
    assert normalize_identifier("phone", "07700 900123", default_country_code="44") == "+447700900123"
    assert normalize_identifier("whatsapp", "07700 900123", region="GB") == "+447700900123"
    assert normalize_identifier("sms", "not a number") == "not a number"
    assert region_for("44") == "GB" and region_for("+49") == "DE" and region_for("in") == "IN"


def test_the_phone_region_setting_and_the_older_country_code_agree() -> None:
    assert (Settings().default_phone_region, Settings().default_phone_country_code) == ("US", "1")
    by_code = Settings(default_phone_country_code="44")
    assert (by_code.default_phone_region, by_code.default_phone_country_code) == ("GB", "44")
    by_region = Settings(default_phone_region="in")
    assert (by_region.default_phone_region, by_region.default_phone_country_code) == ("IN", "91")


@pytest.mark.parametrize(
    ("said", "expected"),
    [("my email is j dot smith at gmail dot com", "my email is j.smith@gmail.com"),
     ("it's j o h n underscore doe at yahoo dot co dot uk", "it's john_doe@yahoo.co.uk"),
     ("ana dash ruiz at example dot org", "ana-ruiz@example.org"),
     ("nikhil underscore quinlan eight at post dot example dot org", "nikhil_quinlan8@post.example.org"),
     ("you can email me at b dot ruiz at example dot net", "you can email me at b.ruiz@example.net"),
     ("no it's s dot abernathy at example dot org", "no it's s.abernathy@example.org"),
     ("lindqvist dot o one nine six four at example dot net", "lindqvist.o1964@example.net"),
     ("the new one one is 109 elm road", "the new one one is 109 elm road"),
     ("five five five one two three four five six seven", "5551234567"),
     ("nine one seven double five triple seven oh one", "9175577701"),
     ("the new one is twelve elm street", "the new one is 12 elm street"),
     ("one hundred twenty three main street", "123 main street"),
     ("I have two kids and one dog", "I have two kids and one dog"),
     ("oh, my order at amazon dot com", "oh, my order at amazon dot com"),
     ("Columbus, OH 43215", "Columbus, OH 43215")],
)  # fmt: skip
def test_spoken_forms_are_written(said: str, expected: str) -> None:
    assert written(said) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Sure, 12 Elm Street, Boise, ID 83702.", "12 Elm Street, Boise, ID 83702"),
     ("The new one is 45 Queen Street West, Toronto, ON M5H 2N2.", "45 Queen Street West, Toronto, ON M5H 2N2"),
     ("Flat 2, 10 Downing Street, London SW1A 2AA", "Flat 2, 10 Downing Street, London SW1A 2AA"),
     ("sure 12 elm st apt 4b boise id 83702 thanks", "12 elm st apt 4b boise id 83702"),
     ("ship to 1600 Pennsylvania Ave NW, Washington, DC 20500", "1600 Pennsylvania Ave NW, Washington, DC 20500"),
     ("it's 45 oak avenue, portland, or 97201", "45 oak avenue, portland, or 97201")],
)  # fmt: skip
def test_addresses_are_found_with_their_town_and_postcode(text: str, expected: str) -> None:
    assert [a.value for a in find_addresses(text)] == [expected]


def test_an_abbreviated_street_type_at_a_line_end_does_not_end_the_address() -> None:
    letter = "Please send everything to:\n73 Juniper Hollow Rd.\nHalifax, NS B3J 5Y0\nCanada"
    assert [a.value for a in find_addresses(letter)] == ["73 Juniper Hollow Rd. Halifax, NS B3J 5Y0"]


def test_an_address_and_its_correction_are_two_addresses() -> None:
    said = "it's 52 Wexford Gr Leeds LS6 4PL. sorry, i meant 51 Wexford Gr Leeds LS6 4PL"
    assert [a.value for a in find_addresses(said)] == ["52 Wexford Gr Leeds LS6 4PL", "51 Wexford Gr Leeds LS6 4PL"]


def test_a_number_of_hours_is_no_address() -> None:
    assert find_addresses("I waited 2 hours on the street") == []


@pytest.mark.model
def test_addresses_as_answers_bare_turns_and_new_ones(spacy_nlp) -> None:
    assert _traits(spacy_nlp, ("agent", "What's the shipping address?"), ("customer", "Sure, 12 Elm Street, Boise.")) \
        == [("address", "12 Elm Street, Boise")]  # fmt: skip
    assert _traits(spacy_nlp, ("customer", "12 Elm Street, Boise, ID 83702 is where I live now")) == [
        ("address", "12 Elm Street, Boise, ID 83702")
    ]
    moved = _traits(spacy_nlp, ("customer", "i moved last week. the new one is 45 oak avenue, portland, or 97201"))
    assert moved == [("address", "45 oak avenue, portland, or 97201")]
    both = _traits(spacy_nlp, ("customer", "I moved from 12 Elm St, Boise, ID 83702 to 34 Oak Ave, Austin, TX 78701"))
    assert both == [("address", "34 Oak Ave, Austin, TX 78701")]


@pytest.mark.model
def test_spoken_emails_and_phones_in_asr_transcripts(spacy_nlp) -> None:
    said = _traits(
        spacy_nlp, ("agent", "can I get an email for the receipt?"),
        ("customer", "yeah it's j o h n underscore doe at yahoo dot com"),
        ("agent", "and a good callback number?"), ("customer", "uh nine one seven five five five oh one nine nine"),
    )  # fmt: skip
    assert said == [("email", "john_doe@yahoo.com"), ("phone", "+19175550199")]
    assert _traits(spacy_nlp, ("customer", "my mobile is 07700 900123"), region="GB") == [("phone", "+447700900123")]


@pytest.mark.model
@pytest.mark.parametrize(
    ("turns", "expected"),
    [((("customer", "this is ana ruiz calling about my order"),), "Ana Ruiz"),
     ((("customer", "Ana Ruiz speaking."),), "Ana Ruiz"),
     ((("customer", "it's Mary-Jane O'Brien"),), "Mary-Jane O'Brien"),
     ((("agent", "Can I have your name please?"), ("customer", "sure, it's dr. ana ruiz")), "Ana Ruiz"),
     ((("agent", "Who am I speaking with?"), ("customer", "ana ruiz")), "Ana Ruiz")],
)  # fmt: skip
def test_names_after_weak_cues_and_as_answers(spacy_nlp, turns, expected) -> None:  # type: ignore[no-untyped-def]
    assert _traits(spacy_nlp, *turns) == [("name", expected)]


@pytest.mark.model
def test_what_reads_like_a_name_cue_but_is_not_one(spacy_nlp) -> None:
    assert _traits(spacy_nlp, ("customer", "this is ridiculous, it's broken")) == []
    assert _traits(spacy_nlp, ("customer", "Is this Sarah?")) == []
    assert _traits(spacy_nlp, ("customer", "I'm calling about my bill, it's Monday already")) == []


@pytest.mark.model
def test_someone_elses_details_are_not_the_customers(spacy_nlp) -> None:
    assert _traits(spacy_nlp, ("customer", "my wife's email is kate at gmail dot com")) == []
    assert _traits(spacy_nlp, ("customer", "the store's number is 555 987 6543")) == []
    assert _traits(spacy_nlp, ("customer", "you can reach her at 555 987 6543")) == []
    assert _traits(spacy_nlp, ("customer", "My son's name is Tom Baker.")) == []
    assert _traits(spacy_nlp, ("customer", "I bought it at your shop at 48 Elm Cres, Edinburgh EH9 9WP.")) == []
    assert _traits(spacy_nlp, ("customer", "My husband and I moved to 12 Elm Street, Boise, ID 83702.")) == [
        ("address", "12 Elm Street, Boise, ID 83702")
    ]


@pytest.mark.model
def test_a_correction_replaces_the_value_within_the_interaction(spacy_nlp) -> None:
    assert _traits(spacy_nlp, ("customer", "my email is a@b.com"), ("customer", "sorry, I meant ana@b.com")) == [
        ("email", "ana@b.com")
    ]
    phones = _traits(
        spacy_nlp, ("customer", "my number is 555 123 4567"), ("agent", "Got it."),
        ("customer", "actually make that 555 123 9999"),
    )  # fmt: skip
    assert phones == [("phone", "+15551239999")]
    assert _traits(spacy_nlp, ("customer", "my old email was old@x.com, the new one is new@x.com")) == [
        ("email", "new@x.com")
    ]
    assert _traits(spacy_nlp, ("customer", "no, it's not a@b.com, it's c@b.com")) == [("email", "c@b.com")]


def test_a_flat_number_said_before_the_house_number_stays_apart() -> None:
    assert written("flat one, forty pilgrim street") == "flat 1 40 pilgrim street"
    assert written("plus four four seven seven double oh nine double oh one two three") == "+447700900123"


@pytest.mark.model
def test_names_in_sign_offs_and_after_a_title_and_surname(spacy_nlp) -> None:
    asked = ("agent", "And who do I have on the line?")
    assert _traits(spacy_nlp, asked, ("customer", "It's Dr Okafor. Esperanza Okafor.")) == [
        ("name", "Esperanza Okafor")
    ]
    assert _traits(spacy_nlp, asked, ("customer", "uh it's mrs van der berg keisha van der berg")) == [
        ("name", "Keisha Van Der Berg")
    ]
    signed = "Hello,\n\nMy order is late.\n\nKind regards,\nChloé Whitfield"
    assert _traits(spacy_nlp, ("customer", signed)) == [("name", "Chloé Whitfield")]
    assert _traits(spacy_nlp, ("customer", "Hello,\n\nThanks,\nLiam")) == []  # a first name would replace the full one
    # A message that is only the sign-off, lower case as typed on a phone; a company is no signer.
    assert _traits(spacy_nlp, ("customer", "thanks, callum castellanos")) == [("name", "Callum Castellanos")]
    assert _traits(spacy_nlp, ("customer", "thanks, have a good day")) == []
    assert _traits(spacy_nlp, ("customer", "Thanks, Lumen Energy")) == []
    # A name change with a multi-word surname; an introduction the small model reads as a place.
    changed = "i've changed my name please update it from aoife van der berg to aoife kowalski"
    assert _traits(spacy_nlp, ("customer", changed)) == [("name", "Aoife Kowalski")]
    assert _traits(spacy_nlp, ("customer", "I'm Beatriz Mbeki, I think I spoke to someone")) == [
        ("name", "Beatriz Mbeki")
    ]
    assert _traits(spacy_nlp, ("customer", "Hi, I'm Tom Baker here")) == [("name", "Tom Baker")]
