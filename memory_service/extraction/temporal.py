"""Resolve date expressions ("last Tuesday", "next month", "in 3 days", "May 8") to ISO dates.

The reference is the utterance time (or the interaction's start). ``future`` says which way
a bare weekday points: a commitment's "by Friday" is the coming Friday, a customer's "on
Friday it broke" the last one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
UNITS = {"day": "days", "week": "weeks", "month": "months", "year": "years"}
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "couple of": 2, "few": 3}  # fmt: skip
_NUM = r"(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|couple of|few)"
_WD = "|".join(WEEKDAYS)
RELATIVE_RE = re.compile(
    rf"\b(?:(?P<simple>yesterday|today|tonight|tomorrow|the day before yesterday|the day after tomorrow)"
    rf"|(?P<dir>last|next|this|coming|past)\s+(?P<what>{_WD}|week(?:end)?|month|year)"
    rf"|(?:on|by|until|before)\s+(?P<bare>{_WD})"
    rf"|(?P<ago>{_NUM})\s+(?P<ago_unit>day|week|month|year)s?\s+ago"
    rf"|(?:in|within)\s+(?P<in>{_NUM})\s+(?P<in_unit>day|week|month|year)s?)\b",
    re.IGNORECASE,
)
MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_MON = rf"(?:{MONTHS}|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?"
ABSOLUTE_RE = re.compile(
    rf"\b(?:{_MON}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}"
    rf"(?:,?\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ResolvedDate:
    text: str
    date: date

    def as_dict(self) -> dict[str, str]:
        return {"text": self.text, "date": self.date.isoformat()}


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word.lower(), 1)


def _weekday(day: date, name: str, *, future: bool, this: bool = False) -> date:
    target = WEEKDAYS.index(name.lower())
    delta = target - day.weekday()
    if this:
        return day + timedelta(days=delta)
    if future:
        return day + timedelta(days=delta if delta > 0 else delta + 7)
    return day + timedelta(days=delta if delta < 0 else delta - 7)


def _directional(day: date, direction: str, what: str) -> date:
    direction, what = direction.lower(), what.lower()
    sign = -1 if direction in ("last", "past") else (0 if direction == "this" else 1)
    if what in WEEKDAYS:
        return _weekday(day, what, future=sign >= 0, this=sign == 0)
    if what == "weekend":
        saturday = _weekday(day, "saturday", future=sign >= 0, this=sign == 0)
        return saturday
    unit = UNITS[what]
    return day + relativedelta(**{unit: sign})  # type: ignore[arg-type]


def _relative(match: re.Match[str], day: date, *, future: bool) -> date:
    groups = match.groupdict()
    if groups["simple"]:
        offsets = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1,
                   "the day before yesterday": -2, "the day after tomorrow": 2}  # fmt: skip
        return day + timedelta(days=offsets[groups["simple"].lower()])
    if groups["dir"]:
        return _directional(day, groups["dir"], groups["what"])
    if groups["bare"]:
        return _weekday(day, groups["bare"], future=future)
    if groups["ago"]:
        unit = UNITS[groups["ago_unit"].lower()]
        return day - relativedelta(**{unit: _number(groups["ago"])})  # type: ignore[arg-type]
    unit = UNITS[groups["in_unit"].lower()]
    return day + relativedelta(**{unit: _number(groups["in"])})  # type: ignore[arg-type]


def _absolute(text: str, reference: datetime, *, future: bool) -> date | None:
    try:
        parsed = date_parser.parse(text, default=reference.replace(tzinfo=None), fuzzy=True).date()
    except (ValueError, OverflowError):
        return None
    if not re.search(r"\d{4}", text):  # no year given: the nearest one in the right direction
        if future and parsed < reference.date():
            parsed = parsed + relativedelta(years=1)
        elif not future and parsed > reference.date() + timedelta(days=1):
            parsed = parsed - relativedelta(years=1)
    return parsed


def resolve_dates(text: str, reference: datetime, *, future: bool = False) -> list[ResolvedDate]:
    found: list[ResolvedDate] = []
    day = reference.date()
    for match in RELATIVE_RE.finditer(text):
        found.append(ResolvedDate(match.group(0), _relative(match, day, future=future)))
    for match in ABSOLUTE_RE.finditer(text):
        resolved = _absolute(match.group(0), reference, future=future)
        if resolved is not None:
            found.append(ResolvedDate(match.group(0), resolved))
    return found
