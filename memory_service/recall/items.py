"""Recall items from Postgres rows: one shape for observations, segments and summaries."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from memory_service.observations.service import observation_out
from memory_service.recall.ranking import Candidate
from schemas.observations import Source
from schemas.recall import RecallItem

SEGMENT_KINDS = {"customer": "utterance", "agent": "agent_turn"}


def estimate_tokens(text: str) -> int:
    """Cheap, model-agnostic token estimate (about 4 characters a token, at least one per word)."""
    return max(len(text.split()), math.ceil(len(text) / 4))


def kind_of(row: dict[str, Any], unit_type: str) -> str:
    if unit_type == "observation":
        return str(row["kind"])
    if unit_type == "summary":
        return "summary"
    return SEGMENT_KINDS.get(row["role"], str(row["role"]))


def when_and_provenance(row: dict[str, Any], unit_type: str) -> tuple[datetime | None, frozenset[tuple[str, str]]]:
    if unit_type == "observation":
        pairs = {(str(s["interaction_id"]), str(u)) for s in row["sources"] for u in s["utterance_ids"]}
        return row["observed_at"], frozenset(pairs)
    interaction = str(row["interaction_id"])
    return row["observed_at"], frozenset((interaction, str(u)) for u in row["utterance_ids"])


def _clip(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rsplit(" ", 1)[0] + "…"


def build_item(row: dict[str, Any], cand: Candidate, *, max_chars: int) -> RecallItem:
    score = round(cand.cosine if cand.cosine is not None else 0.0, 4)
    if cand.unit_type == "observation":
        out = observation_out(row)
        text, confidence, observed_at, source = out.text, out.confidence, out.observed_at, out.source
    else:
        text = _clip(str(row["text"]), max_chars)
        confidence = 1.0 if cand.unit_type == "segment" else 0.8  # verbatim vs. extractive summary
        observed_at = row["observed_at"]
        source = Source(interaction_id=str(row["interaction_id"]), external_id=row["external_id"],
                        utterance_ids=list(row["utterance_ids"]))  # fmt: skip
    return RecallItem(
        id=cand.unit_id, type=cand.unit_type, kind=kind_of(row, cand.unit_type), text=text, score=score,
        confidence=confidence, observed_at=observed_at, source=source, token_count=estimate_tokens(text),
        rank_score=round(cand.fused, 6),
    )  # fmt: skip
