"""Regular expressions and normalisers for identity traits."""

from __future__ import annotations

import re

EMAIL_RE = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")
PHONE_RE = re.compile(r"(?<![\w/])(\+?\d[\d\s().\-]{7,}\d)(?!\w)")
ORDER_RE = re.compile(
    r"\border(?:\s+(?:number|no\.?|id|#))?\s*(?:is|was|:)?\s*#?\s*([A-Z0-9][A-Z0-9\-]{3,19})\b", re.IGNORECASE
)
ACCOUNT_RE = re.compile(
    r"\baccount(?:\s+(?:number|no\.?|id|#))?\s*(?:is|was|:)?\s*#?\s*([A-Z0-9][A-Z0-9\-]{3,19})\b", re.IGNORECASE
)
NAME_RE = re.compile(
    r"\b(?:my name is|my name's|this is|i am|i'm|call me|name is)\s+"
    r"([A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+){0,2})"
)
ADDRESS_RE = re.compile(
    r"\b(?:my (?:new |shipping |home |billing )?address is|i live at|i(?:'ve| have)? moved to|"
    r"ship (?:it )?to|send (?:it )?to|new address is)\s+"
    r"(\d{1,6}\s+[A-Za-z0-9 .'\-]+?(?:\s(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|way|"
    r"court|ct|place|pl|terrace|circle)\b\.?)(?:[, ]+[A-Za-z .'\-]+?)?(?:[, ]+[A-Z]{2})?(?:\s+\d{5})?)"
    r"(?=[.!?]|$|,\s*(?:and|but|please))",
    re.IGNORECASE,
)
USERNAME_RE = re.compile(r"\busername\s*(?:is|:)?\s*([A-Za-z0-9_.\-]{3,40})\b", re.IGNORECASE)
NOT_IDS = frozenset({"number", "status", "today", "there", "here", "please", "again", "still", "arrived"})


def normalize_email(value: str) -> str:
    return value.strip().lower()


def normalize_phone(value: str, *, default_country_code: str = "1") -> str | None:
    """E.164 where the digits allow it: '+' kept, ten national digits get the default country code."""
    digits = re.sub(r"\D", "", value)
    if value.strip().startswith("+"):
        return "+" + digits if 8 <= len(digits) <= 15 else None
    if len(digits) == 10:
        return f"+{default_country_code}{digits}"
    if len(digits) == 11 and digits.startswith(default_country_code):
        return "+" + digits
    return None


def normalize_identifier(type_: str, value: str, *, default_country_code: str = "1") -> str:
    """Canonical form of a customer identifier, so that one person's phone matches across channels."""
    if type_ in ("phone", "whatsapp", "sms"):
        return normalize_phone(value, default_country_code=default_country_code) or value.strip()
    if type_ == "email":
        return normalize_email(value)
    return value.strip()


def find_ids(pattern: re.Pattern[str], text: str) -> list[str]:
    found = []
    for match in pattern.finditer(text):
        candidate = match.group(1).strip("-")
        if candidate.lower() in NOT_IDS or not any(ch.isdigit() for ch in candidate):
            continue
        found.append(candidate.upper())
    return found
