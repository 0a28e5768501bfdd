"""Trust at the door: secrets redacted before anything is stored, instructions in the data flagged."""

from memory_service.redaction.injection import (
    INJECTION_FLAG,
    InjectionVerdict,
    detect_injection,
    injection_flags,
    injection_sentences,
    is_possible_injection,
)
from memory_service.redaction.models import CustomPattern, Redaction, RedactionPolicy, RedactionResult, SecretKind
from memory_service.redaction.presidio import warm_up
from memory_service.redaction.secrets import UtteranceText, parse_patterns, redact, redact_transcript

__all__ = [
    "INJECTION_FLAG",
    "CustomPattern",
    "InjectionVerdict",
    "Redaction",
    "RedactionPolicy",
    "RedactionResult",
    "SecretKind",
    "UtteranceText",
    "detect_injection",
    "injection_flags",
    "injection_sentences",
    "is_possible_injection",
    "parse_patterns",
    "redact",
    "redact_transcript",
    "warm_up",
]
