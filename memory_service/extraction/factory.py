"""Build the configured extractor once per worker process."""

from __future__ import annotations

from memory_service.config import Settings
from memory_service.embeddings import Embedder
from memory_service.extraction.base import Extractor
from memory_service.extraction.gate import FactGate, GateWeights
from memory_service.extraction.rules import RuleBasedExtractor, load_spacy


def build_extractor(settings: Settings, embedder: Embedder | None = None) -> Extractor:
    """The offline rules with the learned fact gate (unless MEMORY_EXTRACTION_FACT_GATE is off);
    with MEMORY_EXTRACTION_LLM_URL set, the LLM extractor in front of them. The gate embeds with
    `embedder` (the worker passes its document embedder), else with one built here."""
    gate = None
    if settings.extraction_fact_gate:
        if embedder is None:
            from memory_service.embeddings.factory import build_embedder

            embedder = build_embedder(settings)
        gate = FactGate(embedder.embed, GateWeights.bundled())
    rules = RuleBasedExtractor(
        load_spacy(settings.spacy_model), default_country_code=settings.default_phone_country_code,
        phone_region=settings.default_phone_region, gate=gate,
    )  # fmt: skip
    if not settings.extraction_llm_url:
        return rules
    from memory_service.extraction.llm import LLMExtractor

    return LLMExtractor(
        base_url=settings.extraction_llm_url, model=settings.extraction_llm_model,
        api_key=settings.extraction_llm_api_key, timeout=settings.extraction_llm_timeout_seconds,
        fallback=rules, default_country_code=settings.default_phone_country_code,
    )  # fmt: skip
