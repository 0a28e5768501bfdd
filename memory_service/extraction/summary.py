"""Extractive summary of one interaction: what the customer needed, then how it ended."""

from __future__ import annotations

from memory_service.extraction.agent import Resolution
from memory_service.extraction.base import ExtractedObservation
from schemas.interactions import UtteranceIn

# What matters most in a contact-centre summary comes first.
KIND_RANK = {"issue": 0, "intent": 1, "event": 2, "preference": 3, "fact": 4, "trait": 5}


def summarise(
    observations: list[ExtractedObservation],
    utterances: list[UtteranceIn],
    *,
    outcome: str | None,
    resolution: Resolution | None,
    max_chars: int = 400,
) -> str | None:
    """The two most informative customer statements, then the outcome (resolution or commitments)."""
    order = {str(u.id): i for i, u in enumerate(utterances)}
    ranked = sorted(
        (o for o in observations if o.kind in KIND_RANK),
        key=lambda o: (KIND_RANK[o.kind], -len(o.text.split()), order.get(o.utterance_ids[0], 0)),
    )
    picked: list[str] = []
    for o in ranked:
        if len(picked) == 2:
            break
        value = str(o.attributes.get("value") or "") if o.kind == "trait" else ""
        if value and any(value.lower() in text.lower() for text in picked):
            continue  # "The customer has order number 88123." after "The customer's order 88123 arrived damaged."
        picked.append(o.text)
    if resolution is not None:
        picked.append(f"Outcome: resolved ({resolution.action}).")
    picked.extend(o.text for o in observations if o.kind == "commitment")
    if outcome is None and picked:
        picked.append("Outcome: no resolution or commitment recorded.")
    summary = ""
    for text in picked:
        if len(summary) + len(text) + 1 > max_chars:
            break
        summary = f"{summary} {text}".strip()
    return summary or None
