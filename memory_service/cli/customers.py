"""Commands that talk to a running service over HTTP: inspect and fix a customer's memory,
recall, ingest."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from memory_service.cli.common import ApiKey, DataDir, ServiceUrl, settings_for

profile_app = typer.Typer(help="Inspect what the service knows about a customer.", no_args_is_help=True)


def _client(url: str | None, api_key: str | None, data_dir: Path | None) -> Any:
    from memory_service.client import MemoryClient

    if url is None:
        state = settings_for(data_dir).data_dir / "service.json"
        if not state.exists():
            raise typer.BadParameter("no --url given and no running `memory-service up` found in the data directory")
        url = json.loads(state.read_text())["url"]
    if not api_key:
        api_key = os.environ.get("MEMORY_BOOTSTRAP_API_KEY")
    return MemoryClient(url, api_key)


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


@profile_app.command("show")
def profile_show(customer_ref: str, url: ServiceUrl = None, api_key: ApiKey = None, data_dir: DataDir = None) -> None:
    """Print a customer's profile (CUSTOMER_REF: id or type:value)."""
    _print(_client(url, api_key, data_dir).profile(customer_ref))


@profile_app.command("observations")
def profile_observations(
    customer_ref: str,
    kind: Annotated[str | None, typer.Option(help="trait, preference, issue, event, commitment, fact, ...")] = None,
    status: Annotated[str, typer.Option(help="active, superseded, retracted or all")] = "active",
    limit: int = 50, url: ServiceUrl = None, api_key: ApiKey = None, data_dir: DataDir = None,
) -> None:  # fmt: skip
    """List a customer's observations, newest first, with ids to retract or correct them."""
    page = _client(url, api_key, data_dir).observations(customer_ref, kind=kind, status=status, limit=limit)
    for o in page["items"]:
        sources = ", ".join(f"{s['external_id'] or s['interaction_id']}:{'/'.join(s['utterance_ids'])}"
                            for s in o["sources"])  # fmt: skip
        flag = " needs-review" if o.get("needs_review") else ""
        head = f"{o['id']}  {o['status']:<10} {o['kind']:<10} {o['confidence']:.2f}{flag}"
        typer.echo(f"{head}  {o['text']}  <- {sources}")
    if not page["items"]:
        typer.echo("(none)")


@profile_app.command("retract")
def profile_retract(
    customer_ref: str, observation_id: str,
    reason: Annotated[str | None, typer.Option(help="Why (kept with the observation)")] = None,
    url: ServiceUrl = None, api_key: ApiKey = None, data_dir: DataDir = None,
) -> None:  # fmt: skip
    """Retract a wrong observation: it stays in the history, never comes back from recall."""
    _client(url, api_key, data_dir).retract_observation(customer_ref, observation_id, reason=reason)
    typer.echo(f"retracted {observation_id}")


@profile_app.command("correct")
def profile_correct(
    customer_ref: str, observation_id: str,
    text: Annotated[str | None, typer.Option(help="The corrected sentence")] = None,
    value: Annotated[str | None, typer.Option(help="A trait's corrected value (email, phone, address, ...)")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept with the observation)")] = None,
    url: ServiceUrl = None, api_key: ApiKey = None, data_dir: DataDir = None,
) -> None:  # fmt: skip
    """Correct an observation: the corrected one supersedes it (history kept) and prints."""
    _print(_client(url, api_key, data_dir).correct_observation(customer_ref, observation_id, text=text, value=value,
                                                               reason=reason))  # fmt: skip


@profile_app.command("forget")
def profile_forget(
    customer_ref: str, yes: Annotated[bool, typer.Option("--yes", help="Do not ask")] = False,
    url: ServiceUrl = None, api_key: ApiKey = None, data_dir: DataDir = None,
) -> None:  # fmt: skip
    """Erase a customer everywhere: profile, identifiers, interactions, observations, index."""
    if not yes:
        typer.confirm(f"Erase everything known about {customer_ref}?", abort=True)
    _client(url, api_key, data_dir).forget_customer(customer_ref)
    typer.echo(f"forgot {customer_ref}")


def recall(
    customer_ref: str, query: str, top_k: int = 10, url: ServiceUrl = None, api_key: ApiKey = None,
    data_dir: DataDir = None,
) -> None:  # fmt: skip
    """Recall what matters about a customer for a query."""
    answer = _client(url, api_key, data_dir).recall(customer_ref, query, top_k=top_k, include_profile=False)
    for item in answer["items"]:
        typer.echo(f"{item['score']:.3f}  [{item['kind']}]  {item['text']}  <- {item['source']['utterance_ids']}")
    if not answer["items"]:
        typer.echo("(nothing relevant)")


def ingest(
    file: Path, url: ServiceUrl = None, api_key: ApiKey = None, data_dir: DataDir = None,
    wait: Annotated[bool, typer.Option(help="Wait until every interaction is processed")] = False,
) -> None:  # fmt: skip
    """Post every interaction of a JSONL file (one per line)."""
    from memory_service.client import MemoryClientError

    client = _client(url, api_key, data_dir)
    lines = [line for line in file.read_text().splitlines() if line.strip()]
    accepted, failed, ids = 0, 0, []
    with typer.progressbar(lines, label="ingesting") as progress:
        for number, line in enumerate(progress, start=1):
            try:
                answer = client.ingest(json.loads(line))
                ids.append(answer["interaction_id"])
                accepted += 1
            except (MemoryClientError, json.JSONDecodeError) as exc:
                failed += 1
                typer.echo(f"\nline {number}: {exc}", err=True)
    if wait:
        for interaction_id in ids:
            client.wait(interaction_id, timeout=600)
    typer.echo(f"accepted {accepted}, failed {failed}")
    if failed:
        raise typer.Exit(1)
