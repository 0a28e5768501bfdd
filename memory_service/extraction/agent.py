"""What the agent's turns add to the customer's memory: commitments and resolutions only.

Anything else an agent says is not a fact about the customer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spacy.tokens import Span

from memory_service.extraction.temporal import resolve_dates

COMMITMENT_RE = re.compile(
    r"\b(?:i|we)\s*(?:'ll|will|are going to|'re going to|am going to|shall|'m going to)\s+"
    r"(?:\w+\s+)?(send|ship|refund|call|email|text|process|issue|credit|escalate|follow|replace|cancel|"
    r"update|arrange|schedule|waive|reimburse|check|get back|expedite|reship|deliver|fix|reset|open|file|"
    r"submit|investigate|look into|apply|add|remove|change|transfer|contact|reach out|notify|let you know)\b",
    re.IGNORECASE,
)
THIRD_PARTY_COMMITMENT_RE = re.compile(
    r"\b(?:they|the manager|a technician|someone|our team|the team)\s+(?:will|'ll)\s+"
    r"(call|email|contact|reach out|send|ship|visit|get back)\b",
    re.IGNORECASE,
)
RESOLUTION_RE = re.compile(
    r"\b(?:(?:i|we)\s*(?:'ve| have)|it\s*(?:'s| is| has)|that\s*(?:'s| is| has)|this\s*(?:is| has)|"
    r"(?:your|the) (?:\w+ ){0,2}(?:has|have|is|are|was|were|should be|will be))\s+"
    r"(?:(?:now|just|already|also|all|successfully|been|be)\s+)*"
    r"(fixed|resolved|refunded|processed|issued|credited|replaced|reset|cancell?ed|sorted|restored|"
    r"reactivated|unlocked|reversed|updated|changed)\b",
    re.IGNORECASE,
)
NEGATION_RE = re.compile(r"\b(?:not|n't|never|unable|cannot|can't|won't)\b", re.IGNORECASE)


@dataclass
class Resolution:
    utterance_id: str
    action: str
    quote: str


def commitment_attributes(sentence: Span, speaker: str | None, at: datetime) -> dict[str, Any] | None:
    raw = sentence.text.strip()
    if raw.endswith("?") or not (COMMITMENT_RE.search(raw) or THIRD_PARTY_COMMITMENT_RE.search(raw)):
        return None
    match = COMMITMENT_RE.search(raw) or THIRD_PARTY_COMMITMENT_RE.search(raw)
    assert match is not None
    attributes: dict[str, Any] = {"status": "pending", "quote": raw, "by": speaker, "action": match.group(1).lower()}
    due = [ent.text for ent in sentence.ents if ent.label_ in ("DATE", "TIME")]
    resolved = resolve_dates(raw, at, future=True)
    if due:
        attributes["due_text"] = due[0]
    if resolved:
        attributes["due_date"] = resolved[0].date.isoformat()
        attributes.setdefault("due_text", resolved[0].text)
    return attributes


def commitment_text(raw: str) -> str:
    """'Sorry! We'll ship a replacement by Friday.' -> 'The agent committed: we'll ship a replacement by Friday.'"""
    match = COMMITMENT_RE.search(raw) or THIRD_PARTY_COMMITMENT_RE.search(raw)
    clause = raw[match.start() :] if match else raw
    clause = clause.rstrip(" .!")
    return f"The agent committed: {clause[0].lower() + clause[1:] if clause[:2] != 'I ' else clause}."


def find_resolution(utterance_id: str, text: str) -> Resolution | None:
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        match = RESOLUTION_RE.search(sentence)
        if match and not sentence.strip().endswith("?") and not NEGATION_RE.search(sentence):
            return Resolution(utterance_id=utterance_id, action=match.group(1).lower(), quote=sentence.strip())
    return None
