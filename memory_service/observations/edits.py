"""People fix what the service knows: retract an observation, or correct it.

Both keep the history. A retracted observation stays listed (status `retracted`, with who
said why in its attributes) and never comes back from recall or the profile; if it had
superseded an older value (a wrong new address), that value is active again, unless it was
itself a correction (what a person corrected stays history). A correction is a
new observation that supersedes the old one: the same kind, trait and sources (the utterances
it rests on), the corrected text or value, confidence 1.0 (a person confirmed it) and
`corrected_from` naming the old one; for a single-valued trait it also settles a conflict
flagged for review (the other values go to history). Writers lock the customer row first, as workers do, so an
edit and a worker reconciling the same customer serialise.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import numpy as np
from psycopg import Connection

from memory_service.customers import repository as customers_repo
from memory_service.errors import ConflictError, InvalidInputError, NotFoundError
from memory_service.extraction.base import SINGLE_VALUED_TRAITS, content_key
from memory_service.extraction.patterns import normalize_identifier
from memory_service.observations import repository as repo
from memory_service.observations.service import observation_out
from schemas.observations import ObservationCorrection, ObservationOut

CORRECTED_CONFIDENCE = 1.0


def _locked_active(conn: Connection, *, tenant_id: str, customer_id: str, observation_id: str) -> dict[str, Any]:
    try:
        observation_id = str(uuid.UUID(observation_id))
    except ValueError:
        raise NotFoundError(f"observation {observation_id!r} not found", loc=("path", "observation_id")) from None
    customers_repo.lock_customer(conn, customer_id=customer_id)
    row = repo.get_for_edit(conn, tenant_id=tenant_id, customer_id=customer_id, observation_id=observation_id)
    if row is None:
        raise NotFoundError(f"observation {observation_id!r} not found", loc=("path", "observation_id"))
    if row["status"] != "active":
        raise ConflictError(
            f"observation {observation_id!r} is {row['status']}; only active observations can be changed",
            loc=("path", "observation_id"),
        )
    return row


def retract_observation(
    conn: Connection, *, tenant_id: str, customer_id: str, observation_id: str, reason: str | None
) -> str | None:
    """Retract one observation; returns the id of a predecessor made active again, if any."""
    row = _locked_active(conn, tenant_id=tenant_id, customer_id=customer_id, observation_id=observation_id)
    now = datetime.now(UTC)
    repo.retract(conn, observation_id=row["id"], at=now,
                 attributes={"retracted_at": now.isoformat(), "retraction_reason": reason})  # fmt: skip
    # What a newer statement replaced was true before it; what a person corrected was wrong.
    corrected = bool((row["attributes"] or {}).get("corrected_from"))
    reinstated = None if corrected else repo.reinstate_predecessor(conn, observation_id=row["id"])
    if row["trait_key"] in SINGLE_VALUED_TRAITS:
        repo.clear_lone_review(conn, customer_id=customer_id, trait_key=row["trait_key"])
    customers_repo.record_change(conn, tenant_id=tenant_id, customer_id=customer_id)
    return None if reinstated is None else str(reinstated)


def correct_observation(
    conn: Connection, *, tenant_id: str, customer_id: str, observation_id: str, correction: ObservationCorrection,
    embed: Any, country_code: str = "1",
) -> ObservationOut:  # fmt: skip
    """Supersede one observation with its corrected version; returns the new observation."""
    row = _locked_active(conn, tenant_id=tenant_id, customer_id=customer_id, observation_id=observation_id)
    trait_key = row["trait_key"]
    attributes = dict(row["attributes"] or {})
    value = correction.value
    if value is not None:
        if row["kind"] != "trait" or not trait_key:
            raise InvalidInputError("only a trait has a value; correct its text instead", loc=("body", "value"))
        value = normalize_identifier(trait_key, value, default_country_code=country_code)
        attributes["value"] = value
    text = correction.text or _trait_sentence(trait_key, value)
    if text is None:
        raise InvalidInputError("give the corrected text", loc=("body", "text"))
    now = datetime.now(UTC)
    attributes.update(corrected_from=str(row["id"]), corrected_at=now.isoformat(), correction_reason=correction.reason)
    new_id = uuid.uuid4()
    vector = np.asarray(embed(text), dtype=np.float32)
    repo.insert_observation(
        conn, observation_id=new_id, tenant_id=tenant_id, customer_id=customer_id, kind=row["kind"], text=text,
        attributes=attributes, trait_key=trait_key, embedding=vector, confidence=CORRECTED_CONFIDENCE,
        content_key=content_key(row["kind"], text, trait_key, attributes.get("value")),
        observed_at=row["observed_at"],
    )  # fmt: skip
    repo.set_valid_from(conn, observation_id=new_id, valid_from=now)
    copied = repo.move_sources(conn, from_id=row["id"], into_id=new_id)
    repo.set_support(conn, observation_id=new_id, confidence=CORRECTED_CONFIDENCE, support_count=max(copied, 1))
    repo.supersede(conn, observation_id=row["id"], superseded_by=new_id, valid_to=now)
    if trait_key in SINGLE_VALUED_TRAITS:  # a person settled it: other values flagged for review go to history
        repo.settle_trait(conn, customer_id=customer_id, trait_key=trait_key, keep_id=new_id, at=now)
    customers_repo.record_change(conn, tenant_id=tenant_id, customer_id=customer_id)
    fresh = repo.fetch_with_sources(conn, tenant_id=tenant_id, customer_id=customer_id, ids=[str(new_id)])
    return observation_out(fresh[str(new_id)])


def _trait_sentence(trait_key: str | None, value: str | None) -> str | None:
    if trait_key is None or value is None:
        return None
    from memory_service.extraction.traits import SENTENCES

    template = SENTENCES.get(trait_key)
    return template.format(value) if template else f"The customer's {trait_key.replace('_', ' ')} is {value}."
