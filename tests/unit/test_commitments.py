"""Which later sentences fulfil a pending commitment (no I/O)."""

from __future__ import annotations

import pytest

from memory_service.observations.commitments import fulfils

SHIP = {"action": "ship", "quote": "We'll ship a replacement by Friday."}
CALL = {"action": "call", "quote": "I'll call you back tomorrow."}
REFUND = {"action": "refund", "quote": "We will refund the delivery fee."}


@pytest.mark.parametrize(
    ("commitment", "sentence", "role"),
    [
        (SHIP, "Good news, your replacement shipped this morning.", "agent"),
        (SHIP, "The replacement has been shipped.", "agent"),
        (SHIP, "The replacement arrived yesterday, thanks.", "customer"),
        (CALL, "I called you on Monday as promised.", "agent"),
        (REFUND, "I've refunded the delivery fee to your card.", "agent"),
        (REFUND, "I got the refund for the delivery fee.", "customer"),
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
    ],
)
def test_not_fulfilled(commitment: dict, sentence: str, role: str) -> None:
    assert not fulfils(commitment, sentence, role)
