"""Lexicon sentiment of the customer over one interaction: a label, a score in [-1, 1], and
the utterances that carry it (those with at least one sentiment word)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

POSITIVE = frozenset(
    "thanks thank great good excellent amazing awesome perfect love loved lovely happy glad pleased appreciate "
    "appreciated helpful wonderful fantastic nice fine resolved fixed quick quickly easy satisfied best "
    "brilliant super kind friendly enjoy enjoyed fun excited relieved".split()
)
NEGATIVE = frozenset(
    "bad terrible awful horrible worst angry annoyed annoying frustrated frustrating disappointed "
    "disappointing unhappy upset ridiculous unacceptable useless broken damaged wrong late delayed never "
    "problem issue poor slow hate hated rude waste wasted cancel complaint complain worried sad sick "
    "stressed tired unfortunately sucks expensive missing lost".split()
)
NEGATORS = frozenset({"not", "no", "never", "n't", "dont", "don't", "isn't", "wasn't", "didn't", "hardly"})
INTENSIFIERS = frozenset({"very", "really", "so", "extremely", "absolutely", "totally"})
_WORD_RE = re.compile(r"[a-z']+")


@dataclass
class SentimentReading:
    label: str
    score: float
    utterance_ids: list[str] = field(default_factory=list)


def score_text(text: str) -> float:
    """Sum of word polarities, flipped after a negator (within 3 words), doubled by intensifiers."""
    words = _WORD_RE.findall(text.lower().replace("\u2019", "'"))
    total = 0.0
    for i, word in enumerate(words):
        polarity = 1.0 if word in POSITIVE else -1.0 if word in NEGATIVE else 0.0
        if not polarity:
            continue
        window = words[max(0, i - 3) : i]
        if any(w in NEGATORS or w.endswith("n't") for w in window):
            polarity = -polarity * 0.75
        if window and window[-1] in INTENSIFIERS:
            polarity *= 1.5
        total += polarity
    return total


def interaction_sentiment(utterances: list[tuple[str, str]]) -> SentimentReading | None:
    """utterances: (id, text) of the customer. None when nothing the customer said carries sentiment."""
    scores = [(uid, score_text(text)) for uid, text in utterances]
    carrying = [(uid, s) for uid, s in scores if s]
    if not carrying:
        return None
    # Later utterances weigh more: how the customer ends the interaction matters most.
    weights = [1.0 + i / len(carrying) for i in range(len(carrying))]
    raw = sum(w * s for w, (_, s) in zip(weights, carrying, strict=True)) / sum(weights)
    score = max(-1.0, min(1.0, raw / 2))
    label = "positive" if score >= 0.15 else "negative" if score <= -0.15 else "neutral"
    return SentimentReading(label=label, score=round(score, 3), utterance_ids=[uid for uid, _ in carrying])
