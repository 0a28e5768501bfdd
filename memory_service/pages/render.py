"""The agent page as HTML: a Jinja2 template with autoescaping on, so nothing a customer said
can become markup."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from memory_service.context.service import trait_value
from schemas.handoff import HandoffBrief
from schemas.profiles import Profile

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class PageData:
    profile: Profile
    timeline: list[dict[str, object]]
    brief: HandoffBrief | None


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    env.filters["day"] = lambda value: str(value)[:10] if value else ""
    env.filters["minute"] = lambda value: str(value)[:16].replace("T", " ") if value else ""
    env.filters["trait_value"] = trait_value
    env.filters["value"] = lambda v: ", ".join(map(str, v)) if isinstance(v, list) else str(v)
    return env


def render_page(data: PageData) -> str:
    return (
        _environment()
        .get_template("agent_page.html")
        .render(profile=data.profile, timeline=data.timeline, brief=data.brief)
    )
