"""How customers give, change and correct their name, email, phone and address.

Written from how contact-centre conversations go, not from any extractor. A phrasing is a
short exchange: steps of ("a" agent | "c" customer, text). Slots:
  {value}  the customer's current value, rendered for the channel (spoken on a call)
  {old}    a value it replaces (a previous address, a maiden name): superseded, never current
  {wrong}  a slip or mishearing the same exchange corrects: never current
  {first} {last} {title} {agent} {company}: context, not trait values
`styles` says which channels it fits: v voice, c chat, s SMS, e email. `when` says whether it
fits the first time a value is given (g), a change of an earlier value (c), or both.
`kind` names the pattern for per-pattern figures.
"""

from __future__ import annotations

from dataclasses import dataclass

Steps = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Phrasing:
    id: str
    trait: str
    styles: str
    when: str
    kind: str
    steps: Steps

    @property
    def uses_old(self) -> bool:
        return any("{old}" in text for _, text in self.steps)

    @property
    def uses_wrong(self) -> bool:
        return any("{wrong}" in text for _, text in self.steps)


def _p(pid: str, trait: str, styles: str, when: str, kind: str, *steps: tuple[str, str]) -> Phrasing:
    return Phrasing(pid, trait, styles, when, kind, tuple(steps))


A, C = "a", "c"

NAME = [
    _p("n01", "name", "vc", "g", "bare_answer", (A, "Can I have your full name, please?"), (C, "{value}.")),
    _p("n02", "name", "vc", "g", "statement", (A, "Who am I speaking with today?"), (C, "Hi, this is {value}.")),
    _p("n03", "name", "vce", "g", "statement", (C, "Hi, my name is {value} and I have a question about my order.")),
    _p(
        "n04",
        "name",
        "vc",
        "g",
        "split",
        (A, "Could I get your first and last name?"),
        (C, "First name {first}, last name {last}."),
    ),
    _p("n05", "name", "vs", "g", "bare_start", (C, "{value} here, I'm getting in touch about my bill.")),
    _p("n06", "name", "vc", "g", "title", (A, "And who do I have on the line?"), (C, "It's {title} {last}. {value}.")),
    _p(
        "n07",
        "name",
        "vce",
        "gc",
        "new_one",
        (A, "What name is the account under?"),
        (C, "It might still say {old}, but it's {value} now, I got married in the spring."),
    ),
    _p("n08", "name", "e", "g", "signature", (C, "Kind regards,\n{value}")),
    _p("n09", "name", "vce", "g", "statement", (C, "The name on the account is {value}.")),
    _p(
        "n10", "name", "vc", "g", "statement", (A, "Who should I put this under?"), (C, "You can put it under {value}.")
    ),
    _p("n11", "name", "vcs", "g", "statement", (C, "I'm {value}, I think I spoke to someone about this yesterday.")),
    _p("n12", "name", "vcs", "g", "statement", (C, "Name's {value}.")),
    _p("n13", "name", "v", "g", "bare_answer", (A, "And your name?"), (C, "yeah {value}")),
    _p("n14", "name", "c", "g", "bare_answer", (A, "Before we start, what's your name?"), (C, "{value}")),
    _p("n15", "name", "e", "g", "statement", (C, "This is {title} {value} writing about the account.")),
    _p(
        "n16",
        "name",
        "vce",
        "gc",
        "change",
        (C, "I've changed my name, please update it from {old} to {value}. I can send the deed poll."),
    ),
    _p(
        "n17",
        "name",
        "vc",
        "g",
        "correction",
        (A, "Can I get your name?"),
        (C, "{value}"),
        (A, "Thanks. Is that {wrong}?"),
        (C, "No, it's {value}."),
    ),
    _p("n18", "name", "s", "g", "signature", (C, "thanks, {value}")),
]

EMAIL = [
    _p("e01", "email", "vc", "g", "bare_answer", (A, "What's the best email for you?"), (C, "{value}")),
    _p("e02", "email", "vcse", "gc", "statement", (C, "My email is {value}.")),
    _p(
        "e03",
        "email",
        "vc",
        "g",
        "bare_answer",
        (A, "Can I get an email address for the receipt?"),
        (C, "Sure, {value}."),
    ),
    _p("e04", "email", "vce", "g", "statement", (C, "You can email me at {value}.")),
    _p("e05", "email", "vcse", "c", "new_one", (A, "What's the new email?"), (C, "The new one is {value}.")),
    _p("e06", "email", "vcs", "g", "bare_start", (C, "{value} is my email, that's the one I check.")),
    _p("e07", "email", "vcs", "g", "statement", (C, "Send the receipt to {value} please.")),
    _p(
        "e08",
        "email",
        "vc",
        "gc",
        "correction",
        (C, "It's {wrong}. Actually, make that {value}, the other one's my old work one."),
    ),
    _p(
        "e09",
        "email",
        "vc",
        "g",
        "correction",
        (A, "Email please?"),
        (C, "{value}"),
        (A, "So that's {wrong}?"),
        (C, "No, it's {value}."),
    ),
    _p("e10", "email", "cs", "gc", "correction", (C, "{wrong}"), (C, "sorry, I meant {value}")),
    _p("e11", "email", "s", "c", "change", (C, "new email {value} pls update")),
    _p("e12", "email", "s", "c", "change", (C, "pls use {value} from now on not {old}")),
    _p(
        "e13",
        "email",
        "e",
        "c",
        "change",
        (
            C,
            "Please update my email address to {value}. My old address, {old}, will be closed at the end of the month.",
        ),
    ),
    _p("e14", "email", "vcse", "c", "change", (C, "I've changed my email, it's now {value}.")),
    _p("e15", "email", "cs", "gc", "form", (C, "email: {value}")),
    _p("e16", "email", "vcse", "c", "change", (C, "I don't use {old} anymore, please use {value}.")),
    _p("e17", "email", "vc", "c", "bare_answer", (A, "Sure, I can update that. What should it be?"), (C, "{value}")),
    _p(
        "e18",
        "email",
        "vc",
        "g",
        "confirm",
        (A, "And is there an email on the account?"),
        (C, "Yeah, it should be {value}."),
    ),
]

PHONE = [
    _p("p01", "phone", "vc", "g", "bare_answer", (A, "What's the best number to reach you?"), (C, "{value}")),
    _p("p02", "phone", "vcse", "g", "statement", (C, "My number is {value}.")),
    _p("p03", "phone", "vce", "g", "statement", (C, "You can reach me on {value}.")),
    _p("p04", "phone", "vc", "g", "statement", (C, "Could someone call me back at {value}?")),
    _p("p05", "phone", "vc", "g", "bare_answer", (A, "And a contact number?"), (C, "It's {value}.")),
    _p(
        "p06",
        "phone",
        "vc",
        "g",
        "bare_answer",
        (A, "Can I take a phone number in case we get cut off?"),
        (C, "Sure, {value}."),
    ),
    _p("p07", "phone", "vcs", "g", "bare_start", (C, "{value}, that's my mobile.")),
    _p("p08", "phone", "vcs", "g", "statement", (C, "My cell is {value}.")),
    _p(
        "p09",
        "phone",
        "vc",
        "g",
        "correction",
        (A, "Callback number?"),
        (C, "{wrong}"),
        (A, "{wrong}, got it."),
        (C, "Oh wait, no, it's {value}, sorry, I always mix those up."),
    ),
    _p(
        "p10",
        "phone",
        "vc",
        "g",
        "correction",
        (C, "It's {wrong}, actually make that {value}, the first one is my work line."),
    ),
    _p("p11", "phone", "s", "g", "signature", (C, "- {first}, {value}")),
    _p("p12", "phone", "e", "g", "signature", (C, "{first} {last}\nMob: {value}")),
    _p("p13", "phone", "vcs", "g", "statement", (C, "Text me on {value} when it ships.")),
    _p(
        "p14",
        "phone",
        "vc",
        "g",
        "new_one",
        (A, "Is {old} still the best number?"),
        (C, "No, I changed it. The new one is {value}."),
    ),
    _p("p15", "phone", "vc", "g", "statement", (C, "Best number is {value}, after five is better.")),
    _p(
        "p16",
        "phone",
        "vc",
        "g",
        "confirm",
        (A, "Do we have the right number for you?"),
        (C, "You should have {value} on file, that's still good."),
    ),
    _p("p17", "phone", "s", "g", "statement", (C, "this is my new number {value} pls save it")),
    _p("p18", "phone", "e", "g", "statement", (C, "If it's easier, ring me on {value} any weekday.")),
]

ADDRESS = [
    _p("a01", "address", "vc", "gc", "bare_answer", (A, "What's the shipping address?"), (C, "Sure, {value}.")),
    _p("a02", "address", "vcs", "gc", "bare_answer", (A, "And the address?"), (C, "{value}")),
    _p("a03", "address", "vcse", "g", "statement", (C, "My address is {value}.")),
    _p("a04", "address", "vce", "g", "statement", (C, "I live at {value}.")),
    _p("a05", "address", "vcse", "c", "new_one", (A, "Sure, what's the new address?"), (C, "The new one is {value}.")),
    _p("a06", "address", "vcs", "c", "bare_start", (C, "{value} is where I live now.")),
    _p("a07", "address", "vcse", "gc", "statement", (C, "Please ship it to {value}, that's my home address.")),
    _p("a08", "address", "vce", "c", "change", (C, "I moved to {value} last week.")),
    _p("a09", "address", "sce", "c", "change", (C, "We've moved! New address: {value}")),
    _p("a10", "address", "vce", "c", "change", (C, "I'm moving out of {old} on Friday, from then on it's {value}.")),
    _p("a11", "address", "vcs", "gc", "correction", (C, "It's {wrong}. Sorry, I meant {value}.")),
    _p(
        "a12",
        "address",
        "vc",
        "gc",
        "correction",
        (A, "Address?"),
        (C, "{value}"),
        (A, "Okay, {wrong}?"),
        (C, "No, it's {value}."),
    ),
    _p(
        "a13",
        "address",
        "vc",
        "c",
        "correction",
        (A, "Where should it go?"),
        (C, "{old}"),
        (C, "Actually make that {value}, I gave you the old one."),
    ),
    _p("a14", "address", "e", "gc", "multiline", (C, "Please send everything to:\n{value}")),
    _p("a15", "address", "s", "c", "change", (C, "update my address to {value} pls")),
    _p("a16", "address", "sc", "c", "change", (C, "it's {value} now")),
    _p(
        "a17",
        "address",
        "vce",
        "c",
        "change",
        (C, "Can you change my address? I don't live at {old} anymore, it's {value} now."),
    ),
    _p(
        "a18",
        "address",
        "vc",
        "g",
        "bare_answer",
        (A, "Can you confirm the address on the account?"),
        (C, "yeah {value}"),
    ),
]

PHRASINGS: dict[str, list[Phrasing]] = {"name": NAME, "email": EMAIL, "phone": PHONE, "address": ADDRESS}

# Someone else's details, said by the customer or the agent: never the customer's.
# Slots: {d} the distractor value rendered for the channel, plus the context slots above.
DISTRACTORS: dict[str, list[tuple[str, Steps]]] = {
    "email": [
        ("spouse_cc", ((C, "Could you copy my wife on it too? Her email is {d}."),)),
        ("son_setup", ((C, "My son set the account up with his email, {d}, but that's his, not mine."),)),
        ("friend_forward", ((C, "My friend {other} forwarded me your offer from {d}."),)),
    ],
    "phone": [
        ("store_number", ((C, "The store gave me this number, {d}, but nobody picks up."),)),
        (
            "courier_number",
            ((A, "If the driver doesn't show, you can call the courier on {d}."), (C, "Okay, I'll write that down.")),
        ),
        ("spouse_phone", ((C, "If I don't answer, my husband's on {d}."),)),
        ("agent_callback", ((A, "You can also reach our team directly at {d}."),)),
    ],
    "address": [
        ("shop", ((C, "I bought it at your shop at {d}."),)),
        (
            "gift",
            ((C, "Oh and the other order is a gift, that one goes to my mum at {d}, but my address stays the same."),),
        ),
        ("return_depot", ((A, "Returns go to our depot at {d}."),)),
    ],
    "name": [
        ("spouse_name", ((C, "My partner {d} placed the order, but it's my account."),)),
        ("previous_agent", ((C, "I spoke to {d} last week and they said it was sorted."),)),
    ],
}
