"""Rich tables and panels for people at a terminal; every command that prints one also takes
`--json` for machines (the client's model as JSON). What customers said is escaped: "[open]" in
a memory's text is text, not Rich markup."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console, Group
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.table import Column, Table

from schemas.handoff import HandoffBrief
from schemas.observations import ObservationPage
from schemas.profiles import Profile
from schemas.recall import RecallResponse


def console() -> Console:
    return Console(soft_wrap=False)


def _day(value: object) -> str:
    return str(value)[:10] if value else ""


def _value(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _where(source: Any) -> str:
    return f"{source.external_id or source.interaction_id[:8]}:{'/'.join(source.utterance_ids)}"


def profile_view(profile: Profile) -> Group:
    head = Table.grid(padding=(0, 2))
    head.add_row("customer", profile.customer_id)
    for identifier in profile.identifiers:
        head.add_row(identifier["type"], escape(identifier["value"]))
    since = f"{_day(profile.first_seen)} … {_day(profile.last_seen)}"
    head.add_row("seen", f"{since}  ({profile.interaction_count} interactions: {', '.join(profile.channels)})")
    if profile.sentiment_direction:
        head.add_row("sentiment", profile.sentiment_direction)
    traits = Table("trait", "value", "confidence", "updated", "source", box=box.SIMPLE_HEAD, title="Traits")
    for key, trait in sorted(profile.traits.items()):
        flag = " [yellow](review)[/]" if trait.needs_review else ""
        traits.add_row(key, escape(_value(trait.value)) + flag, f"{trait.confidence:.2f}", _day(trait.updated_at),
                       _where(trait.source))  # fmt: skip
    items = Table("open", "text", "since", "source", box=box.SIMPLE_HEAD, title="Open issues and promises")
    for issue in profile.open_issues:
        items.add_row("issue", escape(issue.text), _day(issue.observed_at), _where(issue.source))
    for promise in profile.pending_commitments:
        label = "[red]overdue[/]" if promise.overdue else "promise"
        items.add_row(label, escape(promise.text), _day(promise.observed_at), _where(promise.source))
    recent = Table("started", "channel", "status", "summary", box=box.SIMPLE_HEAD, title="Recent interactions")
    for r in profile.recent_interactions:
        recent.add_row(str(r.started_at)[:16], r.channel, r.status, escape(r.summary or ""))
    parts: list[Any] = [Panel(head, title=escape(profile.name or "customer"), expand=False), traits]
    parts += [items] if items.row_count else []
    return Group(*parts, recent)


def observations_view(page: ObservationPage) -> Table:
    """Two columns, so it reads in 80 columns: the id whole (what `profile correct` and `profile
    retract` take) over its status, kind and confidence; the text over its sources."""
    table = Table(Column("observation", no_wrap=True, min_width=36), "text  ← sources", box=box.SIMPLE_HEAD)
    for o in page.items:
        flag = " [yellow]needs review[/]" if o.needs_review else ""
        sources = ", ".join(_where(s) for s in o.sources)
        table.add_row(f"{o.id}\n[dim]{o.status} {o.kind} {o.confidence:.2f}[/]",
                      f"{escape(o.text)}{flag}\n[dim]← {escape(sources)}[/]")  # fmt: skip
    if page.next_cursor:
        table.caption = f"more: --cursor {page.next_cursor}"
    return table


def recall_view(answer: RecallResponse) -> Table:
    table = Table("score", "kind", "text", "when", "source", box=box.SIMPLE_HEAD,
                  caption=f"{len(answer.items)} items, ~{answer.token_count} tokens")  # fmt: skip
    for item in answer.items:
        table.add_row(f"{item.score:.3f}", item.kind, escape(item.text), _day(item.observed_at), _where(item.source))
    return table


def handoff_view(brief: HandoffBrief) -> Group:
    facts = Table("already provided", "value", "given", "source", box=box.SIMPLE_HEAD)
    for fact in brief.already_provided:
        given = f"{fact.channel or ''} {_day(fact.observed_at)}"
        facts.add_row(fact.trait.replace("_", " "), escape(_value(fact.value)), given, _where(fact.source))
    brief_panel = Panel(Markdown(brief.text), title=f"handoff ({brief.token_count} tokens)", expand=False)
    return Group(brief_panel, facts) if brief.already_provided else Group(brief_panel)
