"""Customer-service interactions with gold identity traits (name, email, phone, address).

Each generated customer has four interactions, posted in order (CONTRACT shape of
POST /v1/interactions):
  1. first contact (mostly a call; also chat, email, SMS): gives name, email, phone, address,
     with agent questions answered bare, corrections and someone else's details around;
  2. a move: a new address (chat, email, call or SMS), the old one now superseded;
  3. a new email (mostly SMS, identified by the phone only), the old one now superseded;
  4. a follow-up email identified by the new email and the phone together.
The gold says each trait's current value at the end (email lower-case, phone E.164, address
in a canonical one-line form), the superseded values, the distractors (a spouse's email, a
store's phone, the agent's name, a shop's address) that must never be the customer's, and
which interactions belong to the customer. `metadata.region` carries the customer's phone
region (ISO 3166 alpha-2), the default for numbers said in national format.

Split: DEV_SEED is for development and error analysis. HELD_OUT_SEED is for reporting
aggregate figures only: never read, print or dump its examples one by one, and never tune
anything on it.

    python scripts/datagen/traits.py --seed dev --customers 50 --out /tmp/traits-dev.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datagen import people as pp
from datagen.phrasings import DISTRACTORS, PHRASINGS, Phrasing
from datagen.render import STYLE_OF_CHANNEL, address_text, email_text, name_text, phone_text, render_step

DEV_SEED = 20261201
HELD_OUT_SEED = 77031949  # aggregate figures only; never read its examples one by one
TRAITS = ("name", "email", "phone", "address")
SEEDS = {"dev": DEV_SEED, "held-out": HELD_OUT_SEED}
_REGIONS = [
    ("US", "US", 35),
    ("CA", "CA", 15),
    ("GB", "UK", 30),
    ("DE", "UK", 6),
    ("DE", "US", 4),
    ("IN", "UK", 5),
    ("IN", "US", 5),
]  # (phone region, address country, weight)
_TOPICS = [
    (("c", "My order {order} still hasn't arrived."), ("a", "Sorry about that, let me pull it up.")),
    (("c", "I was charged twice for order {order}."), ("a", "I can see that, I'll get the duplicate refunded.")),
    (("c", "The blender from order {order} came with a cracked jug."), ("a", "Sorry, I'll send a replacement.")),
    (("c", "I want to check when my next bill is due."), ("a", "It's due on the 14th, for $42.50.")),
]
_CLOSINGS = (
    (("a", "Is there anything else I can help with?"), ("c", "No, that's everything, thanks.")),
    (("a", "All done. Have a good day!"), ("c", "You too, bye.")),
)


@dataclass
class CustomerCase:
    key: str
    ref: str  # profile reference: the first interaction's identifier, type:value
    region: str
    interactions: list[dict[str, Any]]
    current: dict[str, str]
    superseded: dict[str, list[str]] = field(default_factory=dict)
    distractors: dict[str, list[str]] = field(default_factory=dict)
    phrasings: list[str] = field(default_factory=list)  # phrasing ids used, for per-pattern figures


@dataclass
class _Person:
    first: str
    last: str
    title: str
    email: str
    phone: pp.Phone
    address: pp.Address
    crm: str

    def value(self, trait: str) -> Any:
        return {"name": (self.first, self.last), "email": self.email, "phone": self.phone,
                "address": self.address}[trait]  # fmt: skip


def normalise(trait: str, value: Any) -> str:
    if trait == "name":
        return f"{value[0]} {value[1]}"
    if trait == "email":
        return str(value).lower()
    if trait == "phone":
        return str(value.e164)
    return str(value.canonical)


class _Unique:
    """Draws values no other value of this seed has, so customers never collide by accident."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.used = rng, set[str]()

    def draw(self, trait: str, make: Callable[[random.Random], Any]) -> Any:
        for _ in range(200):
            value = make(self.rng)
            key = normalise(trait, value) if trait != "name" else f"{value[0]} {value[1]}"
            if key not in self.used:
                self.used.add(key)
                return value
        raise RuntimeError(f"value space for {trait} exhausted; generate fewer customers")


class _Conversation:
    """One interaction being written: steps in the channel's style, gold collected on the way."""

    def __init__(self, case: CustomerCase, person: _Person, channel: str, rng: random.Random, pool: _Unique) -> None:
        self.case, self.person, self.channel, self.rng, self.pool = case, person, channel, rng, pool
        self.style = STYLE_OF_CHANNEL[channel]
        self.agent = rng.choice(pp.AGENT_NAMES)
        self.company = rng.choice(pp.COMPANIES)
        self.steps: list[tuple[str, str]] = []
        case.distractors.setdefault("name", []).append(self.agent)

    def render(self, trait: str, value: Any, *, multiline: bool = False) -> str:
        if trait == "name":
            return name_text(value[0], value[1], self.style, self.rng)
        if trait == "email":
            return email_text(value, self.style, self.rng)
        if trait == "phone":
            # metadata.region names the phone's country, so a national form is resolvable even
            # when the customer lives elsewhere; people abroad still mostly say the +CC form.
            home = {"GB": "UK"}.get(value.region, value.region) == self.person.address.country
            national_ok = home or self.rng.random() < 0.4
            return phone_text(value, self.style, self.rng, national_ok=national_ok)
        return address_text(value, self.style, self.rng, multiline=multiline)

    def slots(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        base = {"first": self.person.first, "last": self.person.last, "title": self.person.title,
                "agent": self.agent.split()[0], "company": self.company,
                "order": str(self.rng.randint(10000, 99999999))}  # fmt: skip
        return base | (extra or {})

    def say(self, steps: tuple[tuple[str, str], ...], extra: dict[str, str] | None = None) -> None:
        slots = self.slots(extra)
        for role, frame in steps:
            self.steps.append((role, render_step(role, frame, slots, self.style, self.rng)))

    def give(self, trait: str, when: str, old: Any = None, *, plain: bool = False) -> None:
        """Customer gives `trait`; `old` is the value it replaces when `when` is "c". `plain`:
        only a customer statement of the current value (no question, old value or slip)."""
        options = [p for p in PHRASINGS[trait] if self.style in p.styles and when in p.when
                   and not (plain and (p.uses_old or p.uses_wrong or p.steps[0][0] == "a"))]  # fmt: skip
        phrasing = self.rng.choice(options)
        value = self.person.value(trait)
        extra = {"value": self.render(trait, value, multiline=phrasing.kind == "multiline")}
        if phrasing.uses_old:
            old = old if old is not None else _earlier(trait, self.person, self.pool)
            extra["old"] = self.render(trait, old)
        if old is not None and (phrasing.uses_old or when == "c"):
            self.case.superseded.setdefault(trait, []).append(normalise(trait, old))
        if phrasing.uses_wrong:
            wrong = _wrong(trait, self.person, phrasing, self.pool)
            extra["wrong"] = self.render(trait, wrong)
            self.case.superseded.setdefault(trait, []).append(normalise(trait, wrong))
        self.say(phrasing.steps, extra)
        self.case.phrasings.append(phrasing.id)

    def distract(self, trait: str) -> None:
        _, steps = self.rng.choice(DISTRACTORS[trait])
        value = _fresh(trait, self.person, self.pool)
        self.say(steps, {"d": self.render(trait, value), "other": self.rng.choice(pp.FIRST)})
        self.case.distractors.setdefault(trait, []).append(normalise(trait, value))

    def utterances(self, start: datetime) -> list[dict[str, Any]]:
        steps = _as_emails(self.steps, self.person.first, self.agent, self.company) if self.style == "e" else self.steps
        at, out = start, []
        for i, (role, text) in enumerate(steps, 1):
            at += timedelta(seconds=self.rng.randint(4, 40) if self.style != "e" else self.rng.randint(600, 20000))
            utterance = {"id": f"u{i}", "role": "customer" if role == "c" else "agent", "text": text,
                         "at": at.isoformat().replace("+00:00", "Z")}  # fmt: skip
            if role == "a":
                utterance["speaker"] = self.agent.split()[0]
            out.append(utterance)
        return out


def _as_emails(steps: list[tuple[str, str]], first: str, agent: str, company: str) -> list[tuple[str, str]]:
    """Consecutive customer steps become one email; agent steps become signed replies."""
    merged: list[tuple[str, str]] = []
    for role, text in steps:
        if merged and merged[-1][0] == role == "c":
            merged[-1] = ("c", f"{merged[-1][1]}\n\n{text}")
        else:
            merged.append((role, text))
    return [("c", f"Hello,\n\n{text}") if role == "c" else
            ("a", f"Hi {first},\n\n{text}\n\nBest regards,\n{agent}\n{company} Customer Care")
            for role, text in merged]  # fmt: skip


def _fresh(trait: str, person: _Person, pool: _Unique) -> Any:
    """Another plausible value of the trait: somebody else's, or the customer's earlier one."""
    if trait == "name":
        return pool.draw("name", lambda r: (r.choice(pp.FIRST), r.choice(pp.LAST)))
    if trait == "email":
        return pool.draw("email", lambda r: pp.make_email(r.choice(pp.FIRST), r.choice(pp.LAST), r))
    if trait == "phone":
        return pool.draw("phone", lambda r: pp.make_phone(person.phone.region, r))
    return pool.draw("address", lambda r: pp.make_address(person.address.country, r))


def _earlier(trait: str, person: _Person, pool: _Unique) -> Any:
    """A value the customer had before: a maiden name keeps the first name."""
    if trait == "name":
        return pool.draw("name", lambda r: (person.first, r.choice(pp.LAST)))
    return _fresh(trait, person, pool)


def _wrong(trait: str, person: _Person, phrasing: Phrasing, pool: _Unique) -> Any:
    """A slip or mishearing near the true value, which the same exchange corrects."""
    rng = pool.rng
    if trait == "name":
        return pool.draw("name", lambda r: (person.first, r.choice(pp.LAST)))
    if trait == "email":
        if phrasing.id == "e10":  # a typo corrected in the next message
            local, domain = person.email.split("@")
            i = rng.randrange(len(local) - 1) if len(local) > 1 else 0
            typo = local[:i] + local[i + 1 : i + 2] + local[i : i + 1] + local[i + 2 :]
            typo = typo if typo != local else local + "x"
            return pool.draw("email", lambda r: f"{typo}@{domain}" if f"{typo}@{domain}" not in pool.used
                             else pp.make_email(person.first, person.last, r))  # fmt: skip
        return pool.draw("email", lambda r: pp.make_email(person.first, person.last, r))
    if trait == "phone":
        n = person.phone.national
        return pool.draw(
            "phone", lambda r: dataclasses.replace(person.phone, national=n[:-2] + f"{r.randint(0, 99):02d}")
        )
    return pool.draw("address", lambda r: dataclasses.replace(person.address, number=person.address.number
                                                              + r.choice([1, 2, 10, 20, 100])))  # fmt: skip


def _identifier(kind: str, person: _Person, email: str, rng: random.Random) -> dict[str, str]:
    if kind == "crm":
        return {"type": "crm", "value": person.crm}
    if kind == "email":
        return {"type": "email", "value": email}
    # Telephony mostly sends E.164; some systems send the number formatted.
    shown = person.phone.e164 if rng.random() < 0.75 else pp.phone_display(person.phone, rng, national_ok=False)
    return {"type": "phone", "value": shown}


def _interaction(
    conv: _Conversation, key: str, step: int, start: datetime, ids: list[dict[str, str]]
) -> dict[str, Any]:
    utterances = conv.utterances(start)
    end = datetime.fromisoformat(utterances[-1]["at"].replace("Z", "+00:00")) + timedelta(seconds=5)
    return {"external_id": f"{key}-{step}", "customer": {"identifiers": ids}, "channel": conv.channel,
            "started_at": start.isoformat().replace("+00:00", "Z"), "ended_at": end.isoformat().replace("+00:00", "Z"),
            "utterances": utterances, "metadata": {"region": conv.person.phone.region}}  # fmt: skip


def _close(conv: _Conversation) -> None:
    if conv.style != "e":  # an email thread just ends
        conv.say(conv.rng.choice(_CLOSINGS))


def _pick(rng: random.Random, weighted: dict[str, int]) -> str:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def _open(conv: _Conversation, topic: bool = True) -> None:
    greeting = {"v": "Thanks for calling {company}, this is {agent}, how can I help?",
                "c": "Hi, you're chatting with {agent} from {company}. How can I help today?",
                "s": "{company}: Hi, this is {agent}. How can we help?", "e": ""}[conv.style]  # fmt: skip
    if greeting:
        conv.say((("a", greeting),))
    elif conv.style == "e":
        topic = True  # an email always says what it is about
    if topic:
        conv.say(conv.rng.choice(_TOPICS))


def _first_contact(case: CustomerCase, person: _Person, rng: random.Random, pool: _Unique, start: datetime) -> None:
    channel = _pick(rng, {"voice": 55, "chat": 25, "email": 10, "sms": 10})
    conv = _Conversation(case, person, channel, rng, pool)
    _open(conv)
    order = ["email", "phone", "address"]
    rng.shuffle(order)
    order.insert(0 if rng.random() < 0.7 else rng.randint(0, 3), "name")
    plan: list[tuple[str, str]] = [("give", t) for t in order]
    for trait in rng.sample(TRAITS, rng.choice([1, 1, 2])):
        plan.insert(rng.randint(0, len(plan)), ("distract", trait))
    for action, trait in plan:
        conv.give(trait, "g") if action == "give" else conv.distract(trait)
    _close(conv)
    kind = {"voice": "phone", "sms": "phone", "chat": "crm", "email": "email"}[channel]
    ident = _identifier(kind, person, person.email, rng)
    if kind == "phone":
        ident["value"] = person.phone.e164  # the reference the profile is read by
    case.ref = f"{ident['type']}:{ident['value']}"
    case.interactions.append(_interaction(conv, case.key, 1, start, [ident]))


def _move(case: CustomerCase, person: _Person, rng: random.Random, pool: _Unique, start: datetime) -> None:
    channel = _pick(rng, {"chat": 50, "email": 20, "voice": 20, "sms": 10})
    conv = _Conversation(case, person, channel, rng, pool)
    _open(conv, topic=rng.random() < 0.3)
    if channel == "voice" and rng.random() < 0.6:
        conv.say((("a", "Before we go on, can I confirm the name on the account?"),))
        conv.give("name", "g", plain=True)
    conv.say((("c", rng.choice(["I've moved, so I need to update my address.", "I need to change my address.",
                                "We just moved house."])),))  # fmt: skip
    old = person.address
    person.address = pool.draw("address", lambda r: pp.make_address(old.country, r))
    if rng.random() < 0.4:
        conv.distract("address")
    conv.give("address", "c", old=old)
    _close(conv)
    kind = {"voice": "phone", "sms": "phone", "chat": "crm", "email": "email"}[channel]
    case.interactions.append(_interaction(conv, case.key, 2, start, [_identifier(kind, person, person.email, rng)]))


def _new_email(case: CustomerCase, person: _Person, rng: random.Random, pool: _Unique, start: datetime) -> None:
    channel = _pick(rng, {"sms": 60, "chat": 15, "voice": 15, "email": 10})
    conv = _Conversation(case, person, channel, rng, pool)
    _open(conv, topic=False)
    conv.say((("c", rng.choice(["Hi, I need to change my email.", "Can you update the email on my account?",
                                "I've got a new email address."])),))  # fmt: skip
    old = person.email
    person.email = pool.draw("email", lambda r: pp.make_email(person.first, person.last, r))
    if rng.random() < 0.35:
        conv.distract("email")
    conv.give("email", "c", old=old)
    conv.say((("a", "Done, it's updated."),))
    kind = {"voice": "phone", "sms": "phone", "chat": "crm", "email": "email"}[channel]
    case.interactions.append(_interaction(conv, case.key, 3, start, [_identifier(kind, person, old, rng)]))


def _follow_up(case: CustomerCase, person: _Person, rng: random.Random, pool: _Unique, start: datetime) -> None:
    conv = _Conversation(case, person, "email", rng, pool)
    conv.say((("c", "Just checking where order {order} is, the tracking hasn't moved in a week."),))
    if rng.random() < 0.4:
        conv.distract("phone")
    conv.say((("c", "Thanks,\n{first}"),))
    conv.say((("a", "It left our warehouse yesterday and should be with you on Thursday."),))
    ids = [_identifier("email", person, person.email, rng), _identifier("phone", person, person.email, rng)]
    rng.shuffle(ids)
    case.interactions.append(_interaction(conv, case.key, 4, start, ids))


def _person(rng: random.Random, pool: _Unique, index: int, seed: int) -> _Person:
    region, country, _ = rng.choices(_REGIONS, weights=[w for *_, w in _REGIONS])[0]
    first, last = pool.draw("name", lambda r: (r.choice(pp.FIRST), r.choice(pp.LAST)))
    return _Person(first=first, last=last, title=rng.choice(pp.TITLES),
                   email=pool.draw("email", lambda r: pp.make_email(first, last, r)),
                   phone=pool.draw("phone", lambda r: pp.make_phone(region, r)),
                   address=pool.draw("address", lambda r: pp.make_address(country, r)),
                   crm=f"ACCT-{seed % 1000:03d}{index:05d}")  # fmt: skip


def generate(seed: int, customers: int) -> list[CustomerCase]:
    """`customers` cases, the same for the same seed."""
    rng = random.Random(seed)
    pool = _Unique(rng)
    cases = []
    for index in range(customers):
        person = _person(rng, pool, index, seed)
        case = CustomerCase(key=f"traits-{seed}-{index:04d}", ref="", region=person.phone.region, interactions=[],
                            current={})  # fmt: skip
        start = datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 600))
        for step in (_first_contact, _move, _new_email, _follow_up):
            step(case, person, rng, pool, start)
            start += timedelta(days=rng.randint(2, 40), minutes=rng.randint(0, 600))
        case.current = {t: normalise(t, person.value(t)) for t in TRAITS}
        case.superseded = {t: sorted(set(v)) for t, v in case.superseded.items()}
        case.distractors = {t: sorted(set(v)) for t, v in case.distractors.items()}
        _check(case)
        cases.append(case)
    return cases


def _check(case: CustomerCase) -> None:
    """The gold must be consistent: no current value is also superseded or a distractor."""
    for trait, value in case.current.items():
        if value in case.superseded.get(trait, []) or value in case.distractors.get(trait, []):
            raise AssertionError(f"{case.key}: {trait} {value!r} is current and also superseded/distractor")


def seed_of(name: str) -> int:
    return SEEDS[name] if name in SEEDS else int(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", default="dev", help="dev, held-out or an integer")
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--out", type=Path, required=True, help="JSON lines, one customer case per line")
    parser.add_argument("--interactions-only", action="store_true",
                        help="one interaction per line instead (for `memory-service ingest`)")  # fmt: skip
    args = parser.parse_args()
    cases = generate(seed_of(args.seed), args.customers)
    with args.out.open("w") as out:
        for case in cases:
            rows = case.interactions if args.interactions_only else [dataclasses.asdict(case)]
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(cases)} customers, {sum(len(c.interactions) for c in cases)} interactions -> {args.out}")


if __name__ == "__main__":
    main()
