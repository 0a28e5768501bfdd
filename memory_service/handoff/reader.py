"""What the service makes of a conversation that is still going on, for a handoff: the offline
extractor's observations (the issue, the traits the customer gave, the sentiment) and a summary.

The API process does not load spaCy at start (it cost ~3.5 s of start-up and the recall path
never needs it), so the rule extractor is built on the first handoff and kept: that first brief
pays the load (measured in the README), later ones do not; opening a live conversation starts
loading it in the background (warm_up), as a handoff usually follows one. With MEMORY_EXTRACTION_LLM_URL set,
the LLM writes the summary paragraph; if it fails, the extractive summary stands."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from memory_service.config import Settings
from memory_service.extraction.base import Extraction, Extractor
from memory_service.extraction.sentiment import score_text
from schemas.interactions import CustomerIn, IdentifierIn, InteractionIn, UtteranceIn

log = structlog.get_logger(__name__)
_lock = threading.Lock()
_rules: dict[tuple[str, str], Extractor] = {}


@dataclass
class Reading:
    extraction: Extraction
    summary: str | None
    summary_by: str  # "extractive" | "llm"
    utterance_scores: list[float]  # the customer's utterances' sentiment, in order


def rule_extractor(settings: Settings) -> Extractor:
    """The offline rules, loaded once per process on first use (spaCy)."""
    key = (settings.spacy_model, settings.default_phone_country_code)
    with _lock:
        if key not in _rules:
            from memory_service.extraction.rules import RuleBasedExtractor, load_spacy

            _rules[key] = RuleBasedExtractor(load_spacy(settings.spacy_model),
                                             default_country_code=settings.default_phone_country_code)  # fmt: skip
        return _rules[key]


def warm_up(settings: Settings) -> None:
    """Load the rule extractor in the background (a live conversation was opened: a handoff may
    follow), so that the first brief does not pay for loading spaCy."""
    if (settings.spacy_model, settings.default_phone_country_code) in _rules:
        return

    def load() -> None:
        try:
            rule_extractor(settings)
        except Exception:  # the handoff itself will load it, and say why it cannot
            log.warning("handoff_warm_up_failed", exc_info=True)

    threading.Thread(target=load, name="handoff-warm-up", daemon=True).start()


def as_interaction(utterances: list[UtteranceIn], *, channel: str, started_at: datetime | None) -> InteractionIn:
    """The conversation so far in the shape extractors read (its customer is not needed)."""
    start = started_at or next((u.at for u in utterances if u.at), None) or datetime.now(UTC)
    return InteractionIn(
        external_id="handoff", customer=CustomerIn(identifiers=[IdentifierIn(type="handoff", value="-")]),
        channel=channel, started_at=start, utterances=utterances,  # type: ignore[arg-type]
    )  # fmt: skip


def read_conversation(
    settings: Settings, utterances: list[UtteranceIn], *, channel: str, started_at: datetime | None
) -> Reading:
    """What the rules make of the conversation so far (nothing said yet: nothing to read)."""
    if not any(u.text.strip() for u in utterances):
        return Reading(extraction=Extraction(observations=[]), summary=None, summary_by="extractive",
                       utterance_scores=[])  # fmt: skip
    interaction = as_interaction(utterances, channel=channel, started_at=started_at)
    extraction = rule_extractor(settings).extract(interaction)
    scores = [score_text(u.text) for u in interaction.utterances if u.role == "customer"]
    summary, by = extraction.summary, "extractive"
    if settings.extraction_llm_url:
        llm_summary = _llm_summary(settings, interaction)
        if llm_summary:
            summary, by = llm_summary, "llm"
    return Reading(extraction=extraction, summary=summary, summary_by=by, utterance_scores=scores)


def _llm_summary(settings: Settings, interaction: InteractionIn) -> str | None:
    from memory_service.extraction.llm import LLMExtractor

    assert settings.extraction_llm_url
    llm = LLMExtractor(
        base_url=settings.extraction_llm_url, model=settings.extraction_llm_model,
        api_key=settings.extraction_llm_api_key, timeout=settings.extraction_llm_timeout_seconds,
        fallback=None, default_country_code=settings.default_phone_country_code,
    )  # fmt: skip
    try:
        summary = llm.extract(interaction).summary
        return summary.strip() if summary and summary.strip() else None
    except Exception as exc:  # any failure of the model: the extractive summary stands
        log.warning("handoff_llm_summary_failed", error=str(exc))
        return None
    finally:
        llm.close()
