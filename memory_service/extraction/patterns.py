"""Regular expressions and normalisers for identity traits (phones: see phones.py)."""

from __future__ import annotations

import re

from memory_service.extraction.phones import normalize_phone

__all__ = ["normalize_phone"]  # re-exported: the API and the LLM extractor read phones through here

EMAIL_RE = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")
ORDER_RE = re.compile(
    r"\border(?:\s+(?:number|no\.?|id|#))?\s*(?:is|was|:)?\s*#?\s*([A-Z0-9][A-Z0-9\-]{3,19})\b", re.IGNORECASE
)
ACCOUNT_RE = re.compile(
    r"\baccount(?:\s+(?:number|no\.?|id|#))?\s*(?:is|was|:)?\s*#?\s*([A-Z0-9][A-Z0-9\-]{3,19})\b", re.IGNORECASE
)
USERNAME_RE = re.compile(r"\busername\s*(?:is|:)?\s*([A-Za-z0-9_.\-]{3,40})\b", re.IGNORECASE)
NOT_IDS = frozenset({"number", "status", "today", "there", "here", "please", "again", "still", "arrived"})


def normalize_email(value: str) -> str:
    return value.strip().lower()


def normalize_identifier(type_: str, value: str, *, default_country_code: str = "1", region: str | None = None) -> str:
    """Canonical form of a customer identifier, so that one person's phone matches across channels.

    Phones are E.164 read with `region` (or the main region of `default_country_code`, the
    calling code older callers pass); text that is no possible number is kept as given."""
    if type_ in ("phone", "whatsapp", "sms"):
        raw = value.strip()
        return normalize_phone(raw, default_country_code=default_country_code, region=region) or raw
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
