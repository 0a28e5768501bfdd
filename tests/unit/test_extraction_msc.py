"""Which chit-chat turns the offline extractor turns into facts about the speaker, and how it
words them: hypotheticals, framing verbs, side remarks to the other party, third-person rewriting."""

from __future__ import annotations

import pytest

from memory_service.extraction import RuleBasedExtractor
from memory_service.extraction.rewrite import to_standalone
from schemas.interactions import InteractionIn

pytestmark = pytest.mark.model


def _facts(spacy_nlp, *texts: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    interaction = InteractionIn.model_validate({
        "external_id": "x", "customer": {"identifiers": [{"type": "crm", "value": "c1"}]},
        "channel": "chat", "started_at": "2026-11-20T14:00:00Z",
        "utterances": [{"id": f"u{i}", "role": "customer", "text": t} for i, t in enumerate(texts)],
    })  # fmt: skip
    result = RuleBasedExtractor(spacy_nlp).extract(interaction)
    return {o.utterance_ids[0]: o.text for o in result.observations if o.kind not in ("sentiment", "trait")}


def test_a_wish_is_kept_and_marked_hypothetical(spacy_nlp) -> None:
    interaction = InteractionIn.model_validate({
        "external_id": "x", "customer": {"identifiers": [{"type": "crm", "value": "c1"}]},
        "channel": "chat", "started_at": "2026-11-20T14:00:00Z",
        "utterances": [{"id": "u0", "role": "customer", "text": "I would like to go to law school eventually!"},
                       {"id": "u1", "role": "customer", "text": "I go to law school."}],
    })  # fmt: skip
    facts = {o.utterance_ids[0]: o for o in RuleBasedExtractor(spacy_nlp).extract(interaction).observations}
    assert facts["u0"].text == "The customer would like to go to law school eventually!"
    assert facts["u0"].attributes.get("hypothetical") is True
    assert "hypothetical" not in facts["u1"].attributes and facts["u1"].confidence > facts["u0"].confidence


def test_a_framing_verb_with_content_of_its_own_is_about_the_speaker(spacy_nlp) -> None:
    facts = _facts(
        spacy_nlp, "I am thinking about traveling across the USA.", "I think he is such a musical genius.",
        "I definitely agree!", "I feel like moving to Santa Barbara.",
    )  # fmt: skip
    assert facts == {
        "u0": "The customer is thinking about traveling across the USA.",
        "u3": "The customer feels like moving to Santa Barbara.",
    }


def test_you_in_a_side_clause_does_not_hide_the_fact(spacy_nlp) -> None:
    facts = _facts(
        spacy_nlp, "I survived Vietnam, like you survived the shipyard.", "I can send you pictures of my cat.",
        "I'm sure you are a great nurse.", "I also want to have kids one day like you do.",
        "I started walking every day, as you suggested.",
    )  # fmt: skip
    assert set(facts) == {"u0", "u3", "u4"}
    assert facts["u0"].startswith("The customer survived Vietnam")


@pytest.mark.parametrize(
    ("first_person", "standalone"),
    [
        ("I don't have kids.", "The customer doesn't have kids."),
        ("I have never heard of the Libby app.", "The customer has never heard of the Libby app."),
        ("We could do it this weekend if you're free.", "The customer could do it this weekend if you're free."),
        ("We were in Paris last year.", "The customer was in Paris last year."),
        ("My wife and I go to church.", "The customer's wife and the customer go to church."),
        ("I haven't heard that term before.", "The customer hasn't heard that term before."),
        ("They say I am crazy.", "They say the customer is crazy."),
    ],
)
def test_first_person_verbs_agree_with_the_customer(spacy_nlp, first_person: str, standalone: str) -> None:
    assert to_standalone(spacy_nlp(first_person)[:]) == standalone


def test_replies_plans_and_passing_states_are_not_facts(spacy_nlp) -> None:
    facts = _facts(
        spacy_nlp, "We can go for tacos afterwards.", "I should check it out.", "I am so relieved!",
        "I heard data entry is easy to get into.", "Sounds delicious, I should try it sometime.",
        "I'm doing pretty good this evening.", "I grow tomatoes and peppers in my garden.",
    )  # fmt: skip
    assert facts == {"u6": "The customer has a garden. The customer grows tomatoes and peppers in their garden."}


def test_a_leading_comment_and_a_trailing_question_are_cut_off(spacy_nlp) -> None:
    facts = _facts(
        spacy_nlp, "That sounds good, I'm taking biology this semester.", "I always wanted to try pottery, is it easy?",
        "Working on my cars, what are your hobbies?", "I love hiking do you?",
    )  # fmt: skip
    assert facts == {
        "u0": "The customer is taking biology this semester.",
        "u1": "The customer always wanted to try pottery.",
        "u2": "The customer has cars. The customer is working on their cars.",
        "u3": "The customer loves hiking.",
    }


def test_liking_an_activity_and_a_left_out_subject_are_facts(spacy_nlp) -> None:
    facts = _facts(spacy_nlp, "I don't like reading though.", "I like to hike.", "Training for a marathon.")
    assert facts == {
        "u0": "The customer doesn't like reading though.",
        "u1": "The customer likes to hike.",
        "u2": "The customer is training for a marathon.",
    }


def test_a_possessive_also_says_what_the_customer_has(spacy_nlp) -> None:
    facts = _facts(
        spacy_nlp, "My daughter loves Italian food.", "My dogs love the snow.", "I spend my time reading.",
        "My new camera arrived broken.",
    )  # fmt: skip
    assert facts["u0"] == "The customer has a daughter. The customer's daughter loves Italian food."
    assert facts["u1"] == "The customer has dogs. The customer's dogs love the snow."
    assert facts["u2"] == "The customer spends their time reading."
    assert facts["u3"] == "The customer's new camera arrived broken."  # an issue: what went wrong comes first


def test_accounts_and_services_are_not_possessions(spacy_nlp) -> None:
    facts = _facts(spacy_nlp, "My internet has been down since yesterday.", "My account was charged twice.")
    assert facts == {
        "u0": "The customer's internet has been down since yesterday.",
        "u1": "The customer's account was charged twice.",
    }


def test_chit_chat_after_i_am_or_that_is_names_nobody(spacy_nlp) -> None:
    def names(*texts: str) -> list[str]:
        interaction = InteractionIn.model_validate({
            "external_id": "x", "customer": {"identifiers": [{"type": "crm", "value": "c1"}]},
            "channel": "chat", "started_at": "2026-11-20T14:00:00Z",
            "utterances": [{"id": f"u{i}", "role": "customer", "text": t} for i, t in enumerate(texts)],
        })  # fmt: skip
        found = RuleBasedExtractor(spacy_nlp).extract(interaction).observations
        return [str(o.attributes["value"]) for o in found if o.trait_key == "name"]

    assert names("Wow, I'm super impressed!", "That's pretty cool that you can watch it.",
                 "I'm definitely taking BIO right now.", "i am making chicken soup this weekend") == []  # fmt: skip
    assert names("this is ana ruiz") == ["Ana Ruiz"]
    assert names("i am priya sharma") == ["Priya Sharma"]
    assert names("hi i'm grace lee from accounting") == ["Grace Lee"]


def test_a_comment_on_what_was_mentioned_is_not_about_the_speaker(spacy_nlp) -> None:
    facts = _facts(spacy_nlp, "It will probably help with my college applications as well!",
                   "That was the best day of my life.", "My dog is my best friend.")  # fmt: skip
    assert set(facts) == {"u2"}
