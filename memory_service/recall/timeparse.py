"""Time expressions in a query ("last month", "yesterday", "3 weeks ago", "in March", "in 2023",
"on 1 May, 2022", "in April 2022").

The window is a soft preference (recall boosts units inside it, never drops the rest): a
question's phrasing is a hint, and a wrong guess must not hide the evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "a few": 3,
            "couple of": 2, "a couple of": 2, "several": 4}  # fmt: skip
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]  # fmt: skip
_AGO = re.compile(r"\b(\d+|a couple of|couple of|a few|several|an?|one|two|three|four|five|six)\s+"
                  r"(day|week|month|year)s?\s+ago\b")  # fmt: skip
_LAST = re.compile(r"\b(?:last|past|previous)\s+(day|week|month|year)\b")
_IN_MONTH = re.compile(r"\bin\s+(" + "|".join(_MONTHS) + r")\b")
_IN_YEAR = re.compile(r"\bin\s+((?:19|20)\d\d)\b")
_MONTH = "(" + "|".join(_MONTHS) + r"|" + "|".join(m[:3] for m in _MONTHS) + r")\.?"
_YEAR = r"((?:19|20)\d\d)"
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + r"\b")
_MONTH_DAY_YEAR = re.compile(r"\b" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR + r"\b")
_MONTH_YEAR = re.compile(r"\b" + _MONTH + r",?\s+" + _YEAR + r"\b")
# What happened on a day is told on that day or in the days after it; a month, up to mid next month.
DAY_AFTER = timedelta(days=8)
MONTH_AFTER = timedelta(days=15)
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}  # first month (northern hemisphere)
_SEASON = re.compile(r"\b(?:in|during|over|this|last|that)\s+(?:the\s+)?(spring|summer|autumn|fall|winter)\b"
                     r"(?:\s+(?:of\s+)?((?:19|20)\d\d))?")  # fmt: skip
_TEMPORAL = re.compile(r"\b(when|how long|how many (?:days|weeks|months|years)|first|last time|recently|latest)\b")


@dataclass(frozen=True)
class TimeWindow:
    start: datetime
    end: datetime

    def contains(self, at: datetime | None) -> bool:
        return at is not None and self.start <= at <= self.end


def _month(name: str) -> int:
    return next(i for i, m in enumerate(_MONTHS, start=1) if m.startswith(name))


def _absolute(text: str, now: datetime) -> TimeWindow | None:
    """A calendar date or month with its year: where the query names one, it means it."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    day: tuple[int, int, int] | None = None
    if m := _DAY_MONTH_YEAR.search(text):
        day = (int(m.group(3)), _month(m.group(2)), int(m.group(1)))
    elif m := _MONTH_DAY_YEAR.search(text):
        day = (int(m.group(3)), _month(m.group(1)), int(m.group(2)))
    if day is not None:
        try:
            start = midnight.replace(year=day[0], month=day[1], day=day[2])
        except ValueError:
            return None
        return TimeWindow(start - timedelta(days=1), start + DAY_AFTER)
    if m := _MONTH_YEAR.search(text):
        start = midnight.replace(year=int(m.group(2)), month=_month(m.group(1)), day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return TimeWindow(start, end + MONTH_AFTER)
    return None


def _latest(month: int, anchor: datetime) -> datetime:
    """The first of the latest `month` that has begun by `anchor`."""
    year = anchor.year if month <= anchor.month else anchor.year - 1
    return anchor.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


def _months_window(start: datetime, months: int) -> TimeWindow:
    end = start
    for _ in range(months):
        end = (end + timedelta(days=32)).replace(day=1)
    return TimeWindow(start, end + MONTH_AFTER)


def parse_window(query: str, *, now: datetime, history_end: datetime | None = None) -> TimeWindow | None:
    """`history_end` (the newest memory at hand) anchors a month or season named without its year:
    "in June" is the latest June the customer's history reaches, not the calendar's."""
    text = query.lower()
    anchor = min(now, history_end) if history_end is not None else now
    if window := _absolute(text, now):
        return window
    if "yesterday" in text:
        return TimeWindow(now - timedelta(days=2), now)
    if m := _AGO.search(text):
        n = int(m.group(1)) if m.group(1).isdigit() else _NUMBERS[m.group(1)]
        days = n * _UNITS[m.group(2)]
        slack = max(2, days // 3)
        return TimeWindow(now - timedelta(days=days + slack), now - timedelta(days=max(days - slack, 0)))
    if m := _LAST.search(text):
        days = _UNITS[m.group(1)]
        return TimeWindow(now - timedelta(days=2 * days), now)
    if m := _IN_YEAR.search(text):
        year = int(m.group(1))
        return TimeWindow(now.replace(year=year, month=1, day=1, hour=0, minute=0, second=0, microsecond=0),
                          now.replace(year=year, month=12, day=31, hour=23, minute=59, second=59))  # fmt: skip
    if m := _SEASON.search(text):
        first = _SEASONS[m.group(1)]
        start = _latest(first, anchor)
        if m.group(2):
            start = start.replace(year=int(m.group(2)))
        return _months_window(start, 3)
    if m := _IN_MONTH.search(text):
        return _months_window(_latest(_MONTHS.index(m.group(1)) + 1, anchor), 1)
    return None


def is_temporal(query: str) -> bool:
    """Questions about when something happened: dates matter, recency should not decide."""
    return bool(_TEMPORAL.search(query.lower()))
