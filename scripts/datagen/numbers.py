"""Check digits for generated account numbers: Luhn (cards), ISO 13616 mod 97 (IBAN), ABA (US routing)."""

from __future__ import annotations

import random
import string

# IBAN layouts: country, length, and the BBAN as (kind, count) runs: n digits, a upper-case letters.
IBAN_LAYOUTS = {"GB": [("a", 4), ("n", 14)], "DE": [("n", 18)], "FR": [("n", 23)], "ES": [("n", 20)],
                "NL": [("a", 4), ("n", 10)], "IE": [("a", 4), ("n", 14)], "IT": [("a", 1), ("n", 22)],
                "BE": [("n", 12)]}  # fmt: skip


def luhn_check_digit(partial: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:  # doubled: every second digit counting from the (future) check digit
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def luhn_complete(partial: str) -> str:
    return partial + luhn_check_digit(partial)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def _iban_int(rearranged: str) -> int:
    return int("".join(str(int(c, 36)) for c in rearranged))


def iban(country: str, rng: random.Random) -> str:
    """A compact IBAN with valid check digits for `country`."""
    bban = "".join("".join(rng.choice(string.ascii_uppercase if kind == "a" else string.digits) for _ in range(count))
                   for kind, count in IBAN_LAYOUTS[country])  # fmt: skip
    check = 98 - _iban_int(bban + country + "00") % 97
    return f"{country}{check:02d}{bban}"


def iban_valid(value: str) -> bool:
    value = value.replace(" ", "").upper()
    return len(value) > 4 and _iban_int(value[4:] + value[:4]) % 97 == 1


def aba_valid(routing: str) -> bool:
    if len(routing) != 9 or not routing.isdigit():
        return False
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


def routing_number(rng: random.Random) -> str:
    """Nine digits with a valid ABA checksum; the first two in the Federal Reserve ranges."""
    while True:
        head = f"{rng.choice([rng.randint(1, 12), rng.randint(21, 32)]):02d}" + "".join(
            str(rng.randint(0, 9)) for _ in range(6)
        )
        for last in range(10):
            if aba_valid(head + str(last)):
                return head + str(last)
