"""Episodic units of an interaction: what was said, kept verbatim with its utterance id.

Observations are what the extractor understood; segments are what was actually said, so a
question the extractor did not anticipate can still find its evidence. Every customer
utterance and every agent turn becomes a segment (agents' turns answer many "what did I
ask about" questions and carry the other half of the evidence in LoCoMo); the interaction's
extractive summary, when there is one, becomes a summary unit resting on the utterances it
was made from. Ids are deterministic, so re-processing an interaction inserts nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from psycopg import Connection

from memory_service.embeddings import Embedder
from memory_service.episodes import repository as repo
from schemas.interactions import InteractionIn

MAX_UNIT_CHARS = 2000
SEGMENT_ROLES = ("customer", "agent")


@dataclass(frozen=True)
class EpisodeUnit:
    unit_type: str  # segment | summary
    role: str
    position: int
    text: str
    utterance_ids: list[str]
    observed_at: datetime


def build_units(
    payload: InteractionIn, *, summary: str | None, summary_utterance_ids: list[str]
) -> list[EpisodeUnit]:
    units: list[EpisodeUnit] = []
    for position, utterance in enumerate(payload.utterances):
        text = " ".join(utterance.text.split())
        if utterance.role not in SEGMENT_ROLES or not text:
            continue
        units.append(EpisodeUnit(
            unit_type="segment", role=utterance.role, position=position, text=text[:MAX_UNIT_CHARS],
            utterance_ids=[str(utterance.id)], observed_at=utterance.at or payload.started_at,
        ))  # fmt: skip
    if summary and summary.strip():
        units.append(EpisodeUnit(
            unit_type="summary", role="summary", position=len(payload.utterances), text=summary[:MAX_UNIT_CHARS],
            utterance_ids=summary_utterance_ids, observed_at=payload.started_at,
        ))  # fmt: skip
    return units


def embed_units(embedder: Embedder, units: list[EpisodeUnit]) -> np.ndarray:
    return embedder.embed([u.text for u in units])


def store_units(
    conn: Connection,
    *,
    tenant_id: str,
    customer_id: str,
    interaction_id: str,
    units: list[EpisodeUnit],
    vectors: np.ndarray,
) -> int:
    rows = [
        (repo.unit_id(interaction_id, u.unit_type, u.position), tenant_id, customer_id, interaction_id, u.unit_type,
         u.role, u.position, u.text, u.utterance_ids, vectors[i], u.observed_at)
        for i, u in enumerate(units)
    ]  # fmt: skip
    repo.insert_units(conn, rows=rows)
    return len(rows)
