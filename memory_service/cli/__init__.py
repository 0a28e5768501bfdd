"""The `memory-service` command line: running the service here (this module), API keys
(keys.py) and a customer's memory over HTTP (customers.py)."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
from typing import Annotated, Any

import typer

from memory_service.cli import customers, keys, mcp, supervisor
from memory_service.cli.common import DataDir, database, resolve_services, settings_for, stop_handles
from memory_service.config import Settings, get_settings


class _App(typer.Typer):
    """A refused request (404, 409, 422 ...) prints the service's answer, and an unreachable
    service one line, not a traceback."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from memory_service.errors import MemoryServiceError
        from memory_service_client import ApiError
        from memory_service_client import MemoryServiceError as ClientError

        try:
            return super().__call__(*args, **kwargs)
        except ApiError as exc:
            typer.echo(f"error {exc.status}: {json.dumps(exc.detail, default=str)}", err=True)
            raise SystemExit(1) from None
        except ClientError as exc:  # the service cannot be reached, or wait() gave up
            typer.echo(f"error: {exc}", err=True)
            raise SystemExit(1) from None
        except MemoryServiceError as exc:
            typer.echo(f"error: {exc.msg}", err=True)
            raise SystemExit(1) from None


DEFAULT_PORT = 8080
app = _App(help="Persistent customer memory for conversational AI.", no_args_is_help=True)


def _port_for(host: str, asked: int | None) -> int:
    """The port `up` serves on: the one asked for, or a clear error when another process listens
    there; without --port, 8080 if free, else any free port. SO_REUSEADDR, as uvicorn binds: a
    port left in TIME_WAIT by a stopped `up` is free again at once."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, asked or DEFAULT_PORT))
            return asked or DEFAULT_PORT
        except OSError as exc:
            if asked is not None:
                typer.echo(f"error: port {asked} on {host} is in use ({exc.strerror}); choose another --port", err=True)
                raise SystemExit(2) from None
            sock.bind((host, 0))
            return int(sock.getsockname()[1])


def _preload_query_model(settings: Settings) -> None:
    """Start loading the API's query model now, while embedded services start and the app loads."""
    from memory_service.embeddings import preload

    preload.start(settings)


def _serve(settings: Settings, host: str, port: int, *, reuse_port: bool = False) -> None:
    """The API on host:port; with reuse_port, on a socket other API processes share (SO_REUSEPORT),
    listening only once this process is ready, so the kernel never hands it a connection early."""
    from memory_service.embeddings import preload
    from memory_service.logging import configure_logging

    configure_logging(settings.log_level, json=settings.log_json)
    preload.start(settings)  # no-op if up/serve started it already
    import uvicorn

    from memory_service.app.main import create_app

    if not reuse_port:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", access_log=False)
        return
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))  # uvicorn listens after the app's start-up
    config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


@app.command()
def up(
    port: Annotated[
        int | None, typer.Option(help="API port; exits if it is taken (default: 8080, or a free one if taken)")
    ] = None,
    host: str = "127.0.0.1",
    data_dir: DataDir = None,
    concurrency: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Run the whole service on this machine: API and worker, embedded Postgres/Redis if unconfigured.

    The worker starts once the API is ready (/readyz answers 200), so the two do not compete for
    the cores while the API loads its model and index; interactions posted before then are
    stored and queued, and processed when the worker is up."""
    supervisor.become_subreaper()  # before the embedded Postgres starts: its postmaster reparents to `up`
    port = _port_for(host, port)  # first: a taken port must not leave embedded services behind
    _preload_query_model(settings_for(data_dir))
    settings, handles = resolve_services(settings_for(data_dir))
    url = f"http://{host}:{port}"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "service.json").write_text(json.dumps({"url": url, "pid": os.getpid()}))
    command = [sys.executable, "-m", "memory_service.cli", "worker"]
    main = command + ["--concurrency", str(concurrency)]
    # One process for the large queue whatever --concurrency says: its tasks are rare and long,
    # and each worker process holds its own copy of the models.
    large = command + ["--concurrency", "1", "--queues", "large"]
    # More API processes on the same port once this one is ready; one snapshot writer (this
    # process), the others load the snapshot and follow the change feed.
    api_command = [sys.executable, "-m", "memory_service.cli", "serve", "--host", host, "--port", str(port),
                   "--reuse-port"]  # fmt: skip
    env = {**os.environ, "MEMORY_INDEX_SNAPSHOT": "false"}
    apis = [supervisor.WorkerComponent(api_command, name=f"api-{n}", env=env) for n in range(1, settings.api_processes)]
    watcher = _supervise(handles, url, [main + ["--queues", "main"], large]
                         if settings.large_interaction_utterances > 0 else [main], apis)  # fmt: skip
    # uvicorn re-raises SIGTERM after its own shutdown; turn it into SystemExit so cleanup runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    typer.echo(f"memory-service on {url} (data: {settings.data_dir}); the worker starts once the API is ready",
               err=True)  # fmt: skip
    typer.echo(url)
    try:
        _serve(settings, host, port, reuse_port=bool(apis))
    finally:
        watcher.stop()
        stop_handles(handles)


def _supervise(
    handles: list[Any], url: str, worker_commands: list[list[str]], apis: list[supervisor.WorkerComponent] | None = None
) -> supervisor.Supervisor:
    """Restart what `up` started when it dies (supervisor.py). The worker starts once the API
    answers /readyz, so the two do not compete for the cores while the API loads its model and
    index: interactions posted meanwhile are committed and queued, and processed seconds later."""
    from memory_service.embedded import EmbeddedRedis

    watcher = supervisor.Supervisor()
    for handle in handles:
        if isinstance(handle, EmbeddedRedis):
            if handle.process is not None:  # not when another process of this data dir runs it
                watcher.watch(supervisor.RedisComponent(handle))
        elif hasattr(handle, "ensure_postgres_running"):
            watcher.watch(supervisor.PostgresComponent(handle))
    # The large-queue worker starts after the first has beaten: two model loads at once would
    # slow both.
    waits = (lambda: _api_ready(url), lambda: _api_ready(url, worker=True))
    for name, command, ready in zip(("worker", "worker-large"), worker_commands, waits, strict=False):
        watcher.start_when(supervisor.WorkerComponent(command, name=name), ready)
    for api in apis or []:
        watcher.start_when(api, lambda: _api_ready(url))
    watcher.start()
    return watcher


def _api_ready(url: str, *, worker: bool = False) -> bool:
    """/readyz answers 200 (and, with worker, a worker has beaten lately)."""
    import httpx

    try:
        answer = httpx.get(f"{url}/readyz", timeout=2)
    except httpx.HTTPError:
        return False
    return answer.status_code == 200 and (not worker or bool(answer.json().get("worker", {}).get("ok")))


@app.command()
def serve(
    port: int = 8080, host: str = "127.0.0.1", data_dir: DataDir = None,
    reuse_port: Annotated[bool, typer.Option(help="share the port with other API processes (SO_REUSEPORT)")] = False,
) -> None:  # fmt: skip
    """Run the API only (migrates first)."""
    _preload_query_model(settings_for(data_dir))
    settings, handles = resolve_services(settings_for(data_dir))
    try:
        _serve(settings, host, port, reuse_port=reuse_port)
    finally:
        stop_handles(handles)


@app.command()
def worker(
    data_dir: DataDir = None,
    concurrency: int = 1,
    loglevel: str = "INFO",
    queues: Annotated[str, typer.Option(help="all: the main and the large queue; main; large")] = "all",
) -> None:
    """Run a Celery worker that processes queued interactions."""
    from memory_service.logging import configure_logging, limit_torch_threads
    from workers.celery_app import configure_celery, large_queue

    settings, handles = resolve_services(settings_for(data_dir))
    configure_logging(settings.log_level, json=settings.log_json)
    limit_torch_threads(settings.torch_threads)
    celery = configure_celery(settings)
    pool = "solo" if concurrency <= 1 else "prefork"
    celery.conf.worker_pool = pool
    names = {"main": [settings.celery_queue], "large": [large_queue(settings)]}
    consumed = ",".join(names.get(queues, names["main"] + names["large"]))
    try:
        celery.worker_main(
            ["worker", f"--loglevel={loglevel}", "-Q", consumed, f"--pool={pool}",
             f"--concurrency={max(concurrency, 1)}", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        )  # fmt: skip
    finally:
        stop_handles(handles)


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
    with database(data_dir):
        pass
    typer.echo("migrated")


@app.command()
def requeue(
    data_dir: DataDir = None,
    older_than: float = 0.0,
    failed: Annotated[bool, typer.Option("--failed", help="Also re-run interactions that failed")] = False,
) -> None:
    """Re-enqueue interactions stuck queued or processing for longer than --older-than seconds."""
    from memory_service.interactions.service import requeue_stale
    from workers.celery_app import configure_celery, enqueue_interaction

    with database(data_dir) as (settings, conn):
        celery = configure_celery(settings)
        ids = requeue_stale(conn, enqueue=lambda i: enqueue_interaction(celery, settings, i),
                            queued_after_s=older_than, processing_after_s=older_than,
                            include_failed=failed)  # fmt: skip
    typer.echo(f"requeued {len(ids)}")


app.add_typer(keys.keys_app, name="keys")
app.add_typer(keys.tenants_app, name="tenants")
app.add_typer(customers.profile_app, name="profile")
app.command()(customers.recall)
app.command()(customers.handoff)
app.command()(customers.ingest)
app.command()(customers.status)
app.command("mcp")(mcp.mcp)
