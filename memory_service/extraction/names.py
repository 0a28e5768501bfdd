"""The customer's own name, said after a cue ("my name is", "this is", "it's", "call me"), before
one ("Ana Ruiz speaking", "Ana here"), or as the answer to the agent asking for it.

Typed text capitalises names; speech recognition often does not ("this is ana ruiz"). A
lower-case candidate after a weak cue counts when spaCy's entity recogniser reads it, title
cased in its sentence, as a PERSON, so "this is ridiculous" and "it's broken" stay out.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from spacy.lang.en.stop_words import STOP_WORDS

TITLES = r"(?:mr|mrs|ms|miss|mx|dr|prof|sir|madam)\.?"
# Letters of any script; apostrophes and hyphens inside ("O'Brien", "Smith-Jones", "Ó Súilleabháin").
LETTERS = r"[^\W\d_]+"
NAME_TOKEN = rf"{LETTERS}(?:['\u2019]{LETTERS})*(?:-{LETTERS}(?:['\u2019]{LETTERS})*)*"
# Not the start of an email or a dotted id ('it's w.okonkwobell@...'), nor a unit ('it's flat 10').
CANDIDATE = (
    rf"(?:{TITLES}\s+)?(?P<name>{NAME_TOKEN}(?:\s+{NAME_TOKEN}){{0,6}})\b(?![.@_\-]\w|\s+\d|\s+at\s+\S+\s+dot\b)"
)
STRONG_CUE_RE = re.compile(
    rf"\b(?:my (?:full |first |last )?name(?:'s| is)|(?:the )?name(?:'s| is)|call me|you can call me|"
    rf"it's spelled|surname is|name (?:on|for|under) (?:the|my|this) (?:\w+ )?(?:is|'s)|"
    rf"(?:put|book|file|place) (?:it|this|that|them|the \w+) under|(?:it'?s|it is|that'?s) under|"
    rf"name\b[^.?!]{{0,40}}?\bfrom {NAME_TOKEN}(?:\s+{NAME_TOKEN}){{0,4}} to)\s*[:,]?\s+{CANDIDATE}",
    re.IGNORECASE,
)
I_AM_RE = re.compile(r"^\W*(?:i'?m|i am)\s", re.IGNORECASE)
WEAK_CUE_RE = re.compile(rf"\b(?:i'?m|i am|this is|it'?s|it is|yes it'?s|that'?s)\s+{CANDIDATE}", re.IGNORECASE)
AFTER_CUE_RE = re.compile(
    rf"^\W*(?:(?:hi|hello|hey|yes|yeah|uh+|um+|er|oh|so|ok(?:ay)?)\W+)*(?:(?:i'?m|i am|this is|it'?s)\s+)?"
    rf"{CANDIDATE}\s+(?:speaking|here)\b",
    re.IGNORECASE,
)
FIRST_LAST_RE = re.compile(
    rf"\bfirst name(?: is|'s)?[:,]?\s+(?P<first>{NAME_TOKEN})[\s,]+(?:and\s+)?(?:my\s+)?"
    rf"(?:last name|surname|family name)(?: is|'s)?[:,]?\s+(?P<last>{NAME_TOKEN}(?:\s+{NAME_TOKEN}){{0,2}})",
    re.IGNORECASE,
)
CLOSINGS = (
    r"thanks|thank you|many thanks|thanks again|cheers|regards|kind regards|best regards|warm regards|best wishes|"
    r"best|sincerely|yours sincerely|yours truly|yours|all the best|take care|ta"
)
# A sign-off: the closing, then the name on its own line or at the end ('Kind regards,\nLiam Smith-Jones'),
# or a name line over a contact line ('Aoife Fitzgerald-Hughes\nMob: +49 ...').
SIGN_OFF_RE = re.compile(
    rf"(?:^|[\n.!]\s*)(?:{CLOSINGS})\s*[,!.\-]*(?P<sep>[ \t]*\n\s*|[ \t]+)"
    rf"(?P<name>{NAME_TOKEN}(?:[ \t]+{NAME_TOKEN}){{1,3}})[ \t.!]*(?:\n|$)"
    rf"|(?:^|\n)[ \t]*(?P<sep2>)(?P<name2>{NAME_TOKEN}(?:[ \t]+{NAME_TOKEN}){{1,3}})[ \t]*\n[ \t]*"
    rf"(?:mob|mobile|tel|phone|cell|m|t|e|email|direct)\b\.?\s*:",
    re.IGNORECASE,
)
TITLE_RE = re.compile(rf"^{TITLES}$", re.IGNORECASE)
# Words that end a name: what follows a name in a sentence, never part of it.
AFTER_NAME = frozenset(
    "speaking here calling and from with at on in of by for to about again please thanks thank sorry but so "
    "um uh er hmm yes yeah no okay ok".split()
)
NOT_NAMES = frozenset(
    "yes no sure okay ok thanks hello hi great fine good calling trying looking still just really actually "
    "sorry having getting going wondering hoping moving writing texting emailing ringing checking "
    "correct right wrong flat unit apartment apt suite house number mr mrs ms miss mx dr prof sir madam".split()
)
# Words of a company's or team's name rather than a person's ('thanks, Lumen Energy').
ORGANISATION_WORDS = frozenset(
    "team support service services care customer energy bank group company co ltd inc llc plc home store shop "
    "shops electric water gas telecom mobile insurance airline airlines hotel hotels express online".split()
)
OTHERS_BEFORE_RE = re.compile(r"(?:\b(?:his|her|their|its|your|our)|\w['\u2019]s)\s+(?:\w+\s+)?$", re.IGNORECASE)

# (text, start, end, loose): does the span read as a person's name; loose only rules out words
# that cannot be one (adjectives, verbs), for when the agent has just asked for the name.
PersonCheck = Callable[[str, int, int, bool], bool]


def _trim(candidate: str) -> list[str]:
    words: list[str] = []
    for word in candidate.split():
        bare = word.lower().strip("'\u2019")
        if bare in AFTER_NAME or (bare in STOP_WORDS and not words) or bare in NOT_NAMES:
            break
        if bare in STOP_WORDS:
            break
        words.append(word)
    return words


def _value(words: list[str]) -> str:
    words = _without_leading_surname(words)[:4]
    return " ".join(w if any(c.isupper() for c in w) else _title(w) for w in words)


def _without_leading_surname(words: list[str]) -> list[str]:
    """'mrs van der berg keisha van der berg' -> 'keisha van der berg': the title's surname, then
    the full name (hyphens and spaces alike)."""
    parts = [p.lower() for w in words for p in w.split("-")]
    for k in range(1, len(parts) // 2 + 1):
        if parts[:k] == parts[-k:] and len(parts) > 2 * k:
            skip, count = 0, 0
            while count < k:  # drop the words that made up those k parts
                count += len(words[skip].split("-"))
                skip += 1
            return words[skip:]
    return words


def _title(word: str) -> str:
    """'o'brien' -> "O'Brien", 'mary-jane' -> 'Mary-Jane'."""
    return re.sub(r"(^|[-'\u2019])([^\W\d_])", lambda m: m.group(1) + m.group(2).upper(), word.lower())


def _capitalised(words: list[str]) -> bool:
    return all(w[0].isupper() for w in words)


def find_names(text: str, *, is_person: PersonCheck, asked: bool = False) -> list[str]:
    """Names the speaker gives as their own. `is_person(text, start, end)` says whether the
    span reads as a person's name (spaCy on the title-cased sentence); when the agent has just
    asked for the name (`asked`), a weak cue ("it's ...") is enough."""
    out: list[str] = []
    if text.rstrip().endswith("?"):
        return out  # 'Is this Sarah?' asks about the other party
    for match in FIRST_LAST_RE.finditer(text):
        out.append(_value([*_trim(match.group("first")), *_trim(match.group("last"))]))
    out += _signed(text, is_person)
    for pattern, strong in ((STRONG_CUE_RE, True), (WEAK_CUE_RE, False), (AFTER_CUE_RE, True)):
        for match in pattern.finditer(text):
            if OTHERS_BEFORE_RE.search(text[: match.start()]):
                continue  # 'my son's name is Tom': someone else's
            words = _trim(match.group("name"))
            if not words:
                continue
            start = match.start("name")
            end = start + len(" ".join(words))
            if not strong and not asked and len(words) < 2:
                continue  # 'thanks, this is Liam' later must not replace the full name given before
            # 'I'm Beatriz Mbeki' typed with capitals: one introducing themself by a place's name
            # is rarer than the small model reading a rare name as a place (GPE).
            introduced = bool(I_AM_RE.search(match.group(0))) and len(words) >= 2 and _capitalised(words)
            if strong or is_person(text, start, end, asked or introduced):
                out.append(_value(words))
    return list(dict.fromkeys(out))


def _signed(text: str, is_person: PersonCheck) -> list[str]:
    """A full name signed under a closing; a first name alone is left out, as it would replace
    the full name the customer gave before."""
    out = []
    for match in SIGN_OFF_RE.finditer(text):
        group = "name" if match.group("name") else "name2"
        words = _trim(match.group(group))
        if len(words) < 2 or len(words) != len(match.group(group).split()):
            continue
        if ORGANISATION_WORDS & {w.lower() for w in words}:
            continue  # 'Thanks, Lumen Energy': a company signs, or is thanked
        on_own_line = group == "name2" or "\n" in match.group("sep")
        # A message that is nothing but the sign-off ('thanks, callum castellanos' by SMS) is
        # signed as surely as a name on its own line: only words that cannot be a name are out.
        whole_turn = not text[: match.start()].strip(" \t\n.!") and not text[match.end() :].strip()
        if on_own_line or is_person(text, match.start(group), match.end(group), whole_turn):
            out.append(_value(words))
    return out


FILLER_RE = re.compile(
    r"^\W*(?:(?:sure|yes|yeah|yep|ok(?:ay)?|um+|uh+|er|hi|hello|of course|certainly|no problem|so)\W+)*"
    r"(?:(?:it'?s|it is|this is|that'?s|i'?m|i am|my name is|name'?s|the name is)\s+)?",
    re.IGNORECASE,
)


def answered_name(text: str, *, is_person: PersonCheck) -> str | None:
    """The reply to 'Can I have your name?': 'Ana Ruiz', 'sure, it's ana ruiz', 'Dr. O'Brien'."""
    rest = FILLER_RE.sub("", text.strip(), count=1)
    rest = re.sub(rf"^{TITLES}\s+", "", rest, flags=re.IGNORECASE).strip().rstrip(".!")
    if not re.fullmatch(rf"{NAME_TOKEN}(?:\s+{NAME_TOKEN}){{0,3}}", rest):
        return None
    words = _trim(rest)
    if len(words) != len(rest.split()):
        return None
    start = text.find(rest)
    if (len(words) >= 2 or _capitalised(words)) and is_person(text, start, start + len(rest), True):
        return _value(words)
    if is_person(text, start, start + len(rest), False):
        return _value(words)
    return None


def fullest(found: list[str]) -> list[str]:
    """Names of one turn, less any that another contains ('Okafor' beside 'Esperanza Okafor')."""
    words = [set(n.lower().replace("-", " ").split()) for n in found]
    keep = [n for i, n in enumerate(found) if not any(i != j and words[i] < words[j] for j in range(len(found)))]
    return list(dict.fromkeys(keep))
