"""Passcodes and passwords that are words, not digits ("my password is bluebird7").

Digit passcodes are number runs and handled with the other cue-based codes; these are the values that
follow a passcode cue and a connector ("is", ":"), or the short answer to an agent who just asked.
"""

from __future__ import annotations

import re

from memory_service.redaction.models import Finding, SecretKind

_CUE = (
    r"(?P<cue>(?:verbal\s+|voice\s+)?(?:password|passcode|pass\s+code|passphrase|pass\s+phrase|security\s+word|"
    r"secret\s+word|security\s+phrase|access\s+code|verification\s+code|one[-\s]time\s+code|pin))"
)
_VALUE = r"[\"'\u201c\u2018]?(?P<value>[^\s\"'\u201d\u2019,;!?]+?)[\"'\u201d\u2019]?(?=[\s,;!?]|\.(?:\s|$)|$)"
# "the passcode on the account is harbor38": up to four words between the cue and "is".
_STATED = re.compile(
    rf"\b{_CUE}(?:\s+[\w']+){{0,4}}?\s*(?:is|was|would\s+be|should\s+be|=|:|\s-\s)\s*(?:probably\s+|just\s+)?{_VALUE}",
    re.IGNORECASE,
)
# "pin bluebird99": right after the cue, a value that mixes letters and digits cannot be an ordinary word.
_BARE = re.compile(rf"\b{_CUE}\s+(?P<value>(?=[A-Za-z-]*\d)(?=\d*[A-Za-z])[A-Za-z0-9-]{{4,}})\b", re.IGNORECASE)
# The whole answer to "what's your password?": "it's bluebird7", "sure, it is Maple-22".
_ANSWER = re.compile(
    rf"^\W*(?:(?:yes|yeah|yep|sure|ok|okay|um+|uh+|so|right)\W+)*(?:it'?s|it\s+is|that'?s|that\s+is|"
    rf"my\s+\w+\s+is)\s+{_VALUE}",
    re.IGNORECASE,
)
# Words that follow "password is" in complaints, not as the password itself.
_NOT_A_VALUE = frozenset(
    "a an the my your it this that not wrong incorrect invalid expired locked reset changed set working "
    "broken correct right fine same still no never being getting too missing required needed different "
    "new old gone lost forgotten blank empty case sensitive".split()
)
_PASS_KINDS = {SecretKind.PASSCODE, SecretKind.PIN}


def _value_finding(text: str, match: re.Match[str], group: str = "value") -> Finding | None:
    start, end = match.start(group), match.end(group)
    value = text[start:end]
    if value.lower() in _NOT_A_VALUE or not any(ch.isalpha() for ch in value):
        return None  # digits alone are number runs, judged with the other codes
    cue = match.groupdict().get("cue") or ""
    kind = SecretKind.PIN if cue.lower() == "pin" else SecretKind.PASSCODE
    return Finding(start, end, kind)


def word_passcodes(text: str, asked: list[str]) -> list[Finding]:
    found = [f for pattern in (_STATED, _BARE) for m in pattern.finditer(text) if (f := _value_finding(text, m))]
    if _PASS_KINDS.intersection(asked):
        m = _ANSWER.match(text)
        if m and (f := _value_finding(text, m)):
            found.append(f)
    return found
