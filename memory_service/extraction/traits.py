"""Identity traits of the customer: typed, normalised values with the sentence that says them.

Values come from explicit cues ("my email is ...", "order #88123") and from short answers
to what the agent just asked for ("May I have your username?" -> "aphoenix939").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from memory_service.extraction import patterns as p
from memory_service.extraction.base import TRAIT_SENTENCES

PLAN_RE = re.compile(
    r"\b(?:(?:i'?m|i am|i have|i've got|i'm on|i am on|on)\s+(?:a|an|the)\s+)?"
    r"(basic|standard|premium|pro|plus|family|business|unlimited|gold|silver|bronze|platinum|guest)\s+"
    r"(plan|membership|member|tier|account|package|subscription)\b",
    re.IGNORECASE,
)
MEMBERSHIP_ANSWER_RE = re.compile(r"\b(gold|silver|bronze|platinum|guest|basic|standard|premium)\b", re.IGNORECASE)
ASKS = {
    "name": re.compile(r"\b(?:your (?:full |first and last )?name|who am i speaking|who i'?m speaking)\b", re.I),
    "username": re.compile(r"\b(?:user ?name|account id|login)\b", re.I),
    "email": re.compile(r"\be-?mail\b", re.I),
    "phone": re.compile(r"\b(?:phone|mobile|cell|number to reach|contact number)\b", re.I),
    "order_number": re.compile(r"\border (?:id|number|#)\b", re.I),
    "account_number": re.compile(r"\baccount (?:number|#)\b", re.I),
    "membership": re.compile(r"\bmembership|member level|tier\b", re.I),
}
BARE_NAME_RE = re.compile(r"^\s*([A-Za-z][a-z'\-]+(?:\s+[A-Za-z][a-z'\-]+){0,2})\s*[.!]?\s*$")
BARE_TOKEN_RE = re.compile(r"^\s*([A-Za-z0-9_.\-]{3,40})\s*[.!]?\s*$")
BARE_DIGITS_RE = re.compile(r"^\s*#?\s*([A-Z0-9\-]{5,20})\s*[.!]?\s*$", re.I)
OTHERS_NAME_RE = re.compile(r"(?:\b(?:his|her|their|its|your|our)|\w['\u2019]s)\s*$", re.IGNORECASE)
NOT_NAMES = frozenset({"yes", "no", "sure", "okay", "ok", "thanks", "thank you", "hello", "hi", "great", "fine"})


@dataclass(frozen=True)
class TraitValue:
    key: str
    value: str
    confidence: float = 0.9

    @property
    def sentence(self) -> str:
        return TRAIT_SENTENCES[self.key].format(self.value)


def asked_for(agent_text: str | None) -> set[str]:
    """What the agent's last turn asked the customer to give."""
    if not agent_text:
        return set()
    return {key for key, pattern in ASKS.items() if pattern.search(agent_text)}


def explicit_traits(text: str, doc: Doc, *, country_code: str) -> list[TraitValue]:
    out = [TraitValue("email", p.normalize_email(e)) for e in p.EMAIL_RE.findall(text)]
    for raw in p.PHONE_RE.findall(text):
        phone = p.normalize_phone(raw, default_country_code=country_code)
        if phone and not _inside_id(text, raw):
            out.append(TraitValue("phone", phone))
    out += [TraitValue("order_number", order) for order in p.find_ids(p.ORDER_RE, text)]
    out += [TraitValue("account_number", account) for account in p.find_ids(p.ACCOUNT_RE, text)]
    out += [TraitValue("username", u) for u in p.USERNAME_RE.findall(text) if u.lower() not in p.NOT_IDS]
    persons = {ent.text for ent in doc.ents if ent.label_ == "PERSON"}
    for match in p.NAME_RE.finditer(text):
        if OTHERS_NAME_RE.search(text[: match.start()]):
            continue  # 'Her name is Elsa', 'My dog's name is Ben': someone else's name
        name, strong_cue = match.group(1), match.group(0).lower().startswith(("my name", "name is"))
        if strong_cue or any(name in person or person in name for person in persons):
            out.append(TraitValue("name", name, 0.85))
    for address in p.ADDRESS_RE.findall(text):
        out.append(TraitValue("address", " ".join(address.split()).rstrip(" ,")))
    for match in PLAN_RE.finditer(text):
        key = "membership" if match.group(2).lower() in ("membership", "member", "tier") else "plan"
        out.append(TraitValue(key, match.group(1).lower(), 0.8))
    return out


def _inside_id(text: str, raw: str) -> bool:
    """A digit run that an order/account cue names is that id, not a phone number."""
    ids = p.find_ids(p.ORDER_RE, text) + p.find_ids(p.ACCOUNT_RE, text)
    digits = re.sub(r"\D", "", raw)
    return any(digits and digits == re.sub(r"\D", "", i) for i in ids)


def answered_traits(text: str, asked: set[str], *, country_code: str) -> list[TraitValue]:
    """A short reply to the agent's request: a bare name, username, id or number."""
    if not asked or len(text.split()) > 6:
        return []
    out: list[TraitValue] = []
    digits = BARE_DIGITS_RE.match(text)
    looks_like_username = digits is not None and "username" in asked and any(c.isalpha() for c in digits.group(1))
    if digits and any(ch.isdigit() for ch in digits.group(1)) and not looks_like_username:
        value = digits.group(1)
        phone = p.normalize_phone(value, default_country_code=country_code)
        if "phone" in asked and phone and not ({"order_number", "account_number"} & asked and len(asked) == 1):
            out.append(TraitValue("phone", phone, 0.85))
        elif "order_number" in asked:
            out.append(TraitValue("order_number", value.upper(), 0.8))
        elif "account_number" in asked:
            out.append(TraitValue("account_number", value.upper(), 0.8))
        elif phone and "phone" in asked:
            out.append(TraitValue("phone", phone, 0.85))
    if out or p.EMAIL_RE.search(text) or p.PHONE_RE.search(text):
        return out
    return _answered_words(text, asked)


def _answered_words(text: str, asked: set[str]) -> list[TraitValue]:
    name = BARE_NAME_RE.match(text)
    words = name.group(1).lower().split() if name else []
    if "name" in asked and len(words) >= 2 and not any(w in STOP_WORDS or w in NOT_NAMES for w in words):
        assert name is not None
        return [TraitValue("name", name.group(1).title(), 0.8)]
    token = BARE_TOKEN_RE.match(text)
    if "username" in asked and token and any(ch.isdigit() for ch in token.group(1)):
        return [TraitValue("username", token.group(1), 0.8)]
    membership = MEMBERSHIP_ANSWER_RE.search(text)
    if "membership" in asked and membership:
        return [TraitValue("membership", membership.group(1).lower(), 0.8)]
    return []
