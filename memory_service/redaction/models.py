"""Value types of redaction. None of them holds a secret: findings keep only what the label needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class RedactionPolicy(StrEnum):
    """Per-tenant choice. `redact` (the default) writes a label, `mask` keeps the last four, `off` keeps all."""

    REDACT = "redact"
    MASK = "mask"
    OFF = "off"


class SecretKind(StrEnum):
    CARD = "card"
    SSN = "ssn"
    CVV = "cvv"
    PIN = "pin"
    PASSCODE = "passcode"
    IBAN = "iban"
    BANK_ACCOUNT = "bank_account"
    ROUTING_NUMBER = "routing_number"


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected secret: where it is in the input, what it is, and the last four characters for the label.

    `kind` is a SecretKind value, or the name of a configured pattern. `tail` is only ever the last four
    digits (or characters) that the stored label shows anyway, so a Finding is safe to keep around.
    """

    start: int
    end: int
    kind: str
    tail: str = ""
    spoken: bool = False  # read out as words: the mask is rebuilt from digits instead of kept in shape
    digit_count: int = 0


@dataclass(frozen=True, slots=True)
class CustomPattern:
    """An operator-configured extra secret pattern (setting MEMORY_REDACTION_PATTERNS)."""

    name: str
    pattern: str


@dataclass(frozen=True, slots=True)
class RedactionResult:
    """The text to store and how many secrets of each kind were replaced (for the metrics counter)."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def redacted(self) -> bool:
        return bool(self.counts)

    def __repr__(self) -> str:  # the text is already redacted; keep reprs short in logs anyway
        return f"RedactionResult(counts={self.counts!r}, chars={len(self.text)})"


@dataclass(frozen=True, slots=True)
class Redaction:
    """What the door applies for one caller: the tenant's policy (else the service's) and the
    configured extra patterns."""

    policy: str = "redact"
    patterns: tuple[CustomPattern, ...] = ()
