"""Fake but realistic people for the trait generator: names, emails, phones, addresses.

Every value is fictional: emails on the reserved example.com/.org/.net domains, North
American numbers in 555-0100..0199, UK numbers in Ofcom's drama ranges (07700 900xxx,
020 7946 0xxx), invented streets. German and Indian numbers follow the national formats.
Values are built from parts, so the normalised gold (E.164, canonical address) is exact.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST = [
    "Ana",
    "Dana",
    "Marcus",
    "Priya",
    "Aoife",
    "Tomás",
    "Keisha",
    "Oluwaseun",
    "Hannah",
    "Raj",
    "Mei",
    "Liam",
    "Zoë",
    "Bartholomew",
    "Sofia",
    "Jamal",
    "Ingrid",
    "Kwame",
    "Chloé",
    "Declan",
    "Yusuf",
    "Rosalind",
    "Nikhil",
    "Beatriz",
    "Callum",
    "Imani",
    "Gregor",
    "Esperanza",
    "Theo",
    "Wren",
    "Anjali",
    "Siobhan",
    "Jean-Luc",
    "Mary-Kate",
]
LAST = [
    "Ruiz",
    "Whitfield",
    "O'Brien",
    "Okafor",
    "Nguyen",
    "Fitzgerald-Hughes",
    "D'Souza",
    "McAllister",
    "Kowalski",
    "Haverford",
    "Lindqvist",
    "Abernathy",
    "Smith-Jones",
    "O'Connor",
    "Delacroix",
    "Brennan",
    "Iyer",
    "Castellanos",
    "Ferreira",
    "Thistlewood",
    "Adeyemi",
    "Van der Berg",
    "MacLeod",
    "Hargreaves",
    "Petrakis",
    "Ó Súilleabháin",
    "Mbeki",
    "Quinlan",
    "Sato",
    "Okonkwo-Bell",
    "Whitaker",
    "Demir",
]
TITLES = ["Mr", "Mrs", "Ms", "Miss", "Dr", "Mx"]
AGENT_NAMES = [
    "Priya Raman",
    "Max Keller",
    "Jordan Blake",
    "Sam Ortega",
    "Leah Morgan",
    "Tyrone Hayes",
    "Elif Kaya",
    "Connor Walsh",
    "Grace Liu",
    "Mateo Silva",
]
COMPANIES = ["Northwind", "Bluebell Home", "Cobalt Mobile", "Harbor Outfitters", "Lumen Energy", "Parcelwise"]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com", "post.example.org"]

US_CITIES = [
    ("Boise", "ID", "Idaho", "837"),
    ("Portland", "OR", "Oregon", "972"),
    ("Austin", "TX", "Texas", "787"),
    ("Columbus", "OH", "Ohio", "432"),
    ("Madison", "WI", "Wisconsin", "537"),
    ("Raleigh", "NC", "North Carolina", "276"),
    ("Denver", "CO", "Colorado", "802"),
    ("Tucson", "AZ", "Arizona", "857"),
    ("Burlington", "VT", "Vermont", "054"),
    ("Albany", "NY", "New York", "122"),
    ("Savannah", "GA", "Georgia", "314"),
]
CA_CITIES = [
    ("Toronto", "ON", "Ontario", "M5V"),
    ("Vancouver", "BC", "British Columbia", "V6B"),
    ("Calgary", "AB", "Alberta", "T2P"),
    ("Halifax", "NS", "Nova Scotia", "B3J"),
    ("Ottawa", "ON", "Ontario", "K1P"),
    ("Winnipeg", "MB", "Manitoba", "R3C"),
]
UK_CITIES = [
    ("London", "N4"),
    ("Manchester", "M14"),
    ("Leeds", "LS6"),
    ("Bristol", "BS7"),
    ("Edinburgh", "EH9"),
    ("Cardiff", "CF24"),
    ("Glasgow", "G12"),
    ("Norwich", "NR2"),
]
STREETS = [
    "Elm",
    "Juniper Hollow",
    "Larkspur",
    "Maple",
    "Rosebery",
    "Quarry Bank",
    "Wexford",
    "Old Mill",
    "Cedar Ridge",
    "Bramblewood",
    "Kestrel",
    "Harrowgate",
    "Sycamore",
    "Tideway",
    "Foxglove",
    "Marigold",
    "Ashcombe",
    "Pilgrim",
]
SUFFIXES = {
    "US": ["Street", "Avenue", "Road", "Lane", "Drive", "Court", "Boulevard", "Place", "Way"],
    "CA": ["Street", "Avenue", "Road", "Drive", "Crescent", "Boulevard"],
    "UK": ["Road", "Street", "Gardens", "Lane", "Close", "Terrace", "Crescent", "Grove"],
}
US_AREA = {
    "US": ["208", "503", "512", "614", "608", "919", "303", "520", "802", "518", "912"],
    "CA": ["416", "604", "403", "902", "613", "204"],
}


@dataclass(frozen=True)
class Address:
    country: str  # US | CA | UK
    number: int
    street: str  # "Elm Street"
    unit: str  # "Apt 4B" | "Flat 3" | ""
    city: str
    region: str  # state/province code; "" in the UK
    region_name: str
    postcode: str

    @property
    def canonical(self) -> str:
        if self.country == "UK":
            head = f"{self.unit}, " if self.unit else ""
            return f"{head}{self.number} {self.street}, {self.city} {self.postcode}"
        unit = f", {self.unit}" if self.unit else ""
        return f"{self.number} {self.street}{unit}, {self.city}, {self.region} {self.postcode}"


@dataclass(frozen=True)
class Phone:
    region: str  # US | CA | GB | DE | IN
    country_code: str  # "1", "44", "49", "91"
    national: str  # national significant number, digits only

    @property
    def e164(self) -> str:
        return f"+{self.country_code}{self.national}"


def make_name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST), rng.choice(LAST)


def make_email(first: str, last: str, rng: random.Random) -> str:
    f, l_ = _ascii(first), _ascii(last)
    pattern = rng.choice(["{f}.{l}", "{f0}{l}", "{f}_{l}{n}", "{f}-{l}", "{l}.{f0}{n}", "{f}{n}", "{f0}.{l}"])
    local = pattern.format(
        f=f, l=l_, f0=f[0], n=rng.choice(["", str(rng.randint(1, 99)), str(rng.randint(1960, 2005))])
    )
    return f"{local}@{rng.choice(DOMAINS)}".lower()


def _ascii(text: str) -> str:
    table = str.maketrans("éëóÓúáíÉ", "eeoOuaiE")
    return "".join(c for c in text.translate(table).lower() if c.isalnum())


def make_phone(region: str, rng: random.Random) -> Phone:
    if region in ("US", "CA"):
        return Phone(region, "1", f"{rng.choice(US_AREA[region])}55501{rng.randint(0, 99):02d}")
    if region == "GB":
        # 07700 900xxx is the drama mobile range the issue quotes; phonenumbers calls it
        # unallocated, so half the UK customers get the (valid) London drama range instead.
        if rng.random() < 0.5:
            return Phone(region, "44", f"7700900{rng.randint(0, 999):03d}")
        return Phone(region, "44", f"2079460{rng.randint(0, 999):03d}")
    if region == "DE":
        prefix = rng.choice(["151", "152", "160", "170", "171", "176"])
        return Phone(
            region, "49", prefix + "".join(str(rng.randint(0, 9)) for _ in range(8 if prefix[1] == "5" else 7))
        )
    return Phone(
        region, "91", rng.choice(["98", "97", "91", "88", "70"]) + "".join(str(rng.randint(0, 9)) for _ in range(8))
    )


def make_address(country: str, rng: random.Random) -> Address:
    street = f"{rng.choice(STREETS)} {rng.choice(SUFFIXES[country])}"
    number = rng.choice([rng.randint(1, 99), rng.randint(100, 999), rng.randint(1000, 9999)])
    if country == "UK":
        city, district = rng.choice(UK_CITIES)
        unit = f"Flat {rng.randint(1, 12)}" if rng.random() < 0.35 else ""
        postcode = (
            f"{district} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        )
        return Address(country, min(number, 240), street, unit, city, "", "", postcode)
    unit = rng.choice(["", "", "", f"Apt {rng.randint(1, 30)}{rng.choice('ABCD')}", f"Unit {rng.randint(2, 40)}",
                       f"Suite {rng.randint(1, 9)}00"])  # fmt: skip
    if country == "US":
        city, code, name, zip3 = rng.choice(US_CITIES)
        return Address(country, number, street, unit, city, code, name, f"{zip3}{rng.randint(1, 99):02d}")
    city, code, name, fsa = rng.choice(CA_CITIES)
    ldu = f"{rng.randint(1, 9)}{rng.choice('ABCEGHJKLMNPRSTVXY')}{rng.randint(0, 9)}"
    return Address(country, number, street, unit, city, code, name, f"{fsa} {ldu}")


def phone_display(phone: Phone, rng: random.Random, *, national_ok: bool = True) -> str:
    """One of the ways the number is written; national formats only when `national_ok`."""
    n = phone.national
    if phone.country_code == "1":
        forms = [
            f"({n[:3]}) {n[3:6]}-{n[6:]}",
            f"{n[:3]}-{n[3:6]}-{n[6:]}",
            f"{n[:3]}.{n[3:6]}.{n[6:]}",
            n,
            f"+1 {n[:3]} {n[3:6]} {n[6:]}",
            f"1-{n[:3]}-{n[3:6]}-{n[6:]}",
            f"+1 ({n[:3]}) {n[3:6]}-{n[6:]}",
        ]
        return rng.choice(forms)
    cc = phone.country_code
    split = {"44": 4 if n.startswith("7") else 2, "49": 3, "91": 5}[cc]
    head, tail = n[:split], n[split:]
    international = [f"+{cc} {head} {tail}", f"+{cc} (0){head} {tail}", f"00{cc} {head} {tail}", f"+{cc}{n}",
                     f"+{cc}-{head}-{tail}"]  # fmt: skip
    national = [f"0{head} {tail}", f"0{n}"]
    if not (cc == "44" and n.startswith("7")):
        national.append(f"(0{head}) {tail}")  # brackets around an area code, not a mobile prefix
    if cc == "44" and not n.startswith("7"):
        national.append(f"0{head} {tail[:4]} {tail[4:]}")
    return rng.choice(international + (national if national_ok else []))
