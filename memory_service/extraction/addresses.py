"""Street addresses (US, Canada, UK) in running text.

`pyap` finds complete addresses (number, street, town, state or province, postcode) for the
three countries; a spoken or typed address is often less than that ("12 Oak Street,
Springfield", "12 elm st apt 4b boise id 83702"), so a house number followed by a street type
starts a candidate too, and `usaddress` confirms that it reads as a street address. The tail
(unit, town, state, postcode) runs up to a postcode or to the first word that cannot be part
of an address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyap
import usaddress
from spacy.lang.en.stop_words import STOP_WORDS

from memory_service.extraction.spoken import STREET_TYPES

COUNTRIES = ("US", "CA", "GB")
UNIT = r"(?:flat|unit|apt\.?|apartment|suite|ste\.?|#)\s*[a-z0-9\-]+,?\s+"
STREET_RE = re.compile(
    rf"(?<![\w#])(?:{UNIT})?\d{{1,6}}[a-z]?(?:[-/]\d{{1,4}}[a-z]?)?,?\s+"
    rf"(?:(?:\d+(?:st|nd|rd|th)|[a-z][a-z'.\-]*)\s+){{0,4}}?(?:{STREET_TYPES})\b\.?(?:\s+(?:north|south|east|west|[nsew]{{1,2}})\b\.?)?",
    re.IGNORECASE,
)
POSTCODE_RE = re.compile(
    r"^(?:\d{5}(?:-\d{4})?|[a-z]\d[a-z]\s?\d[a-z]\d|[a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2})$", re.IGNORECASE
)
# Halves of a postcode said with a space ('m5h 2n2', 'sw1a 2aa').
POSTCODE_HALF_RE = re.compile(r"^(?:[a-z]\d[a-z]|[a-z]{1,2}\d[a-z\d]?)$", re.IGNORECASE)
UNIT_WORDS = frozenset({"apt", "apt.", "apartment", "unit", "suite", "ste", "ste.", "flat", "floor", "fl", "#"})
# Words that end an address however they are tagged.
NOT_PLACE = frozenset(
    "thanks thank please cheers bye ok okay yes yeah yep um uh er hmm now today yesterday tomorrow instead "
    "anymore now.".split()
)
MAX_TAIL_WORDS = 7
STREET_TYPE_WORDS = frozenset(STREET_TYPES.split("|"))
ORDINAL_NAMES = frozenset({"first", "third", "fifth", "sixth", "eighth", "ninth", "eleventh", "twelfth", "n", "s"})
# State and province codes that are also English words ('Portland, OR 97201').
STATE_CODES = frozenset({"or", "in", "me", "hi", "ok", "oh", "on", "de", "al", "pa", "ma", "co", "id", "la", "mo"})


@dataclass(frozen=True)
class FoundAddress:
    value: str
    start: int
    end: int

    @property
    def complete(self) -> bool:
        """Has a postcode: distinctive enough to be an address wherever it is said."""
        return any(POSTCODE_RE.match(t.strip(",.")) for t in _postcode_tokens(self.value))


def _postcode_tokens(value: str) -> list[str]:
    tokens = value.split()
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def _tail_end(text: str, start: int) -> int:
    """Where the address that continues at `start` ends: after a postcode, or before a word that
    no town, state or unit contains."""
    end = start
    words = 0
    for match in re.finditer(r"[^\s,]+", text[start:]):
        token = match.group(0)
        bare = token.rstrip(".!?;:").lower()
        if not bare or words >= MAX_TAIL_WORDS:
            break
        is_unit = bare in UNIT_WORDS or bare.startswith("#")
        state_before_zip = bare in STATE_CODES and _next_is_postcode(text, start + match.end())
        stop = bare in STOP_WORDS and bare not in ("de", "of") or bare in NOT_PLACE
        if (stop and not state_before_zip) or not re.match(r"[a-z0-9#]", bare):
            break
        end = start + match.end() - (len(token) - len(token.rstrip(".!?;:")))
        words += not is_unit
        if POSTCODE_RE.match(bare) or (POSTCODE_HALF_RE.match(bare) and _next_is_half(text, start + match.end())):
            end = _after_postcode(text, start + match.end(), end)
            break
        abbreviated = token.endswith(".") and bare in STREET_TYPE_WORDS  # 'Juniper Hollow Rd.\nHalifax'
        if token != token.rstrip(".!?;") and bare not in UNIT_WORDS and not abbreviated:
            break  # a sentence ends here
    return end


def _next_is_postcode(text: str, at: int) -> bool:
    nxt = re.match(r"[\s,]+([^\s,]+(?:\s[^\s,]{3})?)", text[at:])
    return nxt is not None and any(POSTCODE_RE.match(c.strip(".")) for c in (nxt.group(1), nxt.group(1).split()[0]))


def _next_is_half(text: str, at: int) -> bool:
    nxt = re.match(r"\s+(\d[a-z]{2}|\d[a-z]\d)\b", text[at:], re.IGNORECASE)
    return nxt is not None


def _after_postcode(text: str, at: int, end: int) -> int:
    nxt = re.match(r"\s+(\d[a-z]{2}|\d[a-z]\d)\b", text[at:], re.IGNORECASE)
    return at + nxt.end() if nxt and not POSTCODE_RE.match(text[end - 5 : end]) else end


def _street_words(street: str) -> bool:
    """'2 hours on the street' is no street: a street's name has no function words."""
    words = [re.split(r"['\u2019]", w.lower().strip(",."))[0] for w in street.split()[1:-1]]
    return not any(w in STOP_WORDS and w not in ORDINAL_NAMES for w in words)


def _reads_as_street(value: str) -> bool:
    # usaddress reads US order; a UK flat comes first ('Flat 2, 240 ...'): read from the number.
    lead = re.match(UNIT, value, re.IGNORECASE)
    try:
        tags = usaddress.parse(value[lead.end() :] if lead else value)
    except Exception:  # noqa: BLE001 - the CRF tagger raises on odd input; then it is no address
        return False
    labels = {label for _, label in tags}
    return "AddressNumber" in labels and bool(labels & {"StreetName", "StreetNamePostType"})


def _clean(value: str) -> str:
    return " ".join(value.split()).strip(" ,;:")


def _pyap_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for country in COUNTRIES:
        for address in pyap.parse(text, country=country):
            raw = address.full_address
            at = text.find(raw)
            if at < 0:
                continue
            # pyap may take words before the number ('one is 45 Queen Street'): start at the number.
            lead = re.search(rf"(?:{UNIT})?\d", raw, re.IGNORECASE)
            shift = lead.start() if lead else 0
            start, end = at + shift, at + len(raw)
            # pyap may run on over a correction ('52 Elm Gr Leeds LS6 4PL. sorry, i meant 51 Elm
            # Gr Leeds LS6 4PL'): a span holding two street numbers is two addresses, which the
            # street matcher below reads one by one.
            if len(STREET_RE.findall(text[start:end])) > 1:
                continue
            spans.append((start, end))
    return spans


def find_addresses(text: str) -> list[FoundAddress]:
    """Street addresses in the text, longest reading of each, in order."""
    spans = _pyap_spans(text)
    for match in STREET_RE.finditer(text):
        if not _street_words(match.group(0)):
            continue
        spans.append((match.start(), max(match.end(), _tail_end(text, match.end()))))
    spans.sort(key=lambda s: (s[0], -s[1]))
    out: list[FoundAddress] = []
    for start, end in spans:
        if out and start < out[-1].end:
            if end > out[-1].end and start <= out[-1].start:
                out[-1] = FoundAddress(_clean(text[start:end]), start, end)
            continue
        value = _clean(text[start:end])
        if _reads_as_street(value):
            out.append(FoundAddress(value, start, end))
    return out
