"""How people say values out loud, and how speech recognition writes what they said.

Used to render voice transcripts: digits read one by one ("five five five"), pairs
("double five"), zero as "oh", emails with "dot", "at", "underscore", "dash", numbers as
words, fillers and restarts, lower case with little punctuation.
"""

from __future__ import annotations

import random
import re

DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
FILLERS = ["um", "uh", "er", "like", "you know", "so"]


def number_words(n: int) -> str:
    """0..9999 as English words ("four hundred twelve"); house numbers are said this way."""
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return _TEENS[n - 10]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens] + (f" {DIGITS[unit]}" if unit else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{DIGITS[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    if n % 100 >= 10 and (n // 100) % 10:
        return f"{number_words(n // 100)} {number_words(n % 100)}"  # read in pairs: "twenty four fifteen"
    thousands, rest = divmod(n, 1000)
    return f"{number_words(thousands)} thousand" + (f" {number_words(rest)}" if rest else "")


def spoken_digits(digits: str, rng: random.Random, *, zero_as_oh: float = 0.6, doubles: float = 0.5) -> str:
    """A digit string read out: "five five five oh one two three" or "double five ...".

    Non-digits (spaces, dashes) mark the pauses a speaker makes between groups; they are kept
    as group boundaries only, because recognisers drop them.
    """
    words: list[str] = []
    for group in re.findall(r"\d+", digits):
        i = 0
        while i < len(group):
            d = group[i]
            word = "oh" if d == "0" and rng.random() < zero_as_oh else DIGITS[int(d)]
            if i + 1 < len(group) and group[i + 1] == d and rng.random() < doubles:
                triple = i + 2 < len(group) and group[i + 2] == d
                words.append(("triple " if triple else "double ") + word)
                i += 3 if triple else 2
                continue
            words.append(word)
            i += 1
    return " ".join(words)


def spoken_email(email: str, rng: random.Random) -> str:
    """j.smith_42@example.com -> "j dot smith underscore four two at example dot com"."""
    local, domain = email.split("@")
    return f"{_spoken_email_part(local, rng)} at {_spoken_email_part(domain, rng)}"


def _spoken_email_part(part: str, rng: random.Random) -> str:
    out: list[str] = []
    for token in re.findall(r"[a-z]+|\d+|[._\-+]", part.lower()):
        if token == ".":
            out.append("dot")
        elif token == "_":
            out.append("underscore")
        elif token == "-":
            out.append(rng.choice(["dash", "hyphen"]))
        elif token == "+":
            out.append("plus")
        elif token.isdigit():
            out.append(spoken_digits(token, rng, zero_as_oh=0.3, doubles=0.2) if len(token) > 2 or rng.random() < 0.5
                       else number_words(int(token)))  # fmt: skip
        else:
            out.append(token)
    return " ".join(out)


def asr(text: str) -> str:
    """Speech-recognition style: lower case, no sentence punctuation, apostrophes kept."""
    text = text.lower()
    text = re.sub(r"[,.!?;:\"()]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def disfluent(frame: str, rng: random.Random, rate: float = 0.5, *, keep: str = "{") -> str:
    """Adds a filler at the start, sometimes a restart ("my my email"), sometimes a mid filler.

    `frame` is the sentence around a value; words holding `keep` (the `{slot}`s for values)
    are never repeated, so a stutter cannot change the value itself.
    """
    words = frame.split()
    if not words:
        return frame
    if rng.random() < rate:
        words.insert(0, rng.choice(FILLERS[:3]))
    candidates = [i for i, w in enumerate(words[:4]) if keep not in w and w not in FILLERS]
    if candidates and rng.random() < rate / 2:
        at = rng.choice(candidates)
        words.insert(at, words[at])  # a restart: "my my email is"
    if len(words) > 6 and rng.random() < rate / 2:
        words.insert(rng.randrange(2, len(words) - 1), rng.choice(FILLERS[:2]))
    return " ".join(words)
