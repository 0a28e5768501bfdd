"""The `memory-service` command line."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from memory_service.config import Settings, get_settings


class _App(typer.Typer):
    """A refused request (404, 409, 422 ...) prints the service's answer, not a traceback."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from memory_service.client import MemoryClientError
        from memory_service.errors import MemoryServiceError

        try:
            return super().__call__(*args, **kwargs)
        except MemoryClientError as exc:
            typer.echo(f"error {exc.status_code}: {json.dumps(exc.detail, default=str)}", err=True)
            raise SystemExit(1) from None
        except MemoryServiceError as exc:
            typer.echo(f"error: {exc.msg}", err=True)
            raise SystemExit(1) from None


app = _App(help="Persistent customer memory for conversational AI.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
profile_app = typer.Typer(help="Inspect what the service knows about a customer.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(profile_app, name="profile")

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Embedded data directory (MEMORY_DATA_DIR)")]
ServiceUrl = Annotated[str | None, typer.Option("--url", envvar="MEMORY_URL", help="Base URL of a running service")]
ApiKey = Annotated[str | None, typer.Option("--api-key", envvar="MEMORY_API_KEY", help="Bearer API key")]


def _settings(data_dir: Path | None) -> Settings:
    if data_dir is not None:
        os.environ["MEMORY_DATA_DIR"] = str(data_dir.resolve())
        get_settings.cache_clear()
    return get_settings()


def resolve_services(settings: Settings) -> tuple[Settings, list[Any]]:
    """Fill in embedded Postgres/Redis where no URL is configured; export them for child processes."""
    from memory_service.embedded import EmbeddedRedis, start_embedded_postgres

    handles: list[Any] = []
    updates: dict[str, Any] = {}
    if not settings.database_url:
        uri, server = start_embedded_postgres(settings.embedded_pg_dir)
        updates["database_url"] = uri
        handles.append(server)
    if not settings.redis_url:
        embedded = EmbeddedRedis(settings.embedded_redis_dir)
        updates["redis_url"] = embedded.start()
        handles.append(embedded)
    for key, value in updates.items():
        os.environ[f"MEMORY_{key.upper()}"] = value
    get_settings.cache_clear()
    return settings.model_copy(update=updates), handles


def _stop_handles(handles: list[Any]) -> None:
    for handle in reversed(handles):
        if hasattr(handle, "cleanup"):  # embedded Postgres: stops when its last user lets go
            handle.cleanup()
        elif hasattr(handle, "stop"):
            handle.stop()


def _die_with_parent() -> None:
    """Linux: the worker gets SIGTERM if `up` dies without cleaning up."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _free_port(host: str, preferred: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind((host, preferred))
            return preferred
        except OSError:
            sock.bind((host, 0))
            return int(sock.getsockname()[1])


def _preload_query_model(settings: Settings) -> None:
    """Start loading the API's query model now, while embedded services start and the app loads."""
    from memory_service.embeddings import preload

    preload.start(settings)


def _serve(settings: Settings, host: str, port: int) -> None:
    from memory_service.embeddings import preload
    from memory_service.logging import configure_logging

    configure_logging(settings.log_level, json=settings.log_json)
    preload.start(settings)  # no-op if up/serve started it already
    import uvicorn

    from memory_service.api.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", access_log=False)


@app.command()
def up(
    port: Annotated[int, typer.Option(help="API port (a free one is chosen if taken)")] = 8080,
    host: str = "127.0.0.1",
    data_dir: DataDir = None,
    concurrency: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Run the whole service on this machine: API and worker, embedded Postgres/Redis if unconfigured.

    The worker starts once the API is ready (/readyz answers 200), so the two do not compete for
    the cores while the API loads its model and index; interactions posted before then are
    stored and queued, and processed when the worker is up."""
    _preload_query_model(_settings(data_dir))
    settings, handles = resolve_services(_settings(data_dir))
    port = _free_port(host, port)
    url = f"http://{host}:{port}"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "service.json").write_text(json.dumps({"url": url, "pid": os.getpid()}))
    worker = _WorkerAfterReady(url, [sys.executable, "-m", "memory_service.cli", "worker", "--concurrency",
                                     str(concurrency)])  # fmt: skip
    # uvicorn re-raises SIGTERM after its own shutdown; turn it into SystemExit so cleanup runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    typer.echo(f"memory-service on {url} (data: {settings.data_dir}); the worker starts once the API is ready",
               err=True)  # fmt: skip
    typer.echo(url)
    try:
        _serve(settings, host, port)
    finally:
        worker.stop()
        _stop_handles(handles)


class _WorkerAfterReady:
    """Starts the Celery worker once the API answers /readyz, so the two do not compete for
    the cores while the API loads its model and index: readiness means recall can be served;
    interactions posted meanwhile are committed and queued, and processed when the worker is up
    (seconds later). The spawning thread stays alive until stop(): the worker's parent-death
    signal is tied to the thread that forked it."""

    def __init__(self, url: str, command: list[str]) -> None:
        self.url, self.command = url, command
        self.proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._stopping = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-starter", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import httpx

        while not self._stop.wait(0.2):
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
        with self._lock:
            if self._stopping:
                return
            self.proc = subprocess.Popen(self.command, preexec_fn=_die_with_parent)
        typer.echo(f"worker pid {self.proc.pid}", err=True)
        self._stop.wait()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            proc = self.proc
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self._stop.set()
        self._thread.join(timeout=5)


@app.command()
def serve(port: int = 8080, host: str = "127.0.0.1", data_dir: DataDir = None) -> None:
    """Run the API only (migrates first)."""
    _preload_query_model(_settings(data_dir))
    settings, handles = resolve_services(_settings(data_dir))
    try:
        _serve(settings, host, port)
    finally:
        _stop_handles(handles)


@app.command()
def worker(
    data_dir: DataDir = None,
    concurrency: int = 1,
    loglevel: str = "INFO",
) -> None:
    """Run a Celery worker that processes queued interactions."""
    from memory_service.logging import configure_logging, limit_torch_threads
    from workers.celery_app import configure_celery

    settings, handles = resolve_services(_settings(data_dir))
    configure_logging(settings.log_level, json=settings.log_json)
    limit_torch_threads(settings.torch_threads)
    celery = configure_celery(settings)
    pool = "solo" if concurrency <= 1 else "prefork"
    celery.conf.worker_pool = pool
    try:
        celery.worker_main(
            ["worker", f"--loglevel={loglevel}", "-Q", settings.celery_queue, f"--pool={pool}",
             f"--concurrency={max(concurrency, 1)}", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        )  # fmt: skip
    finally:
        _stop_handles(handles)


@app.command("worker-ping")
def worker_ping(timeout: float = 5.0) -> None:
    """Exit 0 when a Celery worker on the configured broker answers (a container healthcheck)."""
    from workers.celery_app import configure_celery

    settings = get_settings()
    if not settings.redis_url:
        raise typer.BadParameter("MEMORY_REDIS_URL is not set: no broker to ask")
    replies = configure_celery(settings).control.ping(timeout=timeout)
    for reply in replies:
        for name, answer in reply.items():
            typer.echo(f"{name}: {answer.get('ok', answer)}")
    if not replies:
        typer.echo("no worker answered", err=True)
        raise typer.Exit(1)


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Bring the database schema up to date."""
    from memory_service.db import migrate as run_migrations

    settings, handles = resolve_services(_settings(data_dir))
    assert settings.database_url
    run_migrations(settings.database_url)
    _stop_handles(handles)
    typer.echo("migrated")


@app.command()
def requeue(
    data_dir: DataDir = None,
    older_than: float = 0.0,
    failed: Annotated[bool, typer.Option("--failed", help="Also re-run interactions that failed")] = False,
) -> None:
    """Re-enqueue interactions stuck queued or processing for longer than --older-than seconds."""
    from memory_service.db import create_pool
    from memory_service.interactions.service import requeue_stale
    from workers.celery_app import configure_celery, enqueue_interaction

    settings, handles = resolve_services(_settings(data_dir))
    assert settings.database_url
    celery = configure_celery(settings)
    pool = create_pool(settings.database_url, min_size=1, max_size=1)
    with pool.connection() as conn:
        ids = requeue_stale(conn, enqueue=lambda i: enqueue_interaction(celery, settings, i),
                            queued_after_s=older_than, processing_after_s=older_than,
                            include_failed=failed)  # fmt: skip
    pool.close()
    _stop_handles(handles)
    typer.echo(f"requeued {len(ids)}")


@contextmanager
def _database(data_dir: Path | None) -> Iterator[Any]:
    """One connection to the configured (or embedded) database, at the schema's head; committed on exit."""
    from memory_service.db import create_pool
    from memory_service.db import migrate as run_migrations

    settings, handles = resolve_services(_settings(data_dir))
    assert settings.database_url
    try:
        run_migrations(settings.database_url)
        pool = create_pool(settings.database_url, min_size=1, max_size=1)
        try:
            with pool.connection() as conn:
                yield conn
        finally:
            pool.close()
    finally:
        _stop_handles(handles)


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option(help="Tenant name (created if new)")], data_dir: DataDir = None
) -> None:
    """Create an API key for a tenant; the key is the last line printed."""
    from memory_service.tenants.service import create_api_key

    with _database(data_dir) as conn:
        key = create_api_key(conn, tenant_name=tenant)
    typer.echo(f"tenant: {tenant}", err=True)
    typer.echo(key)


@keys_app.command("list")
def keys_list(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys")] = None, data_dir: DataDir = None
) -> None:
    """List API keys (their prefix, never the key): tenant, created, revoked."""
    from memory_service.tenants import repository as tenants_repo

    with _database(data_dir) as conn:
        rows = tenants_repo.list_keys(conn, tenant_name=tenant)
    for row in rows:
        revoked = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "active"
        typer.echo(f"{row['prefix']}…  {row['tenant']:<24} created {row['created_at']:%Y-%m-%d %H:%M}  {revoked}")
    if not rows:
        typer.echo("(no keys)")


@keys_app.command("revoke")
def keys_revoke(
    key: Annotated[str, typer.Argument(help="The key, or its prefix as `keys list` shows it")], data_dir: DataDir = None
) -> None:
    """Revoke an API key. Every API process stops accepting it within MEMORY_API_KEY_CACHE_SECONDS."""
    from memory_service.tenants.service import revoke_api_key

    with _database(data_dir) as conn:
        revoked = revoke_api_key(conn, key=key.rstrip("…"))
    typer.echo(f"revoked {revoked}")


def _client(url: str | None, api_key: str | None, data_dir: Path | None) -> Any:
    from memory_service.client import MemoryClient

    if url is None:
        state = _settings(data_dir).data_dir / "service.json"
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


@app.command()
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


@app.command()
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


if __name__ == "__main__":
    app()
