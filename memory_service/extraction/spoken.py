"""Spoken forms rewritten as written ones, before the phone, email and address matchers run.

Speech recognition writes what was said: "five five five, one two three four", "double
seven", "oh" for zero, "j dot smith at gmail dot com", "j o h n underscore doe at ...".
`written()` turns such runs into "5551234", "77", "0", "j.smith@gmail.com" and leaves
everything else as it was, so character offsets past a rewrite shift but words do not.
"""

from __future__ import annotations

import re

UNITS = {w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine".split())}
ZEROS = {"oh", "o", "nought", "nil"}
TEENS = {w: str(10 + i) for i, w in enumerate(
    "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split())}  # fmt: skip
TENS = {w: str(20 + 10 * i) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
REPEATS = {"double": 2, "triple": 3, "treble": 3}
NUMBER_WORD = "|".join([*UNITS, *ZEROS, *TEENS, *TENS, "hundred", "thousand", *REPEATS, r"\d+"])
# A run of number words; separators between them are spaces, commas, dashes or full stops.
NUMBER_RUN_RE = re.compile(rf"\b(?:{NUMBER_WORD})\b(?:[\s,.\-]+\b(?:{NUMBER_WORD})\b)*", re.IGNORECASE)
TLDS = frozenset(
    "com net org edu gov io co uk us ca de in info biz me au fr es it nl ie nz uk ai app dev mail email tv "
    "online store shop xyz".split()
)
# Only a known top-level domain ends the address, so 'email me at b dot ruiz at example dot net'
# does not read 'b dot ruiz' as a domain and swallow the 'at' of the real one.
TLD = "(?:" + "|".join(sorted(TLDS, key=len, reverse=True)) + ")"
DOT = r"(?:dot|period|point)"
CONNECTORS = {"dot": ".", "period": ".", "point": ".", "underscore": "_", "under score": "_",
              "dash": "-", "hyphen": "-", "minus": "-", "plus": "+"}  # fmt: skip
CONNECTOR = r"(?:dot|period|point|underscore|under score|dash|hyphen|minus|plus)"
# "at", "at sign", "at the rate" (Indian English) before the domain.
AT = r"(?:at(?: the rate(?: of)?| sign)?|@)"
LOCAL_TOKEN = r"[a-z0-9][a-z0-9._\-+]*"
DOMAIN_TOKEN = r"[a-z0-9][a-z0-9\-]*"
SPOKEN_EMAIL_RE = re.compile(
    rf"(?<!['\u2019])\b(?P<local>{LOCAL_TOKEN}(?:\s+(?:{CONNECTOR}\s+)?{LOCAL_TOKEN}){{0,20}}?)\s+{AT}\s+"
    rf"(?P<domain>{DOMAIN_TOKEN}(?:(?:\s+{CONNECTOR}\s+|-){DOMAIN_TOKEN}){{0,3}}?"
    rf"(?:\s+{DOT}\s+|\.)(?P<tld>{TLD})(?:(?:\s+{DOT}\s+|\.)[a-z]{{2}})?)\b",
    re.IGNORECASE,
)
# Words that end the local part going backwards: cue words said before the address.
LOCAL_STOP = frozenset(
    "is it's its it was email e-mail mail address my the me reach at to and yes yeah sure ok okay so um uh "
    "that's thats use send please try no actually sorry meant make that be should now new on from "
    "changed change update updated switch switched".split()
)


def _run_digits(run: str) -> str | None:
    """'five five five' -> '555'; 'double seven' -> '77'; 'twenty three' -> '23'. None when the
    run reads as a quantity ('two', 'twenty') rather than digits said one after another."""
    tokens = [t for t in re.split(r"[\s,.\-]+", run.lower()) if t]
    if len(tokens) == 1:
        return None
    out: list[str] = []
    repeat, i = 1, 0
    while i < len(tokens):
        token, nxt = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in REPEATS:
            repeat = REPEATS[token]
        elif token.isdigit() or token in UNITS or token in ZEROS:
            out.append((token if token.isdigit() else UNITS.get(token, "0")) * repeat)
            repeat = 1
        elif token in TEENS:
            out.append(TEENS[token])
        elif token in TENS:
            paired = nxt in UNITS and nxt != "zero"
            out.append(TENS[token][0] + UNITS[nxt] if paired else TENS[token])
            i += paired
        elif token in ("hundred", "thousand") and out and len(out[-1]) == 1:
            out[-1] += "00" if token == "hundred" else "000"
            rest = _run_digits(" ".join(tokens[i + 1 : i + 3])) or (TEENS.get(nxt) or TENS.get(nxt) or UNITS.get(nxt))
            if rest and len(rest) < len(out[-1]):  # 'one hundred twenty three' -> 123
                out[-1] = out[-1][: len(out[-1]) - len(rest)] + rest
                i += 2 if len(tokens) > i + 2 and rest == _run_digits(" ".join(tokens[i + 1 : i + 3])) else 1
        i += 1
    return "".join(out) or None


STREET_TYPES = (
    "street|st|avenue|ave|av|road|rd|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|terrace|terr|ter|"
    "circle|cir|crescent|cres|close|cl|parkway|pkwy|highway|hwy|square|sq|trail|trl|row|gardens|gdns|grove|gr|"
    "mews|walk|hill|view|park|green|rise|hollow|loop|path|pike|plaza|alley|wharf|quay|parade|esplanade"
)
# One number word before a street name is the house number: 'twelve elm street'.
HOUSE_NUMBER_RE = re.compile(
    rf"\b(?P<n>(?:{'|'.join([*UNITS, *TEENS, *TENS])})(?:[\s-]+(?:{'|'.join(UNITS)}))?)"
    rf"(?=\s+(?:[a-z]+\s+){{0,2}}(?:{STREET_TYPES})\b)",
    re.IGNORECASE,
)


# 'flat one, forty pilgrim street' is flat 1 at number 40, not number 140.
UNIT_BEFORE_RE = re.compile(r"\b(?:flat|unit|apt|apartment|suite|ste)\s*$", re.IGNORECASE)


def _unit_then_house(run: str) -> str:
    tokens = [t for t in re.split(r"[\s,.\-]+", run) if t]
    low = [t.lower() for t in tokens]
    first = 2 if len(low) > 1 and low[0] in TENS and low[1] in UNITS and low[1] != "zero" else 1
    unit = _run_digits(" ".join(tokens[:first]) + " ") if first == 2 else _single(tokens[0])
    rest = " ".join(tokens[first:])
    if not rest:
        return unit or run
    house = _run_digits(rest) or _single(rest)
    return f"{unit} {house}"


# 'the new one', 'my old one', 'which one': 'one' after these is a pronoun, not a digit.
PRONOUN_ONE_BEFORE_RE = re.compile(
    r"\b(?:new|old|other|another|which|each|every|right|wrong|same|last|next|only|correct|"
    r"current|previous|main|home|work|personal|latest)\s+$",
    re.IGNORECASE,
)
LETTER_O_RE = re.compile(r"o\b[\s,.\-]+", re.IGNORECASE)
CONNECTOR_BEFORE_RE = re.compile(r"\b(?:dot|underscore|dash|hyphen)\s+$", re.IGNORECASE)
ONE_PRONOUN_RE = re.compile(r"one\b(?:[\s,.\-]+one\b)*[\s,.\-]*", re.IGNORECASE)
PLUS_RE = re.compile(r"\bplus\s+(?=\d{6,})", re.IGNORECASE)


def _digits(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        run = match.group(0)
        initial = LETTER_O_RE.match(run)
        if initial and CONNECTOR_BEFORE_RE.search(match.string[: match.start()]):
            # 'lindqvist dot o one nine six four': after 'dot' the 'o' is an initial, not a zero.
            rest = run[initial.end() :]
            return run[: initial.end()] + (_run_digits(rest) or _single(rest.strip()) if rest.strip() else rest)
        pronoun = ONE_PRONOUN_RE.match(run)
        if pronoun and PRONOUN_ONE_BEFORE_RE.search(match.string[: match.start()]):
            # 'the new one one is 109 ...' (a stutter): that 'one' is a pronoun, not a digit.
            rest = run[pronoun.end() :]
            rest_digits = _run_digits(rest) if rest.strip() else None
            return run[: pronoun.end()] + (rest_digits if rest_digits is not None else rest)
        # "oh" and "o" alone are interjections; only inside a run of digits are they zero.
        if run.lower() in ZEROS or run.lower() in REPEATS:
            return run
        tokens = re.split(r"[\s,.\-]+", run.lower())
        if all(t.isdigit() for t in tokens if t):
            return run  # written digits are left to the matchers: 'Flat 2, 240 ...' is two numbers
        if any(t in ZEROS for t in tokens) and any(t.isdigit() and len(t) > 1 for t in tokens):
            return run  # 'Columbus, OH 43215': a state before a written zip, not a zero
        if UNIT_BEFORE_RE.search(match.string[: match.start()]):
            return _unit_then_house(run)
        digits = _run_digits(run)
        return run if digits is None else digits

    text = NUMBER_RUN_RE.sub(replace, text)
    text = PLUS_RE.sub("+", text)  # 'plus four four ...' -> '+44...'
    return HOUSE_NUMBER_RE.sub(lambda m: _run_digits(m.group("n")) or _single(m.group("n")), text)


def _single(word: str) -> str:
    word = word.lower()
    return UNITS.get(word) or TEENS.get(word) or TENS.get(word) or word


SPOKEN_DIGIT_WORDS = frozenset([*UNITS, *TEENS, *TENS])


def _split_local(raw: str) -> tuple[str, str]:
    """The words before 'at', back to the first cue word, as a local part, and what precedes
    them: 'my email is j dot smith' -> ('my email is ', 'j.smith')."""
    tokens = raw.split()
    kept: list[str] = []
    for token in reversed(tokens):
        if token.lower().strip(",") in LOCAL_STOP and (not kept or kept[-1].lower() not in CONNECTORS):
            break
        kept.append(token.strip(","))
    kept.reverse()
    # A number word said on its own inside a spelled-out address is a digit: 'quinlan eight'
    # -> 'quinlan8' (runs of them were already rewritten by _digits; 'oh' may be the letter o).
    kept = [_single(t) if t.lower() in SPOKEN_DIGIT_WORDS else t for t in kept]
    local = re.sub(rf"\s*\b{CONNECTOR}\b\s*", lambda m: CONNECTORS[" ".join(m.group(0).split()).lower()],
                   " ".join(kept), flags=re.IGNORECASE)  # fmt: skip
    prefix = " ".join(tokens[: len(tokens) - len(kept)])
    return (prefix + " " if prefix else ""), local.replace(" ", "").strip("._-+")


def _is_plain_word(local: str) -> bool:
    return local.isalpha() and len(local) > 1


def _emails(text: str, *, email_context: bool) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("tld").lower() not in TLDS:
            return match.group(0)
        prefix, local = _split_local(match.group("local"))
        # 'my order at amazon dot com' is a shop, not an address, unless an email was in question.
        domain = re.sub(rf"\s*\b{DOT}\b\s*", ".", match.group("domain"), flags=re.IGNORECASE)
        mailbox = domain.split(".")[0].lower() in MAIL_PROVIDERS
        # 'at example dot com' is how an address is spelled out, unless a purchase is 'at' a shop.
        spelled = re.search(rf"\b{DOT}\b", match.group("domain"), re.IGNORECASE) is not None
        spelled = spelled and local.lower() not in NOT_MAILBOXES
        if not local or (_is_plain_word(local) and not (email_context or mailbox or spelled)):
            return match.group(0)
        domain = re.sub(rf"\s*\b{CONNECTOR}\b\s*", "-", domain, flags=re.IGNORECASE).replace(" ", "")
        return f"{prefix}{local.lower()}@{domain.lower()}"

    return SPOKEN_EMAIL_RE.sub(replace, text)


NOT_MAILBOXES = frozenset(
    "order orders package parcel item items stuff it them purchase account shopping bought ordered one this that "
    "website site page online store shop".split()
)
MAIL_PROVIDERS = frozenset(
    "gmail googlemail yahoo hotmail outlook live msn icloud me mac aol proton protonmail gmx mail zoho yandex "
    "comcast verizon att btinternet sky rediffmail fastmail hey".split()
)
EMAIL_CUE_RE = re.compile(r"\b(?:e-?mail|mail|inbox)\b", re.IGNORECASE)


FILLERS_RE = re.compile(r"(?<![\w'])(?:um+|uh+|uhm+|erm+|er|ah+|hmm+)(?![\w'])[,.]?\s*", re.IGNORECASE)
# A word said twice in a row ('my my email', 'it's it's'); digits are left alone ('five five').
# Whole words only: the 's' of "it's s dot abernathy" is no stutter.
REPEAT_RE = re.compile(rf"(?<![\w'\u2019])\b(?!(?:{NUMBER_WORD})\b)([a-z']+)\s+\1\b", re.IGNORECASE)


def fluent(text: str) -> str:
    """Hesitations and stutters of a speech transcript removed: 'the name um on the account'."""
    text = FILLERS_RE.sub("", text)
    return REPEAT_RE.sub(r"\1", text)


def written(text: str, *, email_context: bool = False) -> str:
    """The text with hesitations removed and spoken digit runs and email addresses in written form."""
    email_context = email_context or bool(EMAIL_CUE_RE.search(text))
    return _emails(_digits(fluent(text)), email_context=email_context)
