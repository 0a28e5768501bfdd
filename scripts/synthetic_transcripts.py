"""Seeded synthetic customer-service transcripts with known identity traits.

Each customer has three interactions over a few weeks: the first gives name, email, phone,
address and an order; the second moves to a new address; the third changes the email. The
expected result after ingestion: the profile shows the newest address and email, and the old
ones are in the observations list as superseded.

    python scripts/synthetic_transcripts.py --customers 5 --seed 7 > synthetic.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

FIRST = ["Ana", "Ben", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kara", "Liam"]
LAST = ["Ruiz", "Okafor", "Martin", "Novak", "Silva", "Haddad", "Kim", "Tanaka", "Costa", "Brown", "Nguyen"]
STREETS = ["Oak Street", "Maple Avenue", "Pine Road", "Elm Lane", "Cedar Drive", "Birch Boulevard", "Lake Way"]
CITIES = ["Springfield", "Riverton", "Fairview", "Greenville", "Salem", "Madison"]
ISSUES = ["arrived damaged", "never arrived", "was charged twice", "is missing a part"]
DOMAINS = ["example.com", "mail.test", "inbox.example.org"]


@dataclass
class SyntheticCustomer:
    ref: str
    name: str
    phone: str
    emails: list[str]
    addresses: list[str]
    order: str
    interactions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def expected(self) -> dict[str, Any]:
        return {"name": self.name, "phone": "+1" + "".join(ch for ch in self.phone if ch.isdigit()),
                "email": self.emails[-1], "address": self.addresses[-1], "order_number": self.order,
                "old_email": self.emails[0], "old_address": self.addresses[0]}  # fmt: skip


def _address(rng: random.Random) -> str:
    return f"{rng.randint(10, 9999)} {rng.choice(STREETS)}, {rng.choice(CITIES)}"


def _email(rng: random.Random, first: str, last: str) -> str:
    return f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}"


def _turns(turns: list[tuple[str, str]], start: datetime) -> list[dict[str, Any]]:
    return [{"id": f"u{i}", "role": role, "text": text, "at": (start + timedelta(seconds=20 * i)).isoformat()}
            for i, (role, text) in enumerate(turns)]  # fmt: skip


def _first_call(c: SyntheticCustomer, rng: random.Random) -> list[tuple[str, str]]:
    return [
        ("agent", "Thanks for calling, who am I speaking with?"),
        ("customer", f"Hi, my name is {c.name}."),
        ("agent", "How can I help today?"),
        ("customer", f"My order {c.order} {rng.choice(ISSUES)} last Tuesday."),
        ("agent", "I'm sorry to hear that. Can I confirm your email and phone?"),
        ("customer", f"My email is {c.emails[0]} and my phone is {c.phone}."),
        ("customer", f"My address is {c.addresses[0]}."),
        ("agent", "Thank you. We'll ship a replacement by Friday."),
        ("customer", "Great, thanks so much."),
    ]


def _move_call(c: SyntheticCustomer) -> list[tuple[str, str]]:
    return [
        ("agent", "Hello, how can I help?"),
        ("customer", f"I moved last month. My new address is {c.addresses[1]}."),
        ("agent", "I've updated your address. Anything else?"),
        ("customer", "No, that's all. I prefer email for updates."),
    ]


def _email_chat(c: SyntheticCustomer) -> list[tuple[str, str]]:
    return [
        ("customer", "Hi, I need to change my email."),
        ("agent", "Sure, what is the new email?"),
        ("customer", f"My new email is {c.emails[1]}."),
        ("agent", "Done, your email has been updated."),
        ("customer", "Perfect, thank you."),
    ]


def generate(customers: int = 20, seed: int = 7) -> list[SyntheticCustomer]:
    rng = random.Random(seed)
    out = []
    for n in range(customers):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        customer = SyntheticCustomer(
            ref=f"crm:synthetic-{seed}-{n}", name=f"{first} {last}",
            phone=f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
            emails=[_email(rng, first, last), _email(rng, first, last)],
            addresses=[_address(rng), _address(rng)], order=str(rng.randint(10000, 99999)),
        )  # fmt: skip
        start = datetime(2026, 9, 1, 14, 0, tzinfo=UTC) + timedelta(days=rng.randint(0, 20))
        scripts = [
            ("voice", _first_call(customer, rng)),
            ("voice", _move_call(customer)),
            ("chat", _email_chat(customer)),
        ]
        for i, (channel, turns) in enumerate(scripts):
            at = start + timedelta(days=14 * i)
            customer.interactions.append({
                "external_id": f"synthetic-{seed}-{n}-{i}",
                "customer": {"identifiers": [{"type": "crm", "value": customer.ref.split(":", 1)[1]}]},
                "channel": channel, "started_at": at.isoformat(), "utterances": _turns(turns, at),
            })  # fmt: skip
        out.append(customer)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for customer in generate(args.customers, args.seed):
        for interaction in customer.interactions:
            print(json.dumps(interaction))


if __name__ == "__main__":
    main()
