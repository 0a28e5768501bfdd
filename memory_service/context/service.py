"""The conversation-start context block: a profile and recalled memories as prompt-ready lines,
cut to a token budget counted by memory_service.tokens (exact, never over)."""

from __future__ import annotations

from dataclasses import dataclass

from memory_service.recall.items import quoted_if_flagged
from memory_service.tokens import fit_lines
from schemas.profiles import Profile, TraitOut
from schemas.recall import RecallItem

# Identity details first: they are what an agent must not ask for again.
TRAIT_ORDER = ("name", "email", "phone", "address", "order_number", "account_number", "username", "plan", "membership")


@dataclass
class Block:
    text: str
    token_count: int
    items: list[RecallItem]


def _day(value: object) -> str:
    return str(value)[:10] if value else "?"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def trait_value(trait: TraitOut) -> str:
    return ", ".join(map(str, trait.value)) if isinstance(trait.value, list) else str(trait.value)


def profile_lines(profile: Profile) -> list[str]:
    head = f"## Customer: {profile.name or 'unknown name'}"
    since = f"customer since {_day(profile.first_seen)}" if profile.first_seen else "new customer"
    lines = [head, f"- {since}; {profile.interaction_count} interactions; channels: {', '.join(profile.channels)}"]
    lines += [f"- {i['type']}: {i['value']}" for i in profile.identifiers]
    keys = sorted(profile.traits, key=lambda k: (TRAIT_ORDER.index(k) if k in TRAIT_ORDER else 99, k))
    lines += [f"- {k.replace('_', ' ')}: {trait_value(profile.traits[k])}" for k in keys if k != "name"]
    if profile.open_issues:
        lines.append("## Open issues")
        lines += [f"- [{_day(i.observed_at)}] {i.text}" for i in profile.open_issues]
    if profile.pending_commitments:
        lines.append("## Pending commitments")
        lines += [
            f"- [{_day(c.observed_at)}] {c.text}{' (OVERDUE)' if c.overdue else ''}"
            for c in profile.pending_commitments
        ]
    return lines


def build_block(profile: Profile, items: list[RecallItem], *, query: str | None, budget: int) -> Block:
    """Profile lines, then the recalled memories best first (or, without a query, the latest
    interaction summaries); whatever does not fit the budget is left out, the last line cut."""
    lines = profile_lines(profile)
    owners: dict[int, RecallItem] = {}
    if items:
        lines.append(f"## Relevant memory{f' for: {query}' if query else ''}")
        for item in items:
            owners[len(lines)] = item
            text = quoted_if_flagged(_one_line(item.text), item.flags)
            lines.append(f"- [{item.kind} {_day(item.observed_at)}] {text}")
    elif profile.recent_interactions:
        lines.append("## Recent interactions")
        lines += [
            f"- [{r.channel} {_day(r.started_at)}] {r.summary}" for r in profile.recent_interactions[:5] if r.summary
        ]
    lines = [line.replace("\n", " ") for line in lines]  # one line per fact: items are tracked by line
    text, used = fit_lines(lines, budget)
    shown = text.split("\n") if text else []
    kept = [item for i, item in owners.items() if i < len(shown) and shown[i] == lines[i]]  # shown whole
    return Block(text=text, token_count=used, items=kept)
