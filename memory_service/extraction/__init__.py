"""Extraction port: Extractor.extract(interaction) -> list[ExtractedObservation]."""

from memory_service.extraction.base import ExtractedObservation, Extractor, content_key
from memory_service.extraction.rules import RuleBasedExtractor, load_spacy

__all__ = ["ExtractedObservation", "Extractor", "RuleBasedExtractor", "content_key", "load_spacy"]
