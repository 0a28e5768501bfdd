"""IBANs spelled out ("f r seven six, three oh oh oh ...") or written in lower case, checked by mod-97.

Presidio finds written upper-case IBANs; a caller reading one aloud spells the letters one by one and
says the digits as words, so here the text is read as a sequence of single letters and number tokens,
and any stretch that starts with a country code and passes the ISO 13616 checksum is an IBAN.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from memory_service.redaction.models import Finding, SecretKind
from memory_service.redaction.numbers import number_tokens

_COUNTRY = re.compile(r"[A-Z]{2}\d{2}")
_WRITTEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])")
# A spelled-out stretch: single letters, number words and digit groups, separated by spaces or commas.
_PIECE = re.compile(r"[A-Za-z]+|\d+")
_MIN, _MAX = 15, 34


def mod97_valid(iban: str) -> bool:
    if not (_MIN <= len(iban) <= _MAX) or not _COUNTRY.match(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def iban_findings(text: str) -> list[Finding]:
    written = [_finding(m.start(), m.end(), _compact(m.group())) for m in _WRITTEN.finditer(text)]
    return [f for f in written if f is not None] + _spelled(text)


def _compact(value: str) -> str:
    return "".join(ch for ch in value if ch.isalnum()).upper()


def _finding(start: int, end: int, iban: str) -> Finding | None:
    if not mod97_valid(iban):
        return None
    return Finding(start, end, SecretKind.IBAN, tail=iban[-4:], digit_count=len(iban))


def _spelled(text: str) -> list[Finding]:
    """Read the text as characters (letters spelled singly, digits as words), then test each start."""
    chars = _characters(text)
    stream = "".join(c for c, _, _ in chars)
    found: list[Finding] = []
    next_free = 0
    for match in re.finditer(r"(?=([A-Z]{2}\d{2}[A-Z0-9]{11,30}))", stream):
        begin, candidate = match.start(1), match.group(1)
        if begin < next_free:
            continue
        for length in range(min(len(candidate), _MAX), _MIN - 1, -1):
            if mod97_valid(candidate[:length]):
                last = begin + length - 1
                tail = candidate[length - 4 : length]
                found.append(Finding(chars[begin][1], chars[last][2], SecretKind.IBAN, tail, True, length))
                next_free = begin + length
                break
    return found


def _characters(text: str) -> list[tuple[str, int, int]]:
    """(character, start, end) for each spelled letter and each digit; '|' for any other word."""
    numbers = {t.start: t for t in number_tokens(text)}
    words = list(_PIECE.finditer(text))
    chars: list[tuple[str, int, int]] = []
    skip_to = -1
    for i, m in enumerate(words):
        if m.start() < skip_to:
            continue
        token = numbers.get(m.start())
        single = len(m.group()) == 1 and m.group().isalpha()
        # "o" between spelled letters ("y o o r") is the letter; next to number words it is a zero.
        if token and not (single and _between_letters(words, i, numbers)):
            chars += [(d, token.start, token.end) for d in token.digits]
            skip_to = token.end
        elif single:
            chars.append((m.group().upper(), m.start(), m.end()))
        else:
            chars.append(("|", m.start(), m.end()))
    return chars


def _between_letters(words: list[re.Match[str]], i: int, numbers: Mapping[int, object]) -> bool:
    def letter(j: int) -> bool:
        return 0 <= j < len(words) and len(words[j].group()) == 1 and words[j].start() not in numbers

    return letter(i - 1) or letter(i + 1)
