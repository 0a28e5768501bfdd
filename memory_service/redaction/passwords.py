"""Passcodes and passwords that are words, not digits ("my password is bluebird7").

Digit passcodes are number runs and handled with the other cue-based codes; these are the values that
follow a passcode cue and a connector ("is", ":"), or the short answer to an agent who just asked.
"""

from __future__ import annotations

import re

from memory_service.redaction.models import Finding, SecretKind

_CUE = (
    r"(?:verbal\s+|voice\s+)?(?:password|passcode|pass\s+code|passphrase|pass\s+phrase|security\s+word|"
    r"secret\s+word|security\s+phrase|access\s+code|verification\s+code|one[-\s]time\s+code|pin)"
)
_VALUE = r"[\"'\u201c\u2018]?(?P<value>[^\s\"'\u201d\u2019,;!?]+?)[\"'\u201d\u2019]?(?=[\s,;!?]|\.(?:\s|$)|$)"
_STATED = re.compile(
    rf"\b{_CUE}\s*(?:is|was|would\s+be|should\s+be|=|:|-)\s*(?:probably\s+|just\s+)?{_VALUE}",
    re.IGNORECASE,
)
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
_PASS_KINDS = {SecretKind.PASSCODE}


def _value_finding(text: str, start: int, end: int) -> Finding | None:
    value = text[start:end]
    if value.lower() in _NOT_A_VALUE or value.isdigit() or not any(ch.isalnum() for ch in value):
        return None  # digits alone are number runs, judged with the other codes
    return Finding(start, end, SecretKind.PASSCODE)


def word_passcodes(text: str, asked: list[str]) -> list[Finding]:
    found = [f for m in _STATED.finditer(text) if (f := _value_finding(text, m.start("value"), m.end("value")))]
    if _PASS_KINDS.intersection(asked):
        m = _ANSWER.match(text)
        if m and (f := _value_finding(text, m.start("value"), m.end("value"))):
            found.append(f)
    return found

