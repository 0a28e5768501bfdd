"""What an extractor returns, and the port every extractor implements."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from schemas.interactions import InteractionIn

# Traits that hold one value at a time: a new value supersedes the old one.
SINGLE_VALUED_TRAITS = frozenset({"name", "email", "phone", "address", "plan", "username", "membership"})
# How each trait reads as a standalone sentence (no spaCy here: the API uses it for corrections).
TRAIT_SENTENCES = {
    "email": "The customer's email is {}.",
    "phone": "The customer's phone number is {}.",
    "order_number": "The customer has order number {}.",
    "account_number": "The customer's account number is {}.",
    "username": "The customer's username is {}.",
    "name": "The customer's name is {}.",
    "address": "The customer's address is {}.",
    "plan": "The customer is on the {} plan.",
    "membership": "The customer has {} membership.",
}


def content_key(kind: str, text: str, trait_key: str | None = None, value: str | None = None) -> str:
    """Stable key for exact-duplicate detection: same trait value, or same normalised text."""
    if trait_key and value is not None:
        basis = f"trait|{trait_key}|{value.lower()}"
    else:
        basis = f"{kind}|{re.sub(r'[^a-z0-9 ]+', '', ' '.join(text.lower().split()))}"
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


@dataclass
class ExtractedObservation:
    kind: str
    text: str
    utterance_ids: list[str]
    observed_at: datetime
    confidence: float
    attributes: dict[str, Any] = field(default_factory=dict)
    trait_key: str | None = None

    @property
    def value(self) -> str | None:
        value = self.attributes.get("value")
        return None if value is None else str(value)

    @property
    def key(self) -> str:
        return content_key(self.kind, self.text, self.trait_key, self.value)

    @property
    def single_valued(self) -> bool:
        return self.trait_key in SINGLE_VALUED_TRAITS


@dataclass
class Extraction:
    observations: list[ExtractedObservation]
    # Extractive: the most informative customer sentences, then the outcome.
    summary: str | None = None
    # "resolved" when the agent said the issue was fixed/refunded/..., "pending" when a
    # commitment is open, else None; the resolving utterance is in ``resolution``.
    outcome: str | None = None
    resolution: dict[str, Any] | None = None
    sentiment: dict[str, Any] | None = None


class Extractor(Protocol):
    def extract(self, interaction: InteractionIn) -> Extraction: ...
