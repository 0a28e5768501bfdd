"""Connection pool (pgvector registered on every connection) and migrations."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _configure(conn: psycopg.Connection) -> None:
    register_vector(conn)
    conn.row_factory = dict_row  # type: ignore[assignment]


def _configure_new(conn: psycopg.Connection) -> None:
    # The vector type exists only after the first migration: pools are opened after migrate().
    _configure(conn)
    conn.commit()


def create_pool(url: str, *, min_size: int = 1, max_size: int = 10, name: str = "memory") -> ConnectionPool:
    pool = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        configure=_configure_new,
        name=name,
        open=False,
        kwargs={"autocommit": False},
    )
    pool.open(wait=True, timeout=30)
    return pool


def wait_for_database(url: str, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def migrate(url: str) -> None:
    """Bring the schema to head with Alembic (safe to call from several processes)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    command.upgrade(cfg, "head")


def to_numpy(value: object) -> np.ndarray:
    """A pgvector value as float32 (pgvector returns Vector objects or arrays by version)."""
    if hasattr(value, "to_numpy"):
        value = value.to_numpy()
    return np.asarray(value, dtype=np.float32)
