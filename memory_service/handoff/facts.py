"""The facts of a handoff brief, each with its source: what the customer already told us (the
profile's identity traits and this conversation's), the issue this conversation is about, and
the sentiment now and its trend."""

from __future__ import annotations

from typing import Any

from psycopg import Connection

from memory_service.extraction.base import ExtractedObservation, Extraction
from memory_service.handoff.reader import Reading
from memory_service.observations import repository as observations_repo
from memory_service.observations.service import observation_out
from schemas.handoff import HandoffSentiment, ProvidedFact
from schemas.observations import Source
from schemas.profiles import SentimentPoint

# The details a customer hates to repeat; other traits (preferences, plan) are in the profile.
PROVIDED_TRAITS = ("name", "email", "phone", "address", "order_number", "account_number", "username", "membership",
                   "plan")  # fmt: skip
ISSUE_KINDS = ("issue", "intent")
TREND_DELTA = 0.15


def _key(trait: str, value: Any) -> tuple[str, str]:
    return trait, " ".join(str(value).lower().split())


def already_provided(
    conn: Connection, *, tenant_id: str, customer_id: str, given: dict[str, dict[str, Any]], extraction: Extraction,
    source: Source, channel: str,
) -> list[ProvidedFact]:  # fmt: skip
    """One fact per (trait, value): where it was first given (earlier interactions first, then this
    conversation), with the interaction, its channel and the utterance ids."""
    rows = observations_repo.list_page(conn, tenant_id=tenant_id, customer_id=customer_id, kind="trait",
                                       status="active", limit=500, after=None)  # fmt: skip
    facts: dict[tuple[str, str], ProvidedFact] = {}
    for row in sorted(rows, key=lambda r: r["observed_at"]):
        out = observation_out(row)
        trait, value = row.get("trait_key") or out.attributes.get("trait"), out.attributes.get("value")
        if trait not in PROVIDED_TRAITS or value is None:
            continue
        first = out.sources[0] if out.sources else out.source
        where = given.get(first.interaction_id, {})
        facts.setdefault(_key(trait, value), ProvidedFact(
            trait=trait, value=value, source=first, observed_at=where.get("started_at") or out.observed_at,
            channel=where.get("channel"),
        ))  # fmt: skip
    for obs in extraction.observations:
        if obs.kind == "trait" and obs.trait_key in PROVIDED_TRAITS and obs.value is not None:
            said = source.model_copy(update={"utterance_ids": list(obs.utterance_ids)})
            facts.setdefault(_key(obs.trait_key or "", obs.value), ProvidedFact(
                trait=obs.trait_key or "", value=obs.value, source=said, observed_at=obs.observed_at, channel=channel,
            ))  # fmt: skip
    order = {t: i for i, t in enumerate(PROVIDED_TRAITS)}
    return sorted(facts.values(), key=lambda f: order.get(f.trait, 99))


def detected_issue(extraction: Extraction) -> ExtractedObservation | None:
    """The issue this conversation is about: the latest issue the customer raised, else their latest intent."""
    for kind in ISSUE_KINDS:
        found = [o for o in extraction.observations if o.kind == kind]
        if found:
            return found[-1]
    return None


def sentiment_now_and_trend(reading: Reading, history: list[SentimentPoint]) -> HandoffSentiment:
    """Now: the conversation's sentiment (later words weigh more). Trend: against the customer's
    earlier interactions when there are any, else the second half of this conversation against the first."""
    sentiment = reading.extraction.sentiment or next(
        (o.attributes for o in reading.extraction.observations if o.kind == "sentiment"), None
    )
    if not sentiment:
        return HandoffSentiment(now="neutral" if reading.utterance_scores else None)
    now = float(sentiment.get("score", 0.0))
    earlier = [p.score for p in history if isinstance(p.score, int | float)]
    carrying = [s for s in reading.utterance_scores if s]
    if earlier:
        delta = now - sum(earlier) / len(earlier)
    elif len(carrying) >= 2:
        half = len(carrying) // 2
        delta = (sum(carrying[half:]) / (len(carrying) - half) - sum(carrying[:half]) / half) / 2
    else:
        delta = 0.0
    trend = "rising" if delta > TREND_DELTA else "falling" if delta < -TREND_DELTA else "stable"
    return HandoffSentiment(now=str(sentiment.get("label")), trend=trend)
