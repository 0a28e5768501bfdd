"""Bring-your-own-LLM extractor: any OpenAI-compatible chat-completions endpoint, over httpx.

Off by default (MEMORY_EXTRACTION_LLM_URL unset). The model is asked for JSON observations
with utterance ids; everything it returns is checked (known kinds, ids that exist in the
interaction, confidence in [0, 1], identity traits normalised). If the call or the answer
fails, the fallback extractor (the offline rules) answers instead, so an outage of the model
never fails an interaction.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import structlog

from memory_service.extraction import patterns as p
from memory_service.extraction.base import ExtractedObservation, Extraction, Extractor
from schemas.interactions import InteractionIn

log = structlog.get_logger(__name__)

KINDS = frozenset({"trait", "preference", "issue", "intent", "event", "commitment", "sentiment", "fact"})
SYSTEM_PROMPT = """You extract durable memory about a CUSTOMER from a contact-centre transcript.
Return JSON: {"observations": [...], "summary": "..."}. Each observation:
{"kind": one of trait|preference|issue|intent|event|commitment|sentiment|fact,
 "text": one standalone sentence about the customer ("The customer ..."),
 "utterance_ids": ids of the utterances it rests on, "confidence": 0..1,
 "attributes": typed details, e.g. {"trait": "email", "value": "..."} for identity traits
 (name, email, phone, address, username, order_number, account_number, plan, membership),
 {"date": "YYYY-MM-DD"} for dated events (resolve relative dates against the utterance time),
 {"status": "pending", "due_date": "YYYY-MM-DD"} for agent commitments,
 {"label": "positive|neutral|negative", "score": -1..1} for the one sentiment observation}.
Questions, greetings and small talk are not observations. What the agent says is not a fact
about the customer, except commitments and resolutions (mark a resolved issue with
{"resolved": true})."""


class LLMExtractor:
    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 30.0,
        fallback: Extractor | None = None,
        default_country_code: str = "1",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport)
        self.model = model
        self.fallback = fallback
        self.default_country_code = default_country_code

    def extract(self, interaction: InteractionIn) -> Extraction:
        try:
            answer = self._complete(interaction)
            return self._to_extraction(answer, interaction)
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            if self.fallback is None:
                raise
            log.warning("llm_extraction_failed", error=str(exc), external_id=interaction.external_id)
            return self.fallback.extract(interaction)

    def _complete(self, interaction: InteractionIn) -> dict[str, Any]:
        transcript = "\n".join(
            f"[{u.id}] ({u.role}{', ' + u.at.isoformat() if u.at else ''}) {u.text}" for u in interaction.utterances
        )
        body = {
            "model": self.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"Interaction started {interaction.started_at.isoformat()}.\n{transcript}"},
            ],
        }
        response = self.http.post("/chat/completions", json=body)
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
        answer = json.loads(content)
        if not isinstance(answer, dict) or not isinstance(answer.get("observations"), list):
            raise ValueError("the model did not answer with an observations list")
        return answer

    def _to_extraction(self, answer: dict[str, Any], interaction: InteractionIn) -> Extraction:
        known = {str(u.id): u for u in interaction.utterances}
        observations = [obs for item in answer["observations"] if (obs := self._observation(item, interaction, known))]
        summary = answer.get("summary")
        return Extraction(observations=observations, summary=summary if isinstance(summary, str) else None)

    def _observation(
        self, item: dict[str, Any], interaction: InteractionIn, known: dict[str, Any]
    ) -> ExtractedObservation | None:
        kind, text = item.get("kind"), item.get("text")
        ids = [str(i) for i in item.get("utterance_ids") or [] if str(i) in known]
        if kind not in KINDS or not isinstance(text, str) or not text.strip() or not ids:
            return None  # an observation without valid provenance is not kept
        attributes = dict(item.get("attributes") or {})
        trait_key = self._normalise_trait(attributes) if kind == "trait" else None
        if kind == "trait" and trait_key is None:
            return None
        at = known[ids[0]].at or interaction.started_at
        confidence = min(1.0, max(0.0, float(item.get("confidence", 0.7))))
        return ExtractedObservation(
            kind=kind, text=text.strip(), utterance_ids=ids, observed_at=at, confidence=confidence,
            attributes=attributes, trait_key=trait_key,
        )  # fmt: skip

    def _normalise_trait(self, attributes: dict[str, Any]) -> str | None:
        key, value = attributes.get("trait"), attributes.get("value")
        if not isinstance(key, str) or value is None:
            return None
        key = key.strip().lower()
        if key == "email":
            attributes["value"] = p.normalize_email(str(value))
        elif key == "phone":
            phone = p.normalize_phone(str(value), default_country_code=self.default_country_code)
            if phone is None:
                return None
            attributes["value"] = phone
        else:
            attributes["value"] = " ".join(str(value).split())
        attributes["trait"] = key
        return key

    def close(self) -> None:
        self.http.close()
