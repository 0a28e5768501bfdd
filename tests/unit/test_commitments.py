"""Which later sentences fulfil a pending commitment (no I/O)."""

from __future__ import annotations

import pytest

from memory_service.observations.commitments import fulfils

SHIP = {"action": "ship", "quote": "We'll ship a replacement by Friday."}
CALL = {"action": "call", "quote": "I'll call you back tomorrow."}
REFUND = {"action": "refund", "quote": "We will refund the delivery fee."}
LABEL = {"action": "send", "quote": "We'll send you a return label."}


@pytest.mark.parametrize(
    ("commitment", "sentence", "role"),
    [
        (SHIP, "Good news, your replacement shipped this morning.", "agent"),
        (SHIP, "The replacement has been shipped.", "agent"),
        (SHIP, "The replacement arrived yesterday, thanks.", "customer"),
        (CALL, "I called you on Monday as promised.", "agent"),
        (REFUND, "I've refunded the delivery fee to your card.", "agent"),
        (REFUND, "I got the refund for the delivery fee.", "customer"),
        (SHIP, "Your replacement shipped this morning, you don't need to do anything.", "agent"),
        (LABEL, "I sent you a return label last week, did you get it?", "agent"),
        (SHIP, "I've reshipped it and the replacement shipped today", "agent"),
    ],
)
def test_fulfilled(commitment: dict, sentence: str, role: str) -> None:
    assert fulfils(commitment, sentence, role)


@pytest.mark.parametrize(
    ("commitment", "sentence", "role"),
    [
        (SHIP, "Has the replacement shipped?", "agent"),  # a question
        (SHIP, "The replacement hasn't shipped yet.", "agent"),  # negated
        (SHIP, "I'm still waiting for the replacement, it never arrived.", "customer"),
        (SHIP, "We shipped your invoice by email.", "agent"),  # about something else
        (SHIP, "We'll ship the replacement on Monday.", "agent"),  # promised again, not done
        (SHIP, "Your replacement shipped.", "system"),  # only agents and customers
        (CALL, "The package arrived.", "customer"),  # a call is not received
        (REFUND, "I've refunded the subscription.", "agent"),  # another refund
        (SHIP, "Once the replacement has shipped, you will get a tracking email.", "agent"),
        (SHIP, "Your replacement will be shipped on Monday.", "agent"),
        (SHIP, "The replacement should have shipped yesterday.", "agent"),
        (REFUND, "The delivery fee will be refunded in 5 to 7 days.", "agent"),
        (CALL, "I see you called us last week.", "agent"),  # the customer called, not the agent
        (REFUND, "I got charged the delivery fee again.", "customer"),
        (SHIP, "I got an email saying the replacement is delayed.", "customer"),
        (SHIP, "The replacement came back to the warehouse.", "customer"),
        (SHIP, "has the replacement shipped", "agent"),  # an unpunctuated question
        ({"action": "send", "quote": "I'll send it today."}, "I got it.", "customer"),  # which promise?
    ],
)
def test_not_fulfilled(commitment: dict, sentence: str, role: str) -> None:
    assert not fulfils(commitment, sentence, role)
