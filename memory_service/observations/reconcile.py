"""Reconciliation: merge one interaction's observations into the customer's memory.

Each new observation is compared with the customer's active ones by trait key, content key
and vector similarity, and is one of:
- a duplicate (same trait value, same normalised text, or cosine >= 0.92 with the same
  kind): the existing observation is reinforced (one more source, confidence up);
- a refinement (cosine >= 0.65, same kind, and it says what the old one said and more):
  a new revision supersedes the old one, which stays in the history;
- a new value of a single-valued trait (address, email...): it supersedes the old value
  (valid_to, superseded_by); a value older than the current one goes straight to history;
- two different values of a single-valued trait in one interaction: both are kept, active
  and flagged `needs_review`, and nothing is superseded on their account;
- otherwise new.

Confidence: an observation starts at its extractor's confidence c0; each further,
independent source with confidence cs raises it to 1 - (1 - c)(1 - cs/2). A source is an
(observation, interaction) pair, so re-processing an interaction adds nothing. A revision
starts at the combined confidence of the old one and the new evidence.

The caller holds the customer's row lock, so concurrent workers on one customer serialise,
and the order of decisions is the extraction order: the outcome is deterministic.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from psycopg import Connection

from memory_service.db import to_numpy
from memory_service.extraction.base import SINGLE_VALUED_TRAITS, ExtractedObservation
from memory_service.observations import repository as repo

OBSERVATION_NAMESPACE = uuid.UUID("6f1c2a4e-3b0d-4f7e-9a51-7d2e8c9b1a30")
NEAR_DUPLICATE_COSINE = 0.92
REFINEMENT_COSINE = 0.65
_STOPWORDS = frozenset(
    (
        "the a an and or but of to in on at for with is are was were be been has have had their them they it its "
        "this that customer customer's s i my me we our"
    ).split()
)


@dataclass
class ReconcileResult:
    customer_id: str
    created: int = 0
    updated: int = 0


def combined_confidence(current: float, new: float) -> float:
    return round(1.0 - (1.0 - current) * (1.0 - new / 2.0), 4)


def observation_id(interaction_id: str, key: str) -> uuid.UUID:
    """Deterministic: re-processing an interaction derives the same ids."""
    return uuid.uuid5(OBSERVATION_NAMESPACE, f"{interaction_id}|{key}")


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", text.lower()) if w not in _STOPWORDS}


def is_refinement(old_text: str, new_text: str) -> bool:
    """The new text keeps (nearly) every content word of the old one and adds some."""
    old, new = _content_words(old_text), _content_words(new_text)
    return bool(old) and len(new) > len(old) and len(old & new) >= 0.8 * len(old)


class _Memory:
    """The customer's active observations, kept current while one interaction is merged in."""

    def __init__(self, rows: list[dict[str, Any]], dim: int) -> None:
        self.rows = rows
        self.dim = dim
        self._reindex()

    def _reindex(self) -> None:
        self.by_key = {row["content_key"]: row for row in self.rows}
        vectors = [to_numpy(row["embedding"]) for row in self.rows]
        self.matrix = np.array(vectors, dtype=np.float32).reshape(-1, self.dim)

    def nearest(self, vec: np.ndarray, kind: str) -> tuple[dict[str, Any] | None, float]:
        if not self.rows:
            return None, 0.0
        sims = self.matrix @ vec
        sims[[row["kind"] != kind for row in self.rows]] = -1.0
        best = int(np.argmax(sims))
        return self.rows[best], float(sims[best])

    def replace(self, gone: list[dict[str, Any]], added: dict[str, Any] | None) -> None:
        ids = {row["id"] for row in gone}
        self.rows = [row for row in self.rows if row["id"] not in ids] + ([added] if added else [])
        self._reindex()

    def rivals(self, obs: ExtractedObservation) -> list[dict[str, Any]]:
        if not obs.single_valued:
            return []
        value = (obs.value or "").lower()
        return [
            row
            for row in self.rows
            if row["trait_key"] == obs.trait_key and str(row["attributes"].get("value", "")).lower() != value
        ]


def _merge_near_duplicates(
    extracted: list[ExtractedObservation], vectors: np.ndarray
) -> tuple[list[ExtractedObservation], np.ndarray]:
    keep: list[int] = []
    for i, obs in enumerate(extracted):
        twin = next(
            (j for j in keep if extracted[j].kind == obs.kind and obs.trait_key is None
             and float(vectors[i] @ vectors[j]) >= NEAR_DUPLICATE_COSINE),
            None,
        )  # fmt: skip
        if twin is None:
            keep.append(i)
            continue
        kept = extracted[twin]
        kept.utterance_ids.extend(u for u in obs.utterance_ids if u not in kept.utterance_ids)
        kept.confidence = max(kept.confidence, obs.confidence)
    return [extracted[i] for i in keep], vectors[keep] if keep else vectors[:0]


def _conflicting_trait_keys(extracted: list[ExtractedObservation]) -> set[str]:
    values: dict[str, set[str]] = {}
    for obs in extracted:
        if obs.single_valued and obs.trait_key:
            values.setdefault(obs.trait_key, set()).add((obs.value or "").lower())
    return {key for key, seen in values.items() if len(seen) > 1}


def stated_traits(extracted: list[ExtractedObservation]) -> list[tuple[str, str]]:
    """(trait key, value) of every trait stated once, without a conflicting value beside it."""
    conflicted = _conflicting_trait_keys(extracted)
    return [(o.trait_key, o.value) for o in extracted if o.trait_key and o.value and o.trait_key not in conflicted]


class _Reconciler:
    def __init__(self, conn: Connection, *, tenant_id: str, customer_id: str, interaction_id: str, dim: int):
        self.conn = conn
        self.tenant_id = tenant_id
        self.interaction_id = interaction_id
        self.result = ReconcileResult(customer_id=customer_id)
        self.memory = _Memory(repo.active_for_reconcile(conn, customer_id=customer_id), dim)

    def merge(self, obs: ExtractedObservation, vec: np.ndarray, *, conflicted: bool) -> None:
        twin = self.memory.by_key.get(obs.key)
        nearest, similarity = (None, 0.0) if obs.trait_key else self.memory.nearest(vec, obs.kind)
        if twin is None and nearest is not None and similarity >= NEAR_DUPLICATE_COSINE:
            twin = nearest
        if twin is not None:
            self._reinforce(twin, obs)
        elif nearest is not None and similarity >= REFINEMENT_COSINE and is_refinement(nearest["text"], obs.text):
            self._insert(obs, vec, replaces=[nearest], revises=nearest)
        elif conflicted:
            self._insert(obs, vec, replaces=[], needs_review=True)
        else:
            self._insert(obs, vec, replaces=self.memory.rivals(obs))

    def _reinforce(self, twin: dict[str, Any], obs: ExtractedObservation) -> None:
        if repo.add_source(self.conn, observation_id=twin["id"], interaction_id=self.interaction_id,
                           utterance_ids=obs.utterance_ids, observed_at=obs.observed_at,
                           confidence=obs.confidence):  # fmt: skip
            confidence = combined_confidence(twin["confidence"], obs.confidence)
            self._carry_resolution(twin, obs)
            repo.reinforce(self.conn, observation_id=twin["id"], confidence=confidence, seen_at=obs.observed_at)
            twin["confidence"] = confidence
            self.result.updated += 1

    def _carry_resolution(self, twin: dict[str, Any], obs: ExtractedObservation) -> None:
        """An open issue raised again and resolved in a later interaction is resolved. The reverse
        is not done: a customer recounting an old problem does not reopen it."""
        if obs.kind != "issue" or not obs.attributes.get("resolved") or twin["attributes"].get("resolved"):
            return
        if obs.observed_at < (twin.get("last_seen_at") or twin["observed_at"]):
            return
        keys = ("resolved", "resolved_by", "resolution")
        resolution: dict[str, Any] = {k: obs.attributes[k] for k in keys if k in obs.attributes}
        resolution["resolved_in"] = self.interaction_id
        repo.merge_attributes(self.conn, observation_id=twin["id"], attributes=resolution)
        twin["attributes"] = {**twin["attributes"], **resolution}

    def _insert(
        self, obs: ExtractedObservation, vec: np.ndarray, *, replaces: list[dict[str, Any]],
        revises: dict[str, Any] | None = None, needs_review: bool = False,
    ) -> None:  # fmt: skip
        new_id = observation_id(self.interaction_id, obs.key)
        attributes = dict(obs.attributes)
        confidence = obs.confidence
        if revises is not None:
            attributes["revises"] = str(revises["id"])
            confidence = combined_confidence(revises["confidence"], obs.confidence)
        newer = [row for row in replaces if row["valid_from"] > obs.observed_at]
        status, valid_to, superseded_by = "active", None, None
        if newer:  # an older statement arriving late goes straight into history
            status, valid_to, superseded_by = "superseded", newer[0]["valid_from"], newer[0]["id"]
        if repo.insert_observation(
            self.conn, observation_id=new_id, tenant_id=self.tenant_id, customer_id=self.result.customer_id,
            kind=obs.kind, text=obs.text, attributes=attributes, trait_key=obs.trait_key, content_key=obs.key,
            embedding=vec, confidence=confidence, observed_at=obs.observed_at, status=status, valid_to=valid_to,
            superseded_by=superseded_by, needs_review=needs_review,
        ):  # fmt: skip
            self.result.created += 1
        repo.add_source(self.conn, observation_id=new_id, interaction_id=self.interaction_id,
                        utterance_ids=obs.utterance_ids, observed_at=obs.observed_at,
                        confidence=confidence)  # fmt: skip
        if status != "active":
            return
        for row in replaces:
            repo.supersede(self.conn, observation_id=row["id"], superseded_by=new_id, valid_to=obs.observed_at)
            self.result.updated += 1
        added = {"id": new_id, "kind": obs.kind, "text": obs.text, "content_key": obs.key, "embedding": vec,
                 "trait_key": obs.trait_key, "attributes": attributes, "confidence": confidence,
                 "valid_from": obs.observed_at}  # fmt: skip
        self.memory.replace(replaces, added)


def reconcile_observations(
    conn: Connection,
    *,
    tenant_id: str,
    customer_id: str,
    interaction_id: str,
    extracted: list[ExtractedObservation],
    vectors: np.ndarray,
) -> ReconcileResult:
    """Merge one interaction's observations into the customer's memory. Caller holds the customer lock.

    `customer_id` is the surviving customer: identity (identity/service.py) has already linked
    the emails and phones stated in the interaction and merged any customer owning them.
    """
    conflicted = _conflicting_trait_keys(extracted)
    extracted, vectors = _merge_near_duplicates(extracted, vectors)
    reconciler = _Reconciler(
        conn, tenant_id=tenant_id, customer_id=customer_id, interaction_id=interaction_id, dim=vectors.shape[1]
    )
    for obs, vec in zip(extracted, vectors, strict=True):
        reconciler.merge(obs, vec, conflicted=obs.trait_key in conflicted)
    return reconciler.result


def merge_memories(conn: Connection, *, customer_id: str) -> None:
    """After two customers became one: collapse exact duplicates and settle single-valued traits."""
    rows = repo.active_for_reconcile(conn, customer_id=customer_id)
    keepers: dict[str, dict[str, Any]] = {}
    for row in rows:  # oldest first
        keeper = keepers.setdefault(row["content_key"], row)
        if keeper is row:
            continue
        repo.move_sources(conn, from_id=row["id"], into_id=keeper["id"])
        repo.redirect_successor(conn, from_id=row["id"], into_id=keeper["id"])
        keeper["confidence"] = combined_confidence(keeper["confidence"], row["confidence"])
        corrected = {k: v for k, v in (row["attributes"] or {}).items() if k.startswith("correct")}
        if corrected and not keeper["attributes"].get("corrected_from"):  # a person's correction survives
            repo.merge_attributes(conn, observation_id=keeper["id"], attributes=corrected)
            keeper["attributes"] = {**keeper["attributes"], **corrected}
            keeper["confidence"] = max(keeper["confidence"], row["confidence"])
        repo.set_confidence(conn, observation_id=keeper["id"], confidence=keeper["confidence"],
                            extra_support=row["support_count"])  # fmt: skip
        repo.delete_observation(conn, observation_id=row["id"])
    latest: dict[str, dict[str, Any]] = {}
    for row in keepers.values():
        if row["trait_key"] and not row["needs_review"] and row["trait_key"] in SINGLE_VALUED_TRAITS:
            latest[row["trait_key"]] = row  # rows are oldest first: the last one wins
    for row in keepers.values():
        newest = latest.get(row["trait_key"] or "")
        if newest is not None and newest is not row and not row["needs_review"]:
            repo.supersede(conn, observation_id=row["id"], superseded_by=newest["id"], valid_to=newest["observed_at"])


def recompute_support(conn: Connection, *, customer_id: str) -> None:
    """After sources were removed (an interaction forgotten): confidence and support count
    again follow exactly the sources that remain. Sources stored before confidences were
    recorded keep the observation's current confidence."""
    for observation, sources in repo.source_confidences(conn, customer_id=customer_id).items():
        known = [c for c, _ in sources if c is not None]
        if len(known) != len(sources):
            continue
        confidence = known[0]
        for extra in known[1:]:
            confidence = combined_confidence(confidence, extra)
        if abs(confidence - sources[0][1]) > 1e-4:
            repo.set_support(conn, observation_id=observation, confidence=confidence, support_count=len(known))
