"""Identity traits of the customer: typed, normalised values with the sentence that says them.

A customer turn is first rewritten from spoken to written forms ("j dot smith at gmail dot
com", "five five five ..."), then emails, phones (libphonenumber) and street addresses
(pyap/usaddress) are found wherever they are, and kept when they are the customer's own and
current (owner.py). Names need a cue or the agent's question (names.py). Short answers to
what the agent just asked for count too ("May I have your username?" -> "aphoenix939").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from memory_service.extraction import addresses, names, owner, spoken
from memory_service.extraction import patterns as p
from memory_service.extraction.base import TRAIT_SENTENCES
from memory_service.extraction.phones import find_phones

PLAN_RE = re.compile(
    r"\b(?:(?:i'?m|i am|i have|i've got|i'm on|i am on|on)\s+(?:a|an|the)\s+)?"
    r"(basic|standard|premium|pro|plus|family|business|unlimited|gold|silver|bronze|platinum|guest)\s+"
    r"(plan|membership|member|tier|account|package|subscription)\b",
    re.IGNORECASE,
)
MEMBERSHIP_ANSWER_RE = re.compile(r"\b(gold|silver|bronze|platinum|guest|basic|standard|premium)\b", re.IGNORECASE)
ASKS = {
    "name": re.compile(r"\b(?:your (?:full |first and last |first |last )?name|who am i speaking|who i'?m speaking|"
                       r"who(?:'s| is) (?:calling|this)|may i ask who|spell your (?:first |last )?name|"
                       r"(?:put|book|file) (?:this|it|that|the \w+) under|under what name|what name|"
                       r"name (?:on|for) the|who do i have|on the line|who am i talking|who are you)\b", re.I),
    "username": re.compile(r"\b(?:user ?name|account id|login)\b", re.I),
    "email": re.compile(r"\be-?mail\b", re.I),
    "phone": re.compile(r"\b(?:phone|mobile|cell|number to reach|contact number|callback number|"
                        r"best number|number (?:we|i) can|reach you)\b", re.I),
    "address": re.compile(r"\b(?:address|where (?:should|can|do|shall) (?:we|i) (?:ship|send|deliver|post)|"
                          r"ship (?:it|this|them) to|deliver (?:it|this|them) to|post ?code|zip ?code)\b", re.I),
    "order_number": re.compile(r"\border (?:id|number|#)\b", re.I),
    "account_number": re.compile(r"\baccount (?:number|#)\b", re.I),
    "membership": re.compile(r"\bmembership|member level|tier\b", re.I),
}  # fmt: skip
IDENTITY_KEYS = ("name", "email", "phone", "address")
ADDRESS_CUE_RE = re.compile(
    r"\b(?:address|live at|living at|live in|moved to|moving to|move to|ship (?:it |them |this )?to|"
    r"send (?:it |them |this )?to|deliver (?:it |them |this )?to|new one is|new one's|(?:it|that)(?:'s| is)|"
    r"located at|postcode|zip|to)\b(?:\s+(?:is|was|will be|is now|now is|now|should be))?[\s,:-]*(?:um+|uh+)?[\s,:-]*$",
    re.IGNORECASE,
)
TURN_START_RE = re.compile(
    r"^\W*(?:(?:sure|yes|yeah|yep|ok(?:ay)?|um+|uh+|er|right|so|no|actually|sorry|of course|certainly|"
    r"it'?s|it is|that'?s|that is|the new one is|i mean|i meant|make that)\W+)*$",
    re.IGNORECASE,
)
# A digit run these name is an id, not a phone number.
ID_CUE_RE = re.compile(
    r"\b(?:order|account|tracking|reference|ref|confirmation|case|ticket|invoice|card|policy|member(?:ship)?|"
    r"serial|booking|claim|routing|customer|transaction|receipt|id)\b(?:\s+(?:number|no\.?|id|#))?[\s:#]*(?:is|was)?[\s:#]*$",
    re.IGNORECASE,
)
BARE_TOKEN_RE = re.compile(r"^\s*([A-Za-z0-9_.\-]{3,40})\s*[.!]?\s*$")
BARE_DIGITS_RE = re.compile(r"^\s*#?\s*([A-Z0-9\-]{5,20})\s*[.!]?\s*$", re.I)
SHORT_ANSWER_WORDS = 14

PersonCheck = Callable[[str, int, int, bool], bool]


@dataclass(frozen=True)
class TraitValue:
    key: str
    value: str
    confidence: float = 0.9
    answered: bool = False

    @property
    def sentence(self) -> str:
        return TRAIT_SENTENCES[self.key].format(self.value)


@dataclass(frozen=True)
class _Found:
    key: str
    value: str
    start: int
    end: int


def asked_for(agent_text: str | None) -> set[str]:
    """What the agent's last turn asked the customer to give."""
    if not agent_text:
        return set()
    return {key for key, pattern in ASKS.items() if pattern.search(agent_text)}


def customer_traits(text: str, asked: set[str], *, region: str, is_person: PersonCheck) -> list[TraitValue]:
    """The traits one customer turn gives, in the order said; `answered` marks a short reply to
    the agent's request."""
    written = spoken.written(text, email_context="email" in asked)
    ids = p.find_ids(p.ORDER_RE, written) + p.find_ids(p.ACCOUNT_RE, written)
    short = len(written.split()) <= SHORT_ANSWER_WORDS
    values = [
        TraitValue(f.key, f.value, 0.9, answered=short and f.key in asked)
        for f in _own_values(written, asked, ids, region=region)
    ]
    name_list = names.find_names(written, is_person=is_person, asked="name" in asked)
    if "name" in asked and short:
        # Each sentence may be the bare answer: 'It's Dr Okafor. Esperanza Okafor.'
        answers = [names.answered_name(part, is_person=is_person) for part in re.split(r"(?<=[.!?])\s+", written)]
        name_list = names.fullest([*name_list, *(a for a in answers if a)])
        values += [TraitValue("name", n, 0.8, answered=True) for n in name_list]
    else:
        values += [TraitValue("name", n, 0.85) for n in names.fullest(name_list)]
    if not values and asked and short:
        values = _answered_ids(written, asked)
    return values + _account_traits(written, ids)


def _own_values(text: str, asked: set[str], ids: list[str], *, region: str) -> list[_Found]:
    """Emails, phones and addresses that are the customer's own and current, in order."""
    found = [_Found("email", p.normalize_email(m.group(0)), m.start(), m.end()) for m in p.EMAIL_RE.finditer(text)]
    for address in addresses.find_addresses(text):
        if address.complete or "address" in asked or _address_cue(text, address.start):
            found.append(_Found("address", address.value, address.start, address.end))
    taken = [(f.start, f.end) for f in found]
    id_digits = {re.sub(r"\D", "", i) for i in ids}
    # A bare number given when the agent asked for an order or account id is that id.
    ids_asked = bool({"order_number", "account_number", "username"} & asked) and "phone" not in asked
    for phone in find_phones(text, region=region):
        inside = any(s < phone.end and phone.start < e for s, e in taken)
        named_id = ID_CUE_RE.search(owner.clause_before(text, phone.start)) is not None
        if not (inside or named_id or ids_asked) and re.sub(r"\D", "", phone.raw) not in id_digits:
            found.append(_Found("phone", phone.value, phone.start, phone.end))
    found.sort(key=lambda f: f.start)
    kept, floor = [], 0
    for f in found:
        if owner.is_customers(text, f.start, f.end, floor):
            kept.append(f)
        floor = f.end
    return kept


def _address_cue(text: str, start: int) -> bool:
    before = text[:start]
    return bool(ADDRESS_CUE_RE.search(before) or TURN_START_RE.match(before))


def _answered_ids(text: str, asked: set[str]) -> list[TraitValue]:
    """A bare username, order or account id, or membership level given as the reply."""
    digits = BARE_DIGITS_RE.match(text)
    if digits and any(ch.isdigit() for ch in digits.group(1)):
        value = digits.group(1)
        looks_like_username = "username" in asked and any(c.isalpha() for c in value)
        if "order_number" in asked and not looks_like_username:
            return [TraitValue("order_number", value.upper(), 0.8, answered=True)]
        if "account_number" in asked and not looks_like_username:
            return [TraitValue("account_number", value.upper(), 0.8, answered=True)]
    token = BARE_TOKEN_RE.match(text)
    if "username" in asked and token and any(ch.isdigit() for ch in token.group(1)):
        return [TraitValue("username", token.group(1), 0.8, answered=True)]
    membership = MEMBERSHIP_ANSWER_RE.search(text)
    if "membership" in asked and membership:
        return [TraitValue("membership", membership.group(1).lower(), 0.8, answered=True)]
    return []


def _account_traits(text: str, ids: list[str]) -> list[TraitValue]:
    out = [TraitValue("order_number", order) for order in p.find_ids(p.ORDER_RE, text)]
    out += [TraitValue("account_number", account) for account in p.find_ids(p.ACCOUNT_RE, text)]
    out += [TraitValue("username", u) for u in p.USERNAME_RE.findall(text) if u.lower() not in p.NOT_IDS]
    for match in PLAN_RE.finditer(text):
        key = "membership" if match.group(2).lower() in ("membership", "member", "tier") else "plan"
        out.append(TraitValue(key, match.group(1).lower(), 0.8))
    return out


def latest_identity(values: list[tuple[str, str]]) -> set[int]:
    """Indexes of (key, value) pairs to drop: within one interaction the customer's last value
    of a single-valued identity trait is the current one ('no, it's ...', 'actually make that
    ...'); earlier ones were corrected, not a second current value."""
    last: dict[str, str] = {}
    for key, value in values:
        if key in IDENTITY_KEYS:
            last[key] = value.lower()
    return {i for i, (key, value) in enumerate(values) if key in last and value.lower() != last[key]}
