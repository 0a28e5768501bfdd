"""What the command line's commands share: options, settings, embedded services, a database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from memory_service.config import Settings, get_settings

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Embedded data directory (MEMORY_DATA_DIR)")]
ServiceUrl = Annotated[str | None, typer.Option("--url", envvar="MEMORY_URL", help="Base URL of a running service")]
ApiKey = Annotated[str | None, typer.Option("--api-key", envvar="MEMORY_API_KEY", help="Bearer API key")]


def settings_for(data_dir: Path | None) -> Settings:
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


def stop_handles(handles: list[Any]) -> None:
    for handle in reversed(handles):
        if hasattr(handle, "cleanup"):  # embedded Postgres: stops when its last user lets go
            handle.cleanup()
        elif hasattr(handle, "stop"):
            handle.stop()


@contextmanager
def database(data_dir: Path | None) -> Iterator[tuple[Settings, Any]]:
    """The settings (embedded services filled in) and one connection to the database, at the
    schema's head; committed on exit, embedded services stopped."""
    from memory_service.db import create_pool
    from memory_service.db import migrate as run_migrations

    settings, handles = resolve_services(settings_for(data_dir))
    assert settings.database_url
    try:
        run_migrations(settings.database_url)
        pool = create_pool(settings.database_url, min_size=1, max_size=1)
        try:
            with pool.connection() as conn:
                yield settings, conn
        finally:
            pool.close()
    finally:
        stop_handles(handles)
