"""Connection pool (pgvector registered on every connection), the request transaction, migrations."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg.abc import Buffer
from psycopg.adapt import Loader
from psycopg.pq import Format
from psycopg.rows import dict_row
from psycopg.types import TypeInfo
from psycopg_pool import ConnectionPool

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class _NumpyVectorBinaryLoader(Loader):
    """pgvector's binary form (uint16 dim, uint16 unused, big-endian float32s) straight to numpy."""

    format = Format.BINARY

    def load(self, data: Buffer) -> np.ndarray:
        return np.frombuffer(data, dtype=">f4", offset=4).astype(np.float32)


def _configure(conn: psycopg.Connection) -> None:
    register_vector(conn)
    info = TypeInfo.fetch(conn, "vector")
    if info is not None:  # binary reads (the index's) skip pgvector's Vector object
        conn.adapters.register_loader(info.oid, _NumpyVectorBinaryLoader)
    conn.row_factory = dict_row  # type: ignore[assignment]


def _configure_new(conn: psycopg.Connection) -> None:
    # The vector type exists only after the first migration: pools are opened after migrate().
    _configure(conn)
    conn.commit()


def create_pool(
    url: str, *, min_size: int = 1, max_size: int = 10, name: str = "memory", timeout: float = 30.0
) -> ConnectionPool:
    """`timeout`: how long a caller waits for a connection (the API keeps it short, so that a
    database outage answers 503 at once); new connections give up after 2 s."""
    pool = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        configure=_configure_new,
        name=name,
        open=False,
        timeout=timeout,
        kwargs={"autocommit": False, "connect_timeout": 2},
    )
    pool.open(wait=True, timeout=30)
    return pool


class Transaction:
    """One unit of work: its connection, and what to do once it has committed (enqueue a task,
    refresh the index), which must not run before the data is visible to other connections."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self._after_commit: list[Callable[[], object]] = []

    def after_commit(self, action: Callable[[], object]) -> None:
        self._after_commit.append(action)


@contextmanager
def transaction(pool: ConnectionPool) -> Iterator[Transaction]:
    """Committed when the block ends, rolled back if it raises. The after-commit actions run
    once the connection is back in the pool, so a slow broker cannot drain the pool."""
    with pool.connection() as conn:
        tx = Transaction(conn)
        yield tx
    for action in tx._after_commit:
        action()


@contextmanager
def read_connection(pool: ConnectionPool) -> Iterator[psycopg.Connection]:
    """A pooled connection in autocommit, for a request that only reads: every statement reads
    committed data as READ COMMITTED would inside a transaction, without the BEGIN and COMMIT
    round trips (two of recall's few). Handed back to the pool in its usual mode."""
    with pool.connection() as conn:
        conn.autocommit = True
        try:
            yield conn
        finally:
            if not conn.closed:
                conn.autocommit = False


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


_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)


def head_revisions() -> set[str] | None:
    """The migration heads, read from the version files' `revision`/`down_revision` lines
    (None if a file does not parse that simply: then Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text()
        rev, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if rev is None or down is None:
            return None
        revisions.add(rev.group(1))
        parents.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1)))
    return (revisions - parents) or None


def at_head(url: str) -> bool:
    """True when the database is already at the migrations' head: a restart then skips
    importing Alembic and SQLAlchemy (a second or two of start-up on the 2-core box)."""
    heads = head_revisions()
    if heads is None:
        return False
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except psycopg.Error:
        return False
    return {r[0] for r in rows} == heads


def migrate(url: str) -> None:
    """Bring the schema to head with Alembic (safe to call from several processes)."""
    if at_head(url):
        return
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
