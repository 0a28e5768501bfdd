"""People fix what the service knows (a flow: observations and identity): retract an observation, or correct it.

Both keep the history. A retracted observation stays listed (status `retracted`, with who
said why in its attributes) and never comes back from recall or the profile; if it had
superseded an older value (a wrong new address), that value is active again, unless it was
itself a correction (what a person corrected stays history). Retracting twice is a no-op.

A correction is a new observation that supersedes the old one: the same kind, trait and
sources (the utterances it rests on), the corrected text or value, confidence 1.0 (a person
confirmed it) and `corrected_from` naming the old one; for a single-valued trait it also
settles a conflict flagged for review (the other values go to history). A trait is corrected
by its value (its sentence follows from it), so its typed value never disagrees with its text.

Identity follows: correcting or retracting an email or phone that the conversation had linked
as an identifier unlinks it (unless a posted interaction named it, or another active
observation still states it), and a corrected value no other customer owns is linked instead.
One that another customer owns is left alone: a person's correction never merges customers.

Locks follow the writers' order: identifier advisory locks, then the (surviving) customer row,
then the observation. The text and its vector are prepared before any lock is taken.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
from psycopg import Connection

from memory_service.customers import repository as customers_repo
from memory_service.errors import ConflictError, InvalidInputError, NotFoundError
from memory_service.extraction.base import SINGLE_VALUED_TRAITS, TRAIT_SENTENCES, content_key
from memory_service.extraction.patterns import normalize_identifier
from memory_service.identity.locks import STRONG_IDENTIFIER_TRAITS, lock_in_order
from memory_service.observations import repository as repo
from memory_service.observations.service import observation_out
from memory_service.units.changes import record_change
from schemas.observations import ObservationCorrection, ObservationOut

CORRECTED_CONFIDENCE = 1.0


def retract_observation(
    conn: Connection, *, tenant_id: str, customer_id: str, observation_id: str, reason: str | None,
    country_code: str = "1",
) -> str | None:  # fmt: skip
    """Retract one observation; returns the id of a predecessor made active again, if any."""
    peek = _peek(conn, tenant_id=tenant_id, customer_id=customer_id, observation_id=observation_id)
    old_ident = _identifier(peek["trait_key"], (peek["attributes"] or {}).get("value"), country_code)
    lock_in_order(conn, tenant_id=tenant_id, identifiers=[old_ident] if old_ident else [])
    customer_id, row = _locked(conn, tenant_id=tenant_id, customer_id=customer_id, observation_id=peek["id"],
                               allow_retracted=True)  # fmt: skip
    if row["status"] == "retracted":
        return None  # a retry of the same request
    now = datetime.now(UTC)
    repo.retract(conn, observation_id=row["id"], at=now,
                 attributes={"retracted_at": now.isoformat(), "retraction_reason": reason})  # fmt: skip
    # What a newer statement replaced was true before it; what a person corrected was wrong.
    corrected = bool((row["attributes"] or {}).get("corrected_from"))
    reinstated = None if corrected else repo.reinstate_predecessor(conn, observation_id=row["id"])
    if row["trait_key"] in SINGLE_VALUED_TRAITS:
        repo.clear_lone_review(conn, customer_id=customer_id, trait_key=row["trait_key"])
    if old_ident:
        _unlink_if_unsupported(conn, tenant_id=tenant_id, customer_id=customer_id, identifier=old_ident,
                               country_code=country_code)  # fmt: skip
    record_change(conn, tenant_id=tenant_id, customer_id=customer_id)
    return None if reinstated is None else str(reinstated)


def correct_observation(
    conn: Connection, *, tenant_id: str, customer_id: str, observation_id: str, correction: ObservationCorrection,
    embed: Callable[[str], Any], country_code: str = "1",
) -> ObservationOut:  # fmt: skip
    """Supersede one observation with its corrected version; returns the new observation."""
    peek = _peek(conn, tenant_id=tenant_id, customer_id=customer_id, observation_id=observation_id)
    trait_key = peek["trait_key"]
    attributes = dict(peek["attributes"] or {})
    if peek["kind"] == "trait" and trait_key:
        if correction.value is None:
            raise InvalidInputError("a trait is corrected by its value", loc=("body", "value"))
        value = normalize_identifier(trait_key, correction.value, default_country_code=country_code)
        attributes["value"] = value
        template = TRAIT_SENTENCES.get(trait_key, "The customer's " + trait_key.replace("_", " ") + " is {}.")
        text = correction.text or template.format(value)
    else:
        if correction.value is not None:
            raise InvalidInputError("only a trait has a value; correct its text instead", loc=("body", "value"))
        if correction.text is None:
            raise InvalidInputError("give the corrected text", loc=("body", "text"))
        text = correction.text
        attributes.pop("quote", None)  # the words said no longer match what is now held
        attributes["corrected_text"] = True
    vector = np.asarray(embed(text), dtype=np.float32)
    old_ident = _identifier(trait_key, (peek["attributes"] or {}).get("value"), country_code)
    new_ident = _identifier(trait_key, attributes.get("value"), country_code)
    lock_in_order(conn, tenant_id=tenant_id, identifiers=[i for i in (old_ident, new_ident) if i])
    try:
        customer_id, row = _locked(conn, tenant_id=tenant_id, customer_id=customer_id, observation_id=peek["id"])
    except ConflictError:
        repeat = _same_correction(conn, tenant_id=tenant_id, customer_id=customer_id, observation_id=peek["id"],
                                  text=text)  # fmt: skip
        if repeat is None:
            raise
        return repeat  # a retry of a correction already made

    now = datetime.now(UTC)
    attributes.update(corrected_from=str(row["id"]), corrected_at=now.isoformat(), correction_reason=correction.reason)
    new_id = uuid.uuid4()
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
    if old_ident and old_ident != new_ident:
        _unlink_if_unsupported(conn, tenant_id=tenant_id, customer_id=customer_id, identifier=old_ident,
                               country_code=country_code)  # fmt: skip
    if new_ident:
        owner = customers_repo.find_customer_by_identifier(conn, tenant_id=tenant_id, type_=new_ident[0],
                                                           value=new_ident[1])  # fmt: skip
        if owner is None:
            customers_repo.insert_identifier(conn, tenant_id=tenant_id, customer_id=customer_id,
                                             type_=new_ident[0], value=new_ident[1])  # fmt: skip
    record_change(conn, tenant_id=tenant_id, customer_id=customer_id)
    fresh = repo.fetch_with_sources(conn, tenant_id=tenant_id, customer_id=customer_id, ids=[str(new_id)])
    return observation_out(fresh[str(new_id)])


def _same_correction(
    conn: Connection, *, tenant_id: str, customer_id: str, observation_id: Any, text: str
) -> ObservationOut | None:
    """The correction that already superseded this observation, if it says the same thing."""
    survivor = customers_repo.root_customer(conn, customer_id=customer_id)
    old = repo.get_for_edit(conn, tenant_id=tenant_id, customer_id=survivor, observation_id=str(observation_id),
                            lock=False)  # fmt: skip
    successor = old and old.get("superseded_by")
    if not successor:
        return None
    rows = repo.fetch_with_sources(conn, tenant_id=tenant_id, customer_id=survivor, ids=[str(successor)])
    row = rows.get(str(successor))
    if row is None or row["attributes"].get("corrected_from") != str(observation_id) or row["text"] != text:
        return None
    return observation_out(row)


def _not_found(observation_id: str) -> NotFoundError:
    return NotFoundError(f"observation {observation_id!r} not found", loc=("path", "observation_id"))


def _peek(conn: Connection, *, tenant_id: str, customer_id: str, observation_id: str) -> dict[str, Any]:
    """The observation as it is now (no lock), wherever a merge moved its customer."""
    try:
        observation_id = str(uuid.UUID(observation_id))
    except ValueError:
        raise _not_found(observation_id) from None
    survivor = customers_repo.root_customer(conn, customer_id=customer_id)
    row = repo.get_for_edit(conn, tenant_id=tenant_id, customer_id=survivor, observation_id=observation_id, lock=False)
    if row is None:
        raise _not_found(observation_id)
    return row


def _locked(
    conn: Connection, *, tenant_id: str, customer_id: str, observation_id: Any, allow_retracted: bool = False
) -> tuple[str, dict[str, Any]]:
    """Lock the surviving customer (following merges, also one made while we waited), then the row."""
    for _ in range(8):
        survivor = customers_repo.root_customer(conn, customer_id=customer_id)
        lock_in_order(conn, tenant_id=tenant_id, customer_ids=[survivor])
        if customers_repo.root_customer(conn, customer_id=survivor) == survivor:
            break
        customer_id = survivor
    else:
        raise ConflictError("the customer kept being merged; try again", loc=("path", "customer_ref"))
    row = repo.get_for_edit(conn, tenant_id=tenant_id, customer_id=survivor, observation_id=str(observation_id))
    if row is None:
        raise _not_found(str(observation_id))
    if row["status"] != "active" and not (allow_retracted and row["status"] == "retracted"):
        raise ConflictError(
            f"observation {observation_id!s} is {row['status']}; only active observations can be changed",
            loc=("path", "observation_id"),
        )
    return survivor, row


def _identifier(trait_key: str | None, value: Any, country_code: str) -> tuple[str, str] | None:
    if trait_key not in STRONG_IDENTIFIER_TRAITS or not value:
        return None
    type_ = STRONG_IDENTIFIER_TRAITS[trait_key]
    return type_, normalize_identifier(type_, str(value), default_country_code=country_code)


def _unlink_if_unsupported(
    conn: Connection, *, tenant_id: str, customer_id: str, identifier: tuple[str, str], country_code: str
) -> None:
    """Unlink an identifier the conversation gave, once nothing supports it any more."""
    type_, value = identifier
    if repo.active_trait_value_exists(conn, customer_id=customer_id, trait_key=type_, value=value):
        return
    for posted in customers_repo.posted_identifiers(conn, customer_id=customer_id):
        if posted.get("type") == type_ and normalize_identifier(
            type_, str(posted.get("value", "")), default_country_code=country_code
        ) == value:
            return
    customers_repo.delete_identifier(conn, tenant_id=tenant_id, customer_id=customer_id, type_=type_, value=value)
