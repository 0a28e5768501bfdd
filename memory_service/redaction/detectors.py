"""Secret detectors. Each returns Findings; `detect_secrets` runs them all and keeps non-overlapping ones.

Written cards, SSNs and IBANs come from presidio-analyzer's pattern recognizers (checksums and format
rules maintained upstream). Spoken forms, cue-based short codes (CVV, PIN, passcode), SSNs and bank
numbers said near their cue word, and the agent's question as context are handled here, on number runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from memory_service.redaction.cues import (
    NOT_SECRET,
    QUANTITY,
    Cue,
    asked_kinds,
    asks_last_four,
    find_cues,
    followed_by_unit,
    is_year,
    nearest_cue,
)
from memory_service.redaction.iban import iban_findings
from memory_service.redaction.models import CustomPattern, Finding, SecretKind
from memory_service.redaction.numbers import NumberRun, aba_valid, luhn_valid, number_runs
from memory_service.redaction.passwords import word_passcodes
from memory_service.redaction.presidio import presidio_findings

# How many digits each cue-based kind can have.
_LENGTHS: dict[str, range] = {
    SecretKind.CVV: range(3, 5),
    SecretKind.PIN: range(4, 9),
    SecretKind.PASSCODE: range(4, 11),
    SecretKind.SSN: range(4, 10),  # 4: "the last four of my social"
    SecretKind.BANK_ACCOUNT: range(6, 18),
    SecretKind.ROUTING_NUMBER: range(6, 10),  # 9 (ABA) or 6 (UK sort code)
    SecretKind.CARD: range(13, 20),
}
# Networks' first digits: 2 (Mastercard 2-series), 3 (Amex, JCB, Diners), 4 (Visa), 5, 6 (Discover, UnionPay).
_CARD_PREFIX = frozenset("23456")
_PHONE_SHAPE = (3, 3, 4)
_SPAN_PRIORITY: dict[str, int] = {SecretKind.CARD: 0, SecretKind.IBAN: 0, SecretKind.SSN: 1}


def detect_secrets(text: str, *, context: str | None = None, patterns: Sequence[CustomPattern] = ()) -> list[Finding]:
    """Every secret in `text`; `context` is the agent utterance just before it (the question it answers)."""
    cues = find_cues(text)
    asked = asked_kinds(context)
    found = [f for f in presidio_findings(text) if not _claimed_by_non_secret(text, cues, asked, f)]
    for run in number_runs(text):
        finding = _card_in_run(text, run, cues, asked) or _classify_run(text, run, cues, asked, context)
        if finding:
            found.append(finding)
    found += [f for f in iban_findings(text) if not _claimed_by_non_secret(text, cues, asked, f)]
    found += word_passcodes(text, asked)
    found += _custom_findings(text, patterns)
    return _non_overlapping(found)


def _not_secret_nearby(text: str, cues: list[Cue], start: int, end: int) -> bool:
    """An identifier cue ("tracking number") nearer before the number than any secret cue."""
    cue = nearest_cue(text, cues, start, end, set(_LENGTHS) | {NOT_SECRET}, after=False)
    return cue is not None and cue.kind == NOT_SECRET


def _claimed_by_non_secret(text: str, cues: list[Cue], asked: list[str], finding: Finding) -> bool:
    """A nearer "tracking number" cue, or an agent who asked for an order number, overrules presidio."""
    if _not_secret_nearby(text, cues, finding.start, finding.end):
        return True
    if finding.kind != SecretKind.CARD or NOT_SECRET not in asked or SecretKind.CARD in asked:
        return False
    return nearest_cue(text, cues, finding.start, finding.end, {SecretKind.CARD}) is None


def _phone_shaped(run: NumberRun) -> bool:
    """Written as a phone number: 415-555-0132, (415) 555 0132, 1 415 555 0132, 555-0132."""
    groups = run.groups()
    if run.spoken:
        return False
    return any(tuple(groups[i : i + 3]) == _PHONE_SHAPE for i in range(len(groups) - 2)) or groups == [3, 4]


def _international_phone(text: str, run: NumberRun) -> bool:
    """Written in international phone format: '+' before the run ('+44 (0)7700 900973',
    '+49 176 0150294'), which no card, account or PIN is written with."""
    if run.spoken:
        return False
    before = text[max(0, run.start - 2) : run.start].rstrip()
    return before.endswith("+")


def _names_the_number(text: str, cue: Cue) -> bool:
    """'account number', 'acct #', 'routing number': a cue that says the number itself is the secret."""
    phrase = text[cue.start : cue.end].lower()
    naming = ("number", " no", "#", "routing", "pin")
    return cue.kind not in (NOT_SECRET, QUANTITY) and any(word in phrase for word in naming)


def _card_in_run(text: str, run: NumberRun, cues: list[Cue], asked: list[str]) -> Finding | None:
    """A Luhn-valid 13-19 digit card: the whole run, or (with a card cue) an aligned part of it."""
    cue = nearest_cue(text, cues, run.start, run.end, {SecretKind.CARD, NOT_SECRET}, after=False)
    if cue and cue.kind == NOT_SECRET:
        return None
    carded = cue is not None or SecretKind.CARD in asked
    if not carded and NOT_SECRET in asked:
        return None  # the agent asked for an order or tracking number, and this is the answer
    if _is_card(run.digits) and (carded or not (_phone_shaped(run) or _international_phone(text, run))):
        return _finding(run, SecretKind.CARD)
    if not carded:
        # Inside a longer run (card then CVV, two phone numbers) only a stated card counts.
        return None
    best: NumberRun | None = None
    digits = run.digits
    offsets = [0]
    for token in run.tokens:
        offsets.append(offsets[-1] + len(token.digits))
    best_length = 0
    for first in range(len(run.tokens)):
        for last in range(first, len(run.tokens)):
            length = offsets[last + 1] - offsets[first]
            if length > 19:
                break  # bounded: a run of any length costs at most 19 windows per start
            if length > best_length and _is_card(digits[offsets[first] : offsets[last + 1]]):
                best, best_length = run.window(first, last), length
    if best is None and len(run.digits) in _LENGTHS[SecretKind.CARD]:
        best = run  # the card was asked for or named; a misread digit still exposes the rest of it
    return _finding(best, SecretKind.CARD) if best else None


def _is_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and digits[0] in _CARD_PREFIX and luhn_valid(digits)


def _classify_run(
    text: str, run: NumberRun, cues: list[Cue], asked: list[str], context: str | None
) -> Finding | None:
    digits = run.digits
    if not run.spoken and run.groups() == [3, 2, 4]:
        # NNN-NN-NNNN is the SSN's own shape (phones are 3-3-4), unless a nearer cue says otherwise.
        return None if _not_secret_nearby(text, cues, run.start, run.end) else _finding(run, SecretKind.SSN)
    if followed_by_unit(text, run.end) or _date_shaped(text, run) or is_year(text, run.start, digits):
        return None
    fits = {kind for kind, lengths in _LENGTHS.items() if len(digits) in lengths}
    if len(digits) == 4 and not (asks_last_four(text) or asks_last_four(context)):
        fits.discard(SecretKind.SSN)  # four digits are an SSN only as "the last four of my social"
    if not fits:
        return None
    cue = nearest_cue(text, cues, run.start, run.end, fits | {NOT_SECRET, QUANTITY})
    phone_shaped = _phone_shaped(run) or _international_phone(text, run)
    if cue is not None and phone_shaped and not _names_the_number(text, cue):
        return None  # "the phone on my account is 415-555-0132": shaped as a phone, and not called an account number
    if cue is not None:
        return None if cue.kind in (NOT_SECRET, QUANTITY) else _finding(run, cue.kind)
    for kind in asked:
        if kind in fits and kind != NOT_SECRET and not (phone_shaped and kind != SecretKind.BANK_ACCOUNT):
            return _finding(run, _routing_or_account(kind, digits))
    return None


def _date_shaped(text: str, run: NumberRun) -> bool:
    """2024-03-12, 12.03.2024, 3-12-24: dates are not secrets whatever cue is near."""
    if run.spoken or not run.separators(text) <= {"-", ".", ""}:
        return False
    groups = run.groups()
    values = [int(t.digits) for t in run.tokens]
    if groups == [4, 2, 2]:
        return 1 <= values[1] <= 12 and 1 <= values[2] <= 31
    if len(groups) == 3 and groups[2] in (2, 4) and groups[0] <= 2 and groups[1] <= 2:
        return 1 <= min(values[0], values[1]) <= 12 and max(values[0], values[1]) <= 31
    return False


def _routing_or_account(kind: str, digits: str) -> str:
    """An agent asking for "bank details" gets both numbers; the ABA checksum tells which one this is."""
    if kind == SecretKind.BANK_ACCOUNT and aba_valid(digits):
        return SecretKind.ROUTING_NUMBER
    return kind


def _finding(run: NumberRun, kind: str) -> Finding:
    return Finding(run.start, run.end, kind, tail=run.digits[-4:], spoken=run.spoken, digit_count=len(run.digits))


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _custom_findings(text: str, patterns: Sequence[CustomPattern]) -> list[Finding]:
    found: list[Finding] = []
    for custom in patterns:
        for m in _compiled(custom.pattern).finditer(text):
            if m.end() > m.start():
                tail = "".join(ch for ch in m.group() if ch.isalnum())[-4:]
                found.append(Finding(m.start(), m.end(), custom.name, tail=tail))
    return found


def _non_overlapping(found: list[Finding]) -> list[Finding]:
    """Longer spans win (a card holds 4-digit groups that a PIN cue might claim); cards and IBANs on ties."""
    kept: list[Finding] = []
    ranked = sorted(found, key=lambda f: (-(f.end - f.start), _SPAN_PRIORITY.get(f.kind, 2), f.start))
    for finding in ranked:
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)
