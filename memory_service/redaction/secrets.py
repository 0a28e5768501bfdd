"""Redaction at the door: `redact(text, policy=..., context=...)` returns the text that may be stored.

Nothing here logs, and the result carries only the redacted text and counts per kind, so a secret
cannot leak through a log line, an exception message or a metrics label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from memory_service.redaction.detectors import detect_secrets
from memory_service.redaction.models import CustomPattern, Finding, RedactionPolicy, RedactionResult, SecretKind

_LABELS: dict[str, str] = {
    SecretKind.CARD: "[card ending {tail}]",
    SecretKind.SSN: "[SSN]",
    SecretKind.CVV: "[CVV]",
    SecretKind.PIN: "[PIN]",
    SecretKind.PASSCODE: "[passcode]",
    SecretKind.IBAN: "[IBAN ending {tail}]",
    SecretKind.BANK_ACCOUNT: "[account number ending {tail}]",
    SecretKind.ROUTING_NUMBER: "[routing number]",
}
# Codes too short to keep any of: masking them keeps only their length.
_MASK_ALL = frozenset({SecretKind.CVV, SecretKind.PIN, SecretKind.PASSCODE})


def redact(
    text: str,
    *,
    policy: RedactionPolicy | str = RedactionPolicy.REDACT,
    context: str | None = None,
    patterns: Sequence[CustomPattern] = (),
) -> RedactionResult:
    """Replace every secret in `text` according to `policy`.

    `context` is the text of the agent utterance just before this one, so that "it's 123" answering
    "what's the security code on the back?" is known to be a CVV. `patterns` are extra configured ones.
    """
    policy = RedactionPolicy(policy)
    if policy is RedactionPolicy.OFF or not text:
        return RedactionResult(text)
    findings = detect_secrets(text, context=context, patterns=patterns)
    if not findings:
        return RedactionResult(text)
    pieces: list[str] = []
    cursor = 0
    for finding in findings:
        original = text[finding.start : finding.end]
        pieces += [text[cursor : finding.start], _replacement(finding, original, policy)]
        cursor = finding.end
    pieces.append(text[cursor:])
    return RedactionResult("".join(pieces), dict(Counter(str(f.kind) for f in findings)))


def _replacement(finding: Finding, original: str, policy: RedactionPolicy) -> str:
    if policy is RedactionPolicy.MASK:
        return _mask(finding, original)
    label = _LABELS.get(finding.kind, "[{name}]")
    return label.format(tail=finding.tail, name=finding.kind)


def _mask(finding: Finding, original: str) -> str:
    """Same shape with all but the last four masked: '4111-1111-1111-1111' -> '****-****-****-1111'."""
    keep = 0 if finding.kind in _MASK_ALL else 4
    if finding.spoken:
        # Words cannot keep their shape; rebuild the digits, grouped as a card or an SSN is written.
        count = max(finding.digit_count, len(finding.tail))
        digits = "*" * (count - keep) + (finding.tail[-keep:] if keep else "")
        if finding.kind == SecretKind.SSN and count == 9:
            return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
        return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
    out = list(original)
    kept = 0
    for i in range(len(out) - 1, -1, -1):
        if out[i].isalnum():
            if kept < keep:
                kept += 1
            else:
                out[i] = "*"
    return "".join(out)


class SpokenText(Protocol):
    """What redaction needs of an utterance (schemas.interactions.UtteranceIn has it): who said it and what."""

    @property
    def role(self) -> str: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True, slots=True)
class UtteranceText:
    role: str
    text: str


def redact_transcript(
    utterances: Iterable[SpokenText],
    *,
    policy: RedactionPolicy | str = RedactionPolicy.REDACT,
    patterns: Sequence[CustomPattern] = (),
) -> tuple[list[str], dict[str, int]]:
    """Redact every utterance in order, each with the latest agent utterance before it as context.

    Agent utterances are redacted too (agents read numbers back). Returns the new texts, in order, and
    the counts per kind over the whole transcript.
    """
    texts: list[str] = []
    totals: Counter[str] = Counter()
    last_agent: str | None = None
    for utterance in utterances:
        context = last_agent if utterance.role != "agent" else None
        result = redact(utterance.text, policy=policy, context=context, patterns=patterns)
        texts.append(result.text)
        totals.update(result.counts)
        if utterance.role == "agent":
            last_agent = utterance.text  # the question itself, before redaction: cue words survive either way
    return texts, dict(totals)


def parse_patterns(raw: Iterable[dict[str, str]]) -> list[CustomPattern]:
    """Settings value -> patterns; refuses (ValueError) a pattern that does not compile, at startup."""
    import re

    patterns = []
    for item in raw:
        name, pattern = str(item["name"]), str(item["pattern"])
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"redaction pattern {name!r} does not compile: {exc}") from None
        patterns.append(CustomPattern(name=name, pattern=pattern))
    return patterns
