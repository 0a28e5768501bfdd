"""Tenants and API keys: keys are stored hashed, shown once."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from psycopg import Connection
from psycopg_pool import ConnectionPool

from memory_service.errors import InvalidInputError, NotFoundError, UnauthorizedError
from memory_service.tenants import repository as repo

KEY_PREFIX = "msk_"
PREFIX_CHARS = 8  # of a key, stored and listed to tell keys apart


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(conn: Connection, *, tenant_name: str) -> str:
    """Create the tenant if needed and return a new key (only its hash is stored)."""
    tenant_id = repo.insert_tenant(conn, name=tenant_name)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    repo.insert_api_key(conn, tenant_id=tenant_id, key_hash=hash_key(key), prefix=key[:PREFIX_CHARS])
    return key


def revoke_api_key(conn: Connection, *, key: str) -> str:
    """Revoke a key given whole, or by the prefix `keys list` shows (refused when ambiguous)."""
    if len(key) > PREFIX_CHARS:
        revoked = repo.revoke_keys(conn, key_hash=hash_key(key))
    else:
        matching = [r for r in repo.list_keys(conn) if r["prefix"] == key and r["revoked_at"] is None]
        if len(matching) > 1:
            raise InvalidInputError(f"{len(matching)} active keys start with {key!r}; give the whole key", loc=("key",))
        revoked = repo.revoke_keys(conn, prefix=key)
    if not revoked:
        raise NotFoundError(f"no active key {key!r}", loc=("key",))
    return revoked[0]


def ensure_bootstrap_key(conn: Connection, *, key: str, tenant_name: str = "default") -> None:
    tenant_id = repo.insert_tenant(conn, name=tenant_name)
    repo.insert_api_key(conn, tenant_id=tenant_id, key_hash=hash_key(key), prefix=key[:PREFIX_CHARS])


class ApiKeyAuthenticator:
    """Bearer key -> tenant, with a short cache so recall does not pay a query for auth."""

    def __init__(self, pool: ConnectionPool, *, ttl_seconds: float = 30.0) -> None:
        self.pool = pool
        self.ttl = ttl_seconds
        self._cache: dict[str, tuple[float, Tenant]] = {}
        self._lock = threading.Lock()

    def cached(self, authorization: str | None) -> Tenant | None:
        """The tenant if this key was checked within the TTL (no I/O, safe on the event loop)."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        with self._lock:
            cached = self._cache.get(hash_key(authorization[7:].strip()))
        return cached[1] if cached and cached[0] > time.monotonic() else None

    def authenticate(self, authorization: str | None) -> Tenant:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise UnauthorizedError("missing bearer API key", loc=("header", "authorization"))
        key_hash = hash_key(authorization[7:].strip())
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key_hash)
        if cached and cached[0] > now:
            return cached[1]
        with self.pool.connection() as conn:
            row = repo.find_tenant_by_key_hash(conn, key_hash=key_hash)
        if row is None:
            raise UnauthorizedError("invalid API key", loc=("header", "authorization"))
        tenant = Tenant(id=str(row["id"]), name=row["name"])
        with self._lock:
            self._cache[key_hash] = (now + self.ttl, tenant)
        return tenant
