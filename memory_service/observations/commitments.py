"""A pending commitment is kept when a later interaction says it was done.

"We'll ship a replacement by Friday" (interaction 1) is fulfilled by an agent's "your
replacement shipped this morning" or a customer's "the replacement arrived" in a later
interaction: a statement, not a question, without negation, carrying the past form of the
promised action (or, from the customer, of receiving it), and sharing a content word with the
promise when the promise names what it is about. The commitment's status becomes `done`, with
the fulfilling interaction, utterance and quote in its attributes; nothing else changes, and
re-processing finds the same thing. Interactions processed out of order are not revisited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from psycopg import Connection

from memory_service.observations import repository as repo
from schemas.interactions import InteractionIn

# Past forms of the actions COMMITMENT_RE (extraction/agent.py) recognises.
PAST_FORMS: dict[str, tuple[str, ...]] = {
    "send": ("sent",), "ship": ("shipped",), "refund": ("refunded",), "call": ("called",),
    "email": ("emailed",), "text": ("texted",), "process": ("processed",), "issue": ("issued",),
    "credit": ("credited",), "escalate": ("escalated",), "follow": ("followed up",), "replace": ("replaced",),
    "cancel": ("cancelled", "canceled"), "update": ("updated",), "arrange": ("arranged",),
    "schedule": ("scheduled",), "waive": ("waived",), "reimburse": ("reimbursed",), "check": ("checked",),
    "get back": ("got back",), "expedite": ("expedited",), "reship": ("reshipped", "shipped"),
    "deliver": ("delivered",), "fix": ("fixed",), "reset": ("reset",), "open": ("opened",), "file": ("filed",),
    "submit": ("submitted",), "investigate": ("investigated",), "look into": ("looked into",),
    "apply": ("applied",), "add": ("added",), "remove": ("removed",), "change": ("changed",),
    "transfer": ("transferred",), "contact": ("contacted",), "reach out": ("reached out",),
    "notify": ("notified",),
}  # fmt: skip
# What a customer says when something sent to them came; not "got charged", "came back".
RECEIVED_RE = re.compile(r"\b(?:received|got|arrived|came|showed up|turned up)\b", re.IGNORECASE)
NOT_RECEIVED_RE = re.compile(
    r"\b(?:got (?:charged|billed|an? (?:email|call|message|text|notice|letter|notification|error))|came back)\b",
    re.IGNORECASE,
)
DELIVERED_ACTIONS = frozenset({"send", "ship", "reship", "deliver", "refund", "credit", "replace", "expedite",
                               "issue", "reimburse", "email", "text"})  # fmt: skip
NEGATION_RE = re.compile(r"\b(?:not|never|yet to|still waiting|unable|cannot)\b|n[’']t\b", re.IGNORECASE)
# Still to come, or only possible: "will be refunded", "should have shipped", "once it has shipped".
NOT_YET_RE = re.compile(
    r"\b(?:will|would|should|shall|going to|gonna|once|if|as soon as|until|expect|expected|may|might|could|can)\b"
    r"|['’]ll\b",
    re.IGNORECASE,
)
QUESTION_START_RE = re.compile(r"^\s*(?:has|have|had|did|does|do|is|are|was|were|can|could|will|would)\b", re.I)
# The agent says who or what did it: "your replacement shipped", "I've refunded", "it has been sent".
_SUBJECT = r"(?:i|we|it|they|this|that|(?:your|the|our) \w+(?: \w+)?)(?:['’](?:ve|s|d))?"
_AUX = r"(?:(?:has|have|had|was|were|is|are|been|just|already|now|successfully|finally|also)\s+)*"
_CLAUSE_SPLIT = re.compile(r"\s*(?:[,;:–—]|\band\b|\bbut\b|\bso\b)\s*", re.IGNORECASE)
_WORD = re.compile(r"[a-z]{4,}")
_GENERIC = frozenset(
    "will with that this your have been they them their there then than when what which would could should "
    "about after before today tomorrow tonight week weeks month next monday tuesday wednesday thursday friday "
    "saturday sunday morning afternoon evening hours days soon asap right away within sure make going also just "
    "again back know call email text ship send".split()
)


@dataclass(frozen=True)
class Fulfilment:
    utterance_id: str
    quote: str


def _content_words(text: str, action: str) -> set[str]:
    words = set(_WORD.findall(text.lower())) - _GENERIC
    return {w for w in words if not w.startswith(action.split()[0][:4])}


@lru_cache(maxsize=64)
def _agent_done_re(action: str) -> re.Pattern[str] | None:
    """'<who> [has been] <past form of the action>' for one promised action."""
    forms = "|".join(re.escape(form) for form in PAST_FORMS.get(action, ()))
    return re.compile(rf"\b{_SUBJECT}\s+{_AUX}(?:{forms})\b", re.IGNORECASE) if forms else None


def _clause_done(clause: str, action: str, role: str) -> bool:
    if NEGATION_RE.search(clause) or NOT_YET_RE.search(clause) or QUESTION_START_RE.search(clause):
        return False
    if role == "agent":
        pattern = _agent_done_re(action)
        return pattern is not None and pattern.search(clause) is not None
    return action in DELIVERED_ACTIONS and bool(RECEIVED_RE.search(clause)) and not NOT_RECEIVED_RE.search(clause)


def fulfils(commitment: dict[str, Any], sentence: str, role: str) -> bool:
    """Does this sentence of a later interaction say the promised thing was done? Judged clause by
    clause: "It shipped this morning, you don't need to do anything" is done; "Once it has
    shipped, you'll get an email" is not."""
    action = str(commitment.get("action") or "").lower()
    text = sentence.strip()
    if not action or not text or role not in ("agent", "customer"):
        return False
    about = _content_words(str(commitment.get("quote") or ""), action)
    if role == "customer" and not about:
        return False  # "I got it" says nothing about which promise
    if text.endswith("?") and "," not in text:
        return False  # a question; "I sent the label last week, did you get it?" keeps its statement
    for clause in _CLAUSE_SPLIT.split(text.rstrip("?")):
        if clause and _clause_done(clause, action, role):
            return not about or bool(about & _content_words(text, action))
    return False


def find_fulfilment(commitment: dict[str, Any], payload: InteractionIn) -> Fulfilment | None:
    for index, utterance in enumerate(payload.utterances):
        uid = utterance.id if utterance.id is not None else str(index)
        for sentence in re.split(r"(?<=[.!?])\s+", utterance.text):
            if fulfils(commitment, sentence, utterance.role):
                return Fulfilment(utterance_id=uid, quote=sentence.strip())
    return None


def mark_fulfilled(conn: Connection, *, customer_id: str, interaction_id: str, payload: InteractionIn) -> int:
    """Set `done` on the customer's pending commitments (from earlier interactions) this one fulfils."""
    done = 0
    for row in repo.pending_commitments_before(conn, customer_id=customer_id, interaction_id=interaction_id,
                                               at=payload.started_at):  # fmt: skip
        promise = {**row["attributes"], "quote": row["attributes"].get("quote") or row["text"]}  # corrected: no quote
        found = find_fulfilment(promise, payload)
        if found is None:
            continue
        repo.merge_attributes(conn, observation_id=row["id"], attributes={
            "status": "done", "fulfilled_in": interaction_id, "fulfilled_at": payload.started_at.isoformat(),
            "fulfilment": found.quote, "fulfilment_utterance_ids": [found.utterance_id],
        })  # fmt: skip
        done += 1
    return done
