"""Phone numbers: found in running text and written as E.164 by `phonenumbers` (libphonenumber).

National numbers are read with a default region ("US", "GB", ...). Older callers pass a
country calling code ("1", "44"); it stands for that code's main region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, NumberParseException, PhoneNumberFormat, PhoneNumberMatcher, ValidationResult

from memory_service.config import region_for  # re-exported for callers here

# Numbers said with spaces or dashes between digit groups; the matcher needs at least 7 digits.
_MIN_DIGITS, _MAX_DIGITS = 7, 15


def _e164(number: phonenumbers.PhoneNumber) -> str | None:
    # POSSIBLE, not VALID: fictional and reserved ranges (555-01xx, UK 07700 900xxx) are
    # what test data and many CRMs hold, and they still identify one person.
    # A local-only number (7 US digits) names no one without its area code.
    if phonenumbers.is_possible_number_with_reason(number) != ValidationResult.IS_POSSIBLE:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def normalize_phone(value: str, *, default_country_code: str = "1", region: str | None = None) -> str | None:
    """E.164 when the text is a possible number, else None.

    '+44 (0)7700 900123' -> '+447700900123'; '07700 900123' with region GB -> '+447700900123'.
    """
    text = value.strip()
    digits = re.sub(r"\D", "", text)
    if not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS + 2:
        return None
    if text.startswith("00"):  # the international prefix most of the world dials
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region or region_for(default_country_code))
    except NumberParseException:
        return None
    return _e164(number)


@dataclass(frozen=True)
class FoundPhone:
    value: str  # E.164
    start: int
    end: int
    raw: str


def find_phones(text: str, *, region: str) -> list[FoundPhone]:
    """Every possible phone number in the text, with its span."""
    found = []
    for match in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE):
        value = _e164(match.number)
        # A number said without its country code has at least 7 digits; shorter runs are house
        # numbers, postcodes and amounts that some plans (Germany's) would read as possible.
        national = not match.raw_string.lstrip().startswith(("+", "00"))
        if value is not None and not (national and len(re.sub(r"\D", "", match.raw_string)) < _MIN_DIGITS):
            found.append(FoundPhone(value, match.start, match.end, match.raw_string))
    return found
