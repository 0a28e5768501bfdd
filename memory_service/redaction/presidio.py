"""Written cards, SSNs and IBANs through presidio-analyzer's pattern recognizers, without its NLP engine.

The recognizers are plain regexes plus validators (Luhn, SSN area/group rules, IBAN country format and
mod-97 checksum), so they run in well under a millisecond per utterance and need no model.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from memory_service.redaction.models import Finding, SecretKind

_ENTITY_KIND = {"CREDIT_CARD": SecretKind.CARD, "US_SSN": SecretKind.SSN, "IBAN_CODE": SecretKind.IBAN}
# Presidio scores a validated card or IBAN 1.0 and its "medium" SSN pattern (NNN-NN-NNNN) 0.5; the
# lower scores are its unvalidated guesses (any 9 digits), which the cue-based detectors judge instead.
_MIN_SCORE = 0.5


@lru_cache(maxsize=1)
def _recognizers() -> tuple[Any, ...]:
    # Imported on first use: presidio_analyzer's package import is slow (it probes optional NLP engines).
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, IbanRecognizer, UsSsnRecognizer

    # Its IBAN validator logs the candidate text on a parse error: that would put a secret in our logs.
    logging.getLogger("presidio-analyzer").setLevel(logging.CRITICAL)

    return (CreditCardRecognizer(), UsSsnRecognizer(), IbanRecognizer())


def warm_up() -> None:
    """Build the recognizers now (API startup) rather than on the first request."""
    _recognizers()


def presidio_findings(text: str) -> list[Finding]:
    """Validated cards, SSNs (NNN-NN-NNNN) and IBANs; the caller drops those a non-secret cue claims."""
    found: list[Finding] = []
    for recognizer in _recognizers():
        for result in recognizer.analyze(text, recognizer.supported_entities, None):
            kind = _ENTITY_KIND.get(result.entity_type)
            if kind is None or result.score < _MIN_SCORE:
                continue
            value = text[result.start : result.end]
            alnum = [ch for ch in value if ch.isalnum()]
            found.append(
                Finding(result.start, result.end, kind, tail="".join(alnum[-4:]), digit_count=len(alnum))
            )
    return found
