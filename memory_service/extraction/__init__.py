"""Extraction port: Extractor.extract(interaction) -> list[ExtractedObservation].

The rule-based extractor (spaCy) is imported on first use: the API process needs only the
port's types and patterns, and importing spaCy cost it ~3.5 s of start-up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from memory_service.extraction.base import ExtractedObservation, Extractor, content_key

if TYPE_CHECKING:
    from memory_service.extraction.rules import RuleBasedExtractor, load_spacy

__all__ = ["ExtractedObservation", "Extractor", "RuleBasedExtractor", "content_key", "load_spacy"]


def __getattr__(name: str) -> Any:
    if name in ("RuleBasedExtractor", "load_spacy"):
        from memory_service.extraction import rules

        return getattr(rules, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
