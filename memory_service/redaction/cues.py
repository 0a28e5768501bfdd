"""Cue words: what a nearby number is said to be.

A number is judged by the nearest cue before it (or just after it: "4821 is my PIN"). A cue for a
non-secret ("order number", "tracking", "phone", "zip") that is nearer than a secret cue keeps the
number as it is, which is how order numbers, phone numbers and ZIP codes survive next to secrets.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from memory_service.redaction.models import SecretKind

NOT_SECRET = "not_secret"  # identifiers: order, tracking, phone, ZIP...
QUANTITY = "quantity"  # amounts, dates, expiry

# Longest phrases first so that "security code" wins over "security" and "zip code" over "code".
_CUE_PHRASES: dict[str, tuple[str, ...]] = {
    SecretKind.CVV: (
        "card verification value", "card verification code", "card verification", "security code",
        "three digit code", "3 digit code", "three-digit code", "3-digit code", "four digit code on the front",
        "code on the back", "number on the back", "digits on the back", "cvv2", "cvv", "cvc", "csc", "cid",
    ),
    SecretKind.PIN: ("personal identification number", "pin number", "pin code", "security pin", "pin"),
    SecretKind.PASSCODE: (
        "verbal password", "voice password", "security word", "secret word", "security phrase", "passphrase",
        "pass phrase", "passcode", "pass code", "password", "passwd", "access code", "one-time code",
        "one time code", "one-time passcode", "verification code", "otp",
    ),
    SecretKind.SSN: (
        "social security number", "social security", "social security no", "ss number", "ss#", "ssn", "social",
    ),
    SecretKind.CARD: (
        "credit card", "debit card", "card number", "card no", "long number", "card", "visa", "mastercard",
        "master card", "amex", "american express", "discover", "cc",
    ),
    SecretKind.ROUTING_NUMBER: ("routing number", "routing", "aba number", "aba", "sort code", "transit number"),
    SecretKind.BANK_ACCOUNT: (
        "bank account number", "account number", "acct number", "account no", "acct no", "account #", "acct",
        "checking account", "savings account", "bank account", "account",
    ),
    NOT_SECRET: (
        "order number", "order no", "order id", "order", "tracking number", "tracking", "confirmation number",
        "confirmation", "reference number", "reference", "ref", "case number", "case", "ticket", "invoice",
        "receipt", "claim", "rma", "phone number", "phone", "cell", "mobile", "telephone", "call me",
        "call", "text me", "fax", "extension", "ext", "zip code", "zip", "postal code", "postcode", "area code",
        "promo code", "discount code", "coupon code", "gift card code", "model number", "model", "serial number",
        "serial", "imei", "meid", "iccid", "device id",
        "sku", "item", "part number", "flight", "reservation", "booking", "member id", "membership",
        "loyalty", "customer id", "customer number", "user id", "username", "apartment", "apt", "suite",
        "street", "unit", "room", "version", "route",
    ),
    # Amounts, dates and expiry: they keep short numbers as they are, but never a checksum-valid card or IBAN
    # ("please refund to NL91 ABNA ...", "charge it to 4111 ... expiry 06/26").
    QUANTITY: (
        "total", "balance", "amount", "charged", "paid", "refund", "price", "return", "january", "february",
        "march", "april", "june", "july", "august", "september", "october", "november", "december", "jan", "feb",
        "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "born", "birthday",
        "date of birth", "dob", "expires", "expiry", "expiration", "exp", "valid thru", "ending in",
        "ending with", "ends in", "ends with", "quantity", "units", "pieces", "items",
    ),
}  # fmt: skip

# Words right after a number that make it a quantity or a time ("45 dollars", "10 pm", "3 years").
_UNIT_AFTER = re.compile(
    r"\s*(?:dollars?|bucks|cents?|euros?|pounds|percent|%|years?|yrs|months?|weeks?|days?|hours?|hrs|"
    r"minutes?|mins?|seconds?|o'clock|am|pm|a\.m\.|p\.m\.|items?|units?|pieces?|pcs|times|lbs?|kg|miles?)"
    r"(?![A-Za-z])",
    re.IGNORECASE,
)

_PHRASE_KIND = {p: kind for kind, phrases in _CUE_PHRASES.items() for p in phrases}
_CUE_RE = re.compile(
    r"(?<![A-Za-z])(" + "|".join(re.escape(p) for p in sorted(_PHRASE_KIND, key=len, reverse=True)) + r")(?![A-Za-z])",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9']+")
# "last four of my social" asks for four digits of an SSN, not a whole one.
_LAST_FOUR = re.compile(r"last\s+(?:four|4)(?:\s+digits)?", re.IGNORECASE)

# Non-secret numbers an agent asks for; a bare answer to such a question is that number, not a card.
_ASKABLE_IDENTIFIERS = frozenset({
    "order number", "order no", "order id", "order", "tracking number", "tracking", "confirmation number",
    "reference number", "case number", "ticket", "invoice", "phone number", "phone", "zip code", "zip",
    "postal code", "member id", "customer id", "customer number", "serial number", "model number", "claim",
    "rma",
})  # fmt: skip

CUE_WINDOW_BEFORE = 8  # words between the cue and the number
_NAMED_AFTER = re.compile(
    r"[\s,\u2013\u2014-]*(?:(?:is|was|that'?s|it'?s|are|as)\s+)?(?:(?:my|the|our|your|a|an)\s+)?(?:\w+\s+)?",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Cue:
    start: int
    end: int
    kind: str


# "social" alone means the SSN ("last four of your social"), but not in "social media" or "social worker".
_NOT_SSN_SOCIAL = re.compile(
    r"\s+(?:media|network|networks|networking|worker|workers|services?|club|life|events?|skills|anxiety|"
    r"distancing|studies|platforms?|apps?|sites?|justice|circle|gathering|science|security\s+office)\b",
    re.IGNORECASE,
)


def find_cues(text: str) -> list[Cue]:
    cues = []
    for m in _CUE_RE.finditer(text):
        phrase = m.group(1).lower()
        if phrase == "social" and _NOT_SSN_SOCIAL.match(text, m.end()):
            continue
        cues.append(Cue(m.start(), m.end(), _PHRASE_KIND[phrase]))
    return cues


def _words_between(text: str, start: int, end: int) -> int:
    return len(_WORD.findall(text[start:end]))


def _crosses_sentence(text: str, start: int, end: int) -> bool:
    """A cue in another sentence does not speak about the number ("My PIN changed. Order 5521 ...")."""
    return bool(re.search(r"[.!?;]\s+[A-Z]|\n", text[start:end]))


# Eight words (or three) never span more than this many characters; checking only cues this close keeps a
# long utterance linear instead of comparing every number with every cue.
_CHARS_BEFORE = 200
_CHARS_AFTER = 80


def nearest_cue(
    text: str, cues: list[Cue], start: int, end: int, fits: set[str], *, after: bool = True
) -> Cue | None:
    """The nearest cue of a kind in `fits` for the number at [start, end): before it, else just after it.

    `cues` are in text order (as find_cues returns them).
    """
    lo = bisect.bisect_left(cues, start - _CHARS_BEFORE, key=lambda c: c.end)
    hi = bisect.bisect_right(cues, end + _CHARS_AFTER, key=lambda c: c.start)
    near = cues[lo:hi]
    for cue in reversed([c for c in near if c.end <= start and c.kind in fits]):
        if _words_between(text, cue.end, start) > CUE_WINDOW_BEFORE or _crosses_sentence(text, cue.end, start):
            break  # a farther cue is farther still
        return cue
    for cue in (c for c in near if after and c.start >= end and c.kind in fits):
        # Only "4821 is my PIN": a cue further on ("6789, and my phone is ...") speaks of the next thing.
        return cue if _NAMED_AFTER.fullmatch(text[end : cue.start]) else None
    return None


_BARE_ACCOUNT = frozenset({"account", "acct"})
# "the name on the account", "the number we have for your account": a detail kept on the account.
_DETAIL_ON_ACCOUNT = re.compile(r"\b(?:on|for|under|with|to|in)\s+(?:the|your|this|my)\s+$", re.IGNORECASE)
# A question naming another detail asks for that detail, the account being where it is kept.
_OTHER_DETAIL = re.compile(r"\b(?:name|address|e-?mail|phone|mobile|post ?code|zip|birth)\b", re.IGNORECASE)


def asked_kinds(context: str | None) -> list[str]:
    """Kinds the previous agent utterance asked for, in the order it named them (NOT_SECRET included)."""
    if not context:
        return []
    kinds: list[str] = []
    for cue in find_cues(context):
        if cue.kind == QUANTITY or (
            cue.kind == NOT_SECRET and context[cue.start : cue.end].lower() not in _ASKABLE_IDENTIFIERS
        ):
            continue  # "sorry about the refund" is not a question about a number
        if context[cue.start : cue.end].lower() in _BARE_ACCOUNT and (
            _DETAIL_ON_ACCOUNT.search(context[: cue.start]) or _OTHER_DETAIL.search(context)
        ):
            continue  # "the address on the account", "what name is the account under": not its number
        if cue.kind not in kinds:
            kinds.append(cue.kind)
    return kinds


_YEAR_AFTER = re.compile(
    r"(?:\b(?:in|since|from|until|till|by|of|during|between|and|to|back\s+in|year|around|circa)\s+)$", re.IGNORECASE
)


def is_year(text: str, start: int, digits: str) -> bool:
    """'in 2019', 'between 2014 and 2016': a year, whatever cue is near."""
    return len(digits) == 4 and digits[:2] in ("19", "20") and bool(
        _YEAR_AFTER.search(text, max(0, start - 12), start)
    )


def followed_by_unit(text: str, end: int) -> bool:
    return bool(_UNIT_AFTER.match(text, end))


def asks_last_four(text: str | None) -> bool:
    return bool(text and _LAST_FOUR.search(text))
