"""Turn a customer's first-person sentence into a standalone sentence about the customer.

"My order 88123 arrived damaged." -> "The customer's order 88123 arrived damaged."
"I prefer email." -> "The customer prefers email."
"""

from __future__ import annotations

from spacy.tokens import Span, Token

_IRREGULAR_3SG = {"am": "is", "'m": "is", "are": "is", "'re": "is", "have": "has", "'ve": "has", "do": "does"}
_POSSESSIVE = {"my": "their", "mine": "theirs", "our": "their", "ours": "theirs"}
_OBJECT = {"me": "them", "myself": "themselves", "us": "them", "ourselves": "themselves"}


def _third_person(verb: str) -> str:
    lower = verb.lower()
    if lower in _IRREGULAR_3SG:
        return _IRREGULAR_3SG[lower]
    if lower.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _subjects(verb: Token) -> list[Token]:
    return [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass", "expl")]


def _clause_subjects(verb: Token) -> list[Token]:
    """The subject of the clause a finite verb or auxiliary belongs to: its own, else (for an
    auxiliary, or a verb joined by 'and' to another) the one of its head."""
    own = _subjects(verb)
    if own or verb.head.i == verb.i:
        return own
    if verb.dep_ in ("aux", "auxpass") or (verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX")):
        return _subjects(verb.head) or (_clause_subjects(verb.head) if verb.head.dep_ == "conj" else [])
    return []


def _subject_is_first_person(token: Token) -> bool:
    """Whether this finite verb agrees with 'I'/'we': the clause's subject is first person, and
    the token is the verb that carries the agreement (the first auxiliary, if there is one)."""
    subjects = _clause_subjects(token)
    if not subjects or not all(s.lower_ in ("i", "we") for s in subjects):
        return False
    if token.dep_ in ("aux", "auxpass"):
        first = _first_aux(token.head)
        return first is not None and first.i == token.i and token.i < token.head.i
    first = _first_aux(token)
    return first is None or first.i > token.i


def _first_aux(verb: Token) -> Token | None:
    return next((c for c in verb.children if c.dep_ in ("aux", "auxpass")), None)


def _rewrite_token(token: Token, first: bool) -> str:
    lower = token.lower_
    if lower in ("i", "we") and token.dep_ in ("nsubj", "nsubjpass", "conj"):
        return "The customer" if first else "the customer"
    if lower in _POSSESSIVE:
        if first:
            return "The customer's"
        return _POSSESSIVE[lower]
    if lower in _OBJECT:
        return _OBJECT[lower]
    if (token.tag_ == "VBP" or lower in ("'m", "am", "'ve", "'re", "are")) and _subject_is_first_person(token):
        return _third_person(token.text)
    if lower == "were" and _subject_is_first_person(token):
        return "was"
    if lower == "'ll":
        return "will"
    if lower == "'d":
        return "would"
    return token.text


def to_standalone(sentence: Span) -> str:
    text = _to_standalone(sentence)
    root = sentence.root
    subjectless = not any(t.dep_ in ("nsubj", "nsubjpass", "expl", "csubj") for t in sentence)
    if subjectless and root.tag_ == "VBG" and all(t.pos_ in ("ADV", "INTJ", "CCONJ", "PUNCT") for t in sentence
                                                  if t.i < root.i):  # fmt: skip
        # 'Training for a marathon.': the speaker's 'I am' was left out.
        text = "The customer is " + text[0].lower() + text[1:]
    return text


def _to_standalone(sentence: Span) -> str:
    parts: list[str] = []
    first_content = True
    for token in sentence:
        if token.is_space:
            continue
        word = _rewrite_token(token, first_content)
        # Contractions rewritten to full words need the space the tokenizer did not have.
        if parts and token.lower_ in ("'m", "'ve", "'re", "'ll", "'d") and word != token.text:
            parts[-1] = parts[-1].rstrip() + " "
        parts.append(word + token.whitespace_)
        if not token.is_punct:
            first_content = False
    text = "".join(parts).strip()
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    if text and text[-1] not in ".!?":
        text += "."
    return text


# Nouns whose possession is no fact about the speaker ("my time", "my opinion", "my head").
_NOT_POSSESSIONS = frozenset(
    "time life way opinion mind thing things favorite favourite own best goal goals day days week year turn idea "
    "head eyes hands hand feet body heart health mood point part side fault guess bad self mouth ass name work "
    "progress fun preference passion specialty go dream stuff attention thoughts feelings god gosh goodness lord "
    "pleasure treat luck "
    # Accounts, contact details and services: the traits say these; 'has an account' says nothing.
    "account order plan number email phone address username password bill internet service subscription "
    "membership package parcel delivery payment refund connection data balance card line".split()
)
# Modifiers after which the speaker need not have the thing ('my favorite restaurant').
_NOT_OWNED = frozenset("favorite favourite least dream ideal".split())
# Modifiers that say nothing about the thing itself ('my own studio' -> 'a studio').
_DROPPED_MODIFIERS = frozenset("own very".split())


def possessions(sentences: list[Span], limit: int = 2) -> list[str]:
    """What the speaker's possessives take for granted: 'My daughter loves Italy' says that the
    customer has a daughter. One short sentence each ('The customer has a daughter.'), in order."""
    found: list[str] = []
    for sentence in sentences:
        for token in sentence:
            noun = token.head
            if token.lower_ != "my" or token.dep_ != "poss" or noun.pos_ != "NOUN":
                continue
            if noun.lower_ in _NOT_POSSESSIONS or noun.i < token.i:
                continue
            modifiers = [c for c in noun.children if c.dep_ in ("compound", "amod") and token.i < c.i < noun.i]
            if any(c.lower_ in _NOT_OWNED for c in modifiers):
                continue
            words = [c.text for c in modifiers if c.lower_ not in _DROPPED_MODIFIERS]
            phrase = " ".join([*words, noun.text])
            article = "" if noun.tag_ in ("NNS", "NNPS") else "an " if phrase[0].lower() in "aeiou" else "a "
            sentence_text = f"The customer has {article}{phrase}."
            if sentence_text not in found:
                found.append(sentence_text)
    return found[:limit]
