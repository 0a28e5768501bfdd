"""Values and sentences as each channel writes them.

voice: what a speech recogniser prints (lower case, little punctuation, fillers, restarts,
digits read out, emails spelled with "dot"/"at"); chat: typed, sometimes lower case; SMS:
terse, abbreviated; email: full sentences, addresses sometimes on several lines.
"""

from __future__ import annotations

import random
import re

from datagen.people import Address, Phone, phone_display
from datagen.spoken import asr, disfluent, number_words, spoken_digits, spoken_email

STYLE_OF_CHANNEL = {"voice": "v", "chat": "c", "sms": "s", "email": "e"}
ABBREV = {"Street": "St", "Avenue": "Ave", "Road": "Rd", "Lane": "Ln", "Drive": "Dr", "Court": "Ct",
          "Boulevard": "Blvd", "Place": "Pl", "Crescent": "Cres", "Gardens": "Gdns", "Terrace": "Terr", "Close": "Cl",
          "Grove": "Gr", "Way": "Way"}  # fmt: skip
_SMS_WORDS = {"please": "pls", "thanks": "thx", "you": "u", "okay": "ok", "because": "bc", "tomorrow": "tmrw",
              "address": "addr", "number": "no."}  # fmt: skip


def name_text(first: str, last: str, style: str, rng: random.Random) -> str:
    name = f"{first} {last}"
    if style == "v":
        return name.replace("-", " ") if rng.random() < 0.5 else name
    if style in "cs" and rng.random() < (0.3 if style == "c" else 0.6):
        return name.lower()
    return name


def email_text(email: str, style: str, rng: random.Random) -> str:
    if style == "v":
        return spoken_email(email, rng)
    if style == "c" and rng.random() < 0.1:
        return email.capitalize()  # phones capitalise the first letter
    return email


def phone_text(phone: Phone, style: str, rng: random.Random, *, national_ok: bool) -> str:
    shown = phone_display(phone, rng, national_ok=national_ok)
    if style != "v":
        return shown
    shown = shown.replace("(0)", "")
    if shown.startswith("+"):
        return "plus " + spoken_digits(shown[1:], rng)
    if shown.startswith("00"):
        return rng.choice(["oh oh ", "zero zero ", "double oh "]) + spoken_digits(shown[2:], rng)
    return spoken_digits(shown, rng)


def _unit_text(unit: str, style: str, rng: random.Random) -> str:
    if not unit:
        return ""
    word, number = unit.split(" ", 1)
    if word == "Apt":
        word = rng.choice(["Apt", "Apartment", "#", "Apt."]) if style != "v" else "apartment"
    elif word == "Suite" and style in "cs" and rng.random() < 0.4:
        word = "Ste"
    return f"{word}{number}" if word == "#" else f"{word} {number}"


def address_text(address: Address, style: str, rng: random.Random, *, multiline: bool = False) -> str:
    """The address written or said the way the channel would; the canonical form is the gold."""
    street_name, suffix = address.street.rsplit(" ", 1)
    if style in "cse" and rng.random() < (0.7 if style == "s" else 0.35):
        suffix = ABBREV[suffix] + ("." if style == "e" and rng.random() < 0.5 else "")
    number = str(address.number)
    if style == "v" and rng.random() < 0.15:
        number = number_words(address.number)
    street = f"{number} {street_name} {suffix}"
    unit = _unit_text(address.unit, style, rng)
    region = address.region_name if address.region and (style == "v" and rng.random() < 0.7 or rng.random() < 0.2) \
        else address.region  # fmt: skip
    if address.country == "UK":
        lines = ([unit] if unit else []) + [street, f"{address.city} {address.postcode}"]
    else:
        lines = [street] + ([unit] if unit else []) + [f"{address.city}, {region} {address.postcode}"]
    if style == "e" and rng.random() < 0.15:
        lines.append({"US": "USA", "CA": "Canada", "UK": "United Kingdom"}[address.country])
    if multiline:
        return "\n".join(lines)
    text = ", ".join(lines)
    if style == "s":
        text = text.replace(",", "")
        return text.lower() if rng.random() < 0.6 else text
    return text


def sms_frame(frame: str, rng: random.Random) -> str:
    words = [_SMS_WORDS.get(w.lower(), w) if rng.random() < 0.7 else w for w in frame.split(" ")]
    text = " ".join(words).rstrip(".")
    return text.lower() if rng.random() < 0.6 else text  # slot names are lower case already


def render_step(role: str, frame: str, slots: dict[str, str], style: str, rng: random.Random) -> str:
    """One utterance: the frame shaped for the channel, then the slots filled in."""
    if style == "v" and role == "c":
        frame = disfluent(frame, rng, rate=0.5)
    elif style == "s" and role == "c":
        frame = sms_frame(frame, rng)
    elif style == "c" and role == "c" and rng.random() < 0.3:
        frame = frame.rstrip(".").replace(", ", " ")
    text = _fill(frame, slots)
    return asr(text) if style == "v" else text


def _fill(frame: str, slots: dict[str, str]) -> str:
    # str.format would choke on braces inside values; fill the named slots only.
    return re.sub(r"\{(\w+)\}", lambda m: slots.get(m.group(1), m.group(0)), frame)
