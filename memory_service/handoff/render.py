"""The handoff brief as Markdown an agent desktop shows as it is, within a token budget.

Sections come in the order a person taking over needs them; when the budget is short, what comes
last is left out (the last line kept is cut at a word). Every fact shown names where it came
from: channel, date and utterance ids; the JSON beside it carries the full sources."""

from __future__ import annotations

from memory_service.recall.items import quoted_if_flagged
from memory_service.tokens import fit_lines
from schemas.handoff import HandoffBrief, ProvidedFact
from schemas.observations import Source


def _day(value: object) -> str:
    return str(value)[:10] if value else "?"


def _where(source: Source, *, channel: str | None = None, at: object = None) -> str:
    said = "/".join(source.utterance_ids)
    parts = [p for p in (channel, _day(at) if at else None, source.external_id or None) if p]
    return f"({', '.join(parts)}{'; ' if parts and said else ''}{'utt ' + said if said else ''})"


def _fact(fact: ProvidedFact) -> str:
    value = ", ".join(map(str, fact.value)) if isinstance(fact.value, list) else str(fact.value)
    where = _where(fact.source, channel=fact.channel, at=fact.observed_at)
    return f"- **{fact.trait.replace('_', ' ')}**: {value} {where}"


def brief_lines(brief: HandoffBrief) -> list[str]:
    who = brief.identity
    lines = [f"# Handoff: {who.name or 'customer ' + brief.customer_id[:8]}"]
    lines.append(f"**Reason:** {brief.reason}" + (f" (trigger: {brief.trigger})" if brief.trigger else ""))
    if brief.detected_issue:
        lines.append(f"**Issue in this conversation:** {brief.detected_issue}")
    mood = brief.sentiment
    if mood.now:
        lines.append(f"**Sentiment:** {mood.now}" + (f", {mood.trend}" if mood.trend else ""))
    ids = ", ".join(f"{i['type']} {i['value']}" for i in who.identifiers)
    since = f"customer since {_day(who.first_seen)}" if who.first_seen else "new customer"
    lines.append(f"**Customer:** {since}; channels: {', '.join(who.channels) or '-'}; verified: {ids or '-'}")
    if brief.already_provided:
        lines += ["", "## Already provided (do not ask again)", *map(_fact, brief.already_provided)]
    if brief.open_issues or brief.commitments:
        lines += ["", "## Open issues and commitments"]
        lines += [f"- Issue: {i.text} {_where(i.source, at=i.observed_at)}" for i in brief.open_issues]
        lines += [
            f"- {'OVERDUE ' if c.overdue else ''}Promise: {c.text}"
            f"{f' (due {c.due_date})' if c.due_date else ''} {_where(c.source, at=c.observed_at)}"
            for c in brief.commitments
        ]
    if brief.conversation_summary:
        lines += ["", "## This conversation", brief.conversation_summary]
    if brief.relevant:
        lines += ["", "## Relevant memory"]
        lines += [f"- [{r.kind}] {quoted_if_flagged(r.text, r.flags)} {_where(r.source, at=r.observed_at)}"
                  for r in brief.relevant]  # fmt: skip
    if brief.recent_interactions:
        lines += ["", "## Recent interactions"]
        lines += [
            f"- {r.channel} {_day(r.started_at)}: {r.summary or '(no summary)'}" for r in brief.recent_interactions
        ]
    if brief.links:
        lines += ["", "## Full history", *[f"- {name}: {url}" for name, url in brief.links.items()]]
    return lines


def render(brief: HandoffBrief, budget: int) -> tuple[str, int]:
    """(Markdown, its token count), the count never over `budget`."""
    return fit_lines(brief_lines(brief), budget)
