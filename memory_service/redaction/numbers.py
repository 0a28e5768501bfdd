"""Runs of digits in text, written ("4111 1111"), read out ("four one one one", "double four") or mixed.

A run is a sequence of number tokens joined only by light separators (spaces, commas, dashes, and
full stops between spoken words, which speech-to-text inserts). Each token keeps its character span
so that a detector can redact the whole run or an aligned part of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "zero": "0", "nought": "0", "naught": "0", "oh": "0", "o": "0",
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_TEENS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}  # fmt: skip
_TENS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fourty": "4", "fifty": "5",
    "sixty": "6", "seventy": "7", "eighty": "8", "ninety": "9",
}  # fmt: skip
_REPEAT = {"double": 2, "triple": 3}
# "o"/"oh" are digits only next to other number words ("four oh one"), never on their own.
_WEAK_ZERO = {"o", "oh"}

# Letters and digits glued together ("1Z999AA1012", "ORD5521") are identifiers, never part of a run.
_TOKEN = re.compile(r"[A-Za-z0-9]+")
# Between two tokens of one run: whitespace, commas, dashes, brackets ("(415) 555"), at most one full stop.
_JOIN = re.compile(r"[\s,\-\u2013\u2014()]*\.?[\s,\-\u2013\u2014()]*")
_MAX_JOIN = 4


@dataclass(frozen=True, slots=True)
class NumberToken:
    start: int
    end: int
    digits: str
    spoken: bool


@dataclass(frozen=True, slots=True)
class NumberRun:
    tokens: tuple[NumberToken, ...]

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end

    @property
    def digits(self) -> str:
        return "".join(t.digits for t in self.tokens)

    @property
    def spoken(self) -> bool:
        return any(t.spoken for t in self.tokens)

    def groups(self) -> list[int]:
        """Digit counts of the written groups (spoken tokens each count as their own group)."""
        return [len(t.digits) for t in self.tokens]

    def separators(self, text: str) -> set[str]:
        return {text[a.end : b.start].strip() for a, b in zip(self.tokens, self.tokens[1:], strict=False)}

    def window(self, first: int, last: int) -> NumberRun:
        return NumberRun(self.tokens[first : last + 1])


def _word_tokens(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, value) for every token; kind is 'd' digits, 'w' a word or 'x' letters and digits."""
    out = []
    for m in _TOKEN.finditer(text):
        value = m.group()
        kind = "d" if value.isdigit() else "w" if value.isalpha() else "x"
        out.append((m.start(), m.end(), kind, value))
    return out


def number_tokens(text: str) -> list[NumberToken]:
    """Turn digit groups and number words into NumberTokens; repeat words and tens fold into the next word."""
    raw = _word_tokens(text)
    out: list[NumberToken] = []
    i = 0
    while i < len(raw):
        start, end, kind, value = raw[i]
        word = value.lower()
        if kind == "d":
            # Decimals and amounts ("45.99", "$120") are quantities; "ACCT-1657", "ORD-55" are reference codes.
            if not _is_quantity(text, start, end) and not _prefixed_code(text, start):
                out.append(NumberToken(start, end, value, False))
        elif word in _REPEAT and i + 1 < len(raw) and raw[i + 1][3].lower() in _UNITS:
            nxt = raw[i + 1]
            out.append(NumberToken(start, nxt[1], _UNITS[nxt[3].lower()] * _REPEAT[word], True))
            i += 1
        elif word in _TENS:
            unit = raw[i + 1] if i + 1 < len(raw) else None
            if unit and unit[3].lower() in _UNITS and unit[3].lower() not in _WEAK_ZERO | {"zero"}:
                gap = text[end : unit[0]]
                if gap in (" ", "-"):
                    out.append(NumberToken(start, unit[1], _TENS[word] + _UNITS[unit[3].lower()], True))
                    i += 2
                    continue
            out.append(NumberToken(start, end, _TENS[word] + "0", True))
        elif word in _UNITS or word in _TEENS:
            out.append(NumberToken(start, end, _UNITS.get(word) or _TEENS[word], True))
        i += 1
    return out


_CURRENCY = ("$", "\u20ac", "\u00a3")
_CENTS_AFTER = re.compile(r"\.\d{1,2}(?!\d)")
_AMOUNT_BEFORE = re.compile(r"[$\u20ac\u00a3][\d,]*\.$")


def _is_quantity(text: str, start: int, end: int) -> bool:
    """Amounts and decimals ("$120", "45.99", "1.5"); dotted groups ("4111.1111") are not quantities."""
    before = text[max(0, start - 1) : start]
    if before in _CURRENCY or _CENTS_AFTER.match(text, end):
        return True
    if before == ".":
        return end - start <= 2 or bool(_AMOUNT_BEFORE.search(text, max(0, start - 20), start))
    return False


_CODE_PREFIX = re.compile(r"[A-Za-z]{2,}[-_]$")


def _prefixed_code(text: str, start: int) -> bool:
    return bool(_CODE_PREFIX.search(text, max(0, start - 12), start))


def _joined(text: str, left: NumberToken, right: NumberToken) -> bool:
    gap = text[left.end : right.start]
    if len(gap) > _MAX_JOIN or not _JOIN.fullmatch(gap):
        return False
    if "." in gap and not (left.spoken or right.spoken):
        # "12.5" is a decimal; "4111.1111.1111.1111" and "219.09.9999" are groups written with dots.
        return gap == "." and len(left.digits) >= 2 and len(right.digits) >= 2
    return True


def number_runs(text: str) -> list[NumberRun]:
    """Every maximal run of number tokens in `text`, in order."""
    runs: list[list[NumberToken]] = []
    for token in number_tokens(text):
        if runs and _joined(text, runs[-1][-1], token):
            runs[-1].append(token)
        else:
            runs.append([token])
    return [NumberRun(tuple(_trim_weak_zeros(text, run))) for run in runs if _trim_weak_zeros(text, run)]


def _trim_weak_zeros(text: str, run: list[NumberToken]) -> list[NumberToken]:
    """Drop a leading "oh," that is an interjection ("oh, four one ...") and runs made only of "oh"s.

    A trailing "oh" stays: "nine two oh" ends in a zero.
    """
    def weak(t: NumberToken) -> bool:
        return text[t.start : t.end].lower() in _WEAK_ZERO

    if all(weak(t) for t in run):
        return []
    lo = 0
    while lo < len(run) - 1 and weak(run[lo]) and text[run[lo].end : run[lo].end + 1] in (",", "!", "."):
        lo += 1
    return run[lo:]


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def aba_valid(digits: str) -> bool:
    """ABA routing number checksum (weights 3, 7, 1)."""
    if len(digits) != 9:
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10 == 0
