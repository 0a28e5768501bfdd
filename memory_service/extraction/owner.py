"""Whose value it is, and whether it is current: the words around a value in a customer turn.

"my wife's email is ...", "the store's number is ...", "you can reach her at ..." give
someone else's details; "my old address was ...", "I moved from ...", "... is not my email
anymore" give a value that is no longer the customer's. Only the clause the value is in is read.
"""

from __future__ import annotations

import re

OTHER_PARTIES = (
    r"wife|husband|partner|spouse|son|daughter|mom|mum|mother|dad|father|brother|sister|friend|boss|colleague|"
    r"coworker|co-worker|neighbou?r|kids?|child|children|grand(?:ma|mother|pa|father|son|daughter)|aunt|uncle|"
    r"cousin|room-?mate|flat-?mate|landlord|landlady|girlfriend|boyfriend|fianc[eé]e?|parents?|in-laws?|"
    r"store|shop|courier|driver|branch|restaurant|pharmacy|warehouse|manager|doctor|dentist|school|"
    r"assistant|secretary|agent|technician|delivery (?:guy|man|person|company)|seller|vendor|supplier|"
    r"office|dealer|dealership|bank|hotel|clinic|neighbor|caregiver|nurse|lawyer|accountant|tenant|buddy"
)
TRAIT_NOUN = r"e-?mail|number|phone|cell|mobile|line|address|name|contact|details|info|landline|whatsapp"
SOMEONE_ELSE_RE = re.compile(
    rf"\b(?:his|her|their|your)\s+(?:\w+\s+)?(?:{TRAIT_NOUN})\b"
    rf"|\b(?!(?:it|that|what|here|there|where|who|let|one|name|email|number|address)['\u2019]s)\w+['\u2019]s\s+"
    rf"(?:\w+\s+)?(?:{TRAIT_NOUN})\b"
    rf"|\b(?:my|the|our|a|his|her|their|your)\s+(?:\w+\s+)?(?:{OTHER_PARTIES})\b(?![\s,]+(?:and|&) (?:i|me)\b)"
    rf"|\b(?:reach|call|text|email|contact|ring)\s+(?:him|her|them)\b|\b(?:he|she|they)(?:['\u2019]s| is| are)\b",
    re.IGNORECASE,
)
# Joint values: 'my wife and I moved to ...' is the customer's address too.
JOINT_RE = re.compile(r"\b(?:and|&) (?:i|me)\b|\bwe\b|\bour\b|\bus\b", re.IGNORECASE)
NOT_CURRENT_BEFORE_RE = re.compile(
    r"\b(?:old|previous|former|prior|used to(?: be| live at| have)?|no longer|moved (?:out )?(?:from|out of)|"
    r"(?:is|was)n'?t|not|instead of|rather than|wrong|typo)\b",
    re.IGNORECASE,
)
NOT_CURRENT_AFTER_RE = re.compile(
    r"^[\s,)\-]*(?:(?:is|was|that'?s|which is)\s+)?(?:not|no longer|my old|the old|old|wrong|a typo|incorrect)\b"
    r"|^[^.!?]{0,40}\b(?:anymore|any more|no longer|not (?:mine|current|right|correct))\b",
    re.IGNORECASE,
)
# Where a clause starts: a sentence end, a semicolon, 'but', a comma or 'and' then a pronoun.
CLAUSE_BREAK_RE = re.compile(r"[.!?;]\s|\bbut\b|,\s*(?:and\s+)?(?=(?:it|my|the|i|that|this)\b)|\band\b", re.I)


def clause_before(text: str, start: int, floor: int = 0) -> str:
    """The words of the value's clause that come before it (and after `floor`, the end of the
    value said before it: 'moved from <old> to <new>')."""
    before = text[floor:start]
    breaks = [m.end() for m in CLAUSE_BREAK_RE.finditer(before)]
    return before[breaks[-1] :] if breaks else before


def belongs_to_someone_else(text: str, start: int, floor: int = 0) -> bool:
    before = clause_before(text, start, floor)
    marker = SOMEONE_ELSE_RE.search(before)
    return marker is not None and not JOINT_RE.search(before[marker.start() :])


def is_superseded(text: str, start: int, end: int, floor: int = 0) -> bool:
    """Said as a former or wrong value: 'my old email was ...', '... not that one'."""
    before = clause_before(text, start, floor)
    if NOT_CURRENT_BEFORE_RE.search(before):
        return True
    return NOT_CURRENT_AFTER_RE.search(text[end:]) is not None


def is_customers(text: str, start: int, end: int, floor: int = 0) -> bool:
    return not belongs_to_someone_else(text, start, floor) and not is_superseded(text, start, end, floor)
