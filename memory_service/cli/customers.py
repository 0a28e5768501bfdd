"""Commands that talk to a running service over HTTP (through memory_service_client): inspect
and fix a customer's memory, recall, ingest, an interaction's status."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from memory_service.cli.common import ApiKey, DataDir, ServiceUrl, settings_for

if TYPE_CHECKING:
    from memory_service_client import MemoryClient

profile_app = typer.Typer(help="Inspect what the service knows about a customer.", no_args_is_help=True)


def _client(url: str | None, api_key: str | None, data_dir: Path | None) -> MemoryClient:
    from memory_service_client import MemoryClient, ServiceNotFound, locate_service

    try:
        where = locate_service(url, api_key, settings_for(data_dir).data_dir if url is None else None)
    except ServiceNotFound as exc:
        raise typer.BadParameter(str(exc)) from None
    return MemoryClient(where.url, where.api_key)


def _print(data: Any) -> None:
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json")
    typer.echo(json.dumps(data, indent=2, default=str))


AsJson = Annotated[bool, typer.Option("--json", help="Print the JSON answer (for machines)")]


def _show(data: Any, as_json: bool, view: Callable[[Any], Any]) -> None:
    """JSON for machines, or a Rich table/panel for people."""
    if as_json:
        _print(data)
        return
    from memory_service.cli.views import console

    console().print(view(data))


@profile_app.command("show")
def profile_show(
    customer_ref: str, url: ServiceUrl = None, api_key: ApiKey = None, data_dir: DataDir = None, as_json: AsJson = False
) -> None:
    """Print a customer's profile (CUSTOMER_REF: id or type:value)."""
    from memory_service.cli.views import profile_view

    _show(_client(url, api_key, data_dir).profile(customer_ref), as_json, profile_view)


@profile_app.command("observations")
def profile_observations(
    customer_ref: str,
    kind: Annotated[str | None, typer.Option(help="trait, preference, issue, event, commitment, fact, ...")] = None,
    status: Annotated[str, typer.Option(help="active, superseded, retracted or all")] = "active",
    limit: int = 50, cursor: Annotated[str | None, typer.Option(help="next_cursor of the previous page")] = None,
    url: ServiceUrl = None, api_key: ApiKey = None, data_dir: DataDir = None, as_json: AsJson = False,
) -> None:  # fmt: skip
    """List a customer's observations, newest first, with ids to retract or correct them."""
    from memory_service.cli.views import observations_view

    page = _client(url, api_key, data_dir).observations(customer_ref, kind=kind, status=status, limit=limit,
                                                        cursor=cursor)  # fmt: skip
    _show(page, as_json, observations_view)


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
    data_dir: DataDir = None, as_json: AsJson = False,
) -> None:  # fmt: skip
    """Recall what matters about a customer for a query (scores, sources down to the utterance)."""
    from memory_service.cli.views import recall_view

    answer = _client(url, api_key, data_dir).recall(customer_ref, query, top_k=top_k, include_profile=False)
    _show(answer, as_json, recall_view)


def handoff(
    customer_ref: str,
    reason: Annotated[str, typer.Option(help="Why a person takes over")] = "customer asked for a person",
    interaction: Annotated[str | None, typer.Option(help="The live interaction's id")] = None,
    trigger: Annotated[str, typer.Option(help="customer_request, sentiment, policy, ...")] = "customer_request",
    token_budget: Annotated[int, typer.Option(help="Tokens for the Markdown text")] = 800,
    url: ServiceUrl = None, api_key: ApiKey = None, data_dir: DataDir = None, as_json: AsJson = False,
) -> None:  # fmt: skip
    """The handoff brief for a person taking over a conversation (Markdown and sources)."""
    from memory_service.cli.views import handoff_view

    if interaction is None:
        raise typer.BadParameter("give the live conversation with --interaction ID", param_hint="--interaction")
    brief = _client(url, api_key, data_dir).handoff(customer_ref, reason=reason, interaction_id=interaction,
                                                    trigger=trigger, token_budget=token_budget)  # fmt: skip
    _show(brief, as_json, handoff_view)


def ingest(
    file: Path, url: ServiceUrl = None, api_key: ApiKey = None, data_dir: DataDir = None,
    wait: Annotated[bool, typer.Option(help="Wait until every interaction is processed; report failures")] = False,
    timeout: Annotated[float, typer.Option(help="With --wait: seconds to wait for all of them")] = 600.0,
) -> None:  # fmt: skip
    """Post every interaction of a JSONL file (one per line). Exits 1 if any line was refused or,
    with --wait, any interaction failed or was not processed in time."""
    from memory_service_client import ApiError

    client = _client(url, api_key, data_dir)
    lines = [line for line in file.read_text().splitlines() if line.strip()]
    refused, ids = 0, []
    with typer.progressbar(lines, label="ingesting") as progress:
        for number, line in enumerate(progress, start=1):
            try:
                ids.append(client.ingest(json.loads(line)).interaction_id)
            except (ApiError, json.JSONDecodeError) as exc:
                refused += 1
                typer.echo(f"\nline {number}: {exc}", err=True)
    typer.echo(f"accepted {len(ids)}, refused {refused}")
    failed = _wait_all(client, ids, timeout) if wait else 0
    if refused or failed:
        raise typer.Exit(1)


def _wait_all(client: MemoryClient, ids: list[str], timeout: float) -> int:
    """Waits for each interaction; prints each one that failed or timed out; returns how many."""
    import time

    from memory_service_client import InteractionFailed, WaitTimeout

    deadline, failed, done = time.monotonic() + timeout, 0, 0
    for interaction_id in ids:
        try:
            client.wait(interaction_id, timeout=max(0.0, deadline - time.monotonic()))
            done += 1
        except InteractionFailed as exc:
            failed += 1
            typer.echo(f"failed: {interaction_id} ({exc.status.external_id}): {exc.status.error}", err=True)
        except WaitTimeout as exc:
            failed += 1
            typer.echo(f"not processed in time: {interaction_id} ({exc.last.external_id}), {exc.last.status}", err=True)
    typer.echo(f"processed {done}, failed or unfinished {failed}")
    return failed


def status(
    interaction_id: str, url: ServiceUrl = None, api_key: ApiKey = None, data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="The status as JSON")] = False,
) -> None:  # fmt: skip
    """Show one interaction's processing status (queued, processing, done, failed, live).
    Exits 1 when it failed."""
    state = _client(url, api_key, data_dir).interaction(interaction_id)
    if as_json:
        _print(state)
    else:
        typer.echo(f"{state.interaction_id}  {state.status}  external id {state.external_id}  "
                   f"customer {state.customer_id}")  # fmt: skip
        typer.echo(f"observations created {state.observations_created}, updated {state.observations_updated}; "
                   f"attempts {state.attempts}")  # fmt: skip
        if state.summary:
            typer.echo(f"summary: {state.summary}")
        if state.error:
            typer.echo(f"error: {state.error}")
    if state.status == "failed":
        raise typer.Exit(1)
