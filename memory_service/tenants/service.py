"""Tenants and API keys: keys are stored hashed, shown once."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from psycopg import Connection
from psycopg_pool import ConnectionPool

from memory_service.errors import ForbiddenError, InvalidInputError, NotFoundError, UnauthorizedError
from memory_service.tenants import repository as repo
from memory_service.tenants.ratelimit import RateLimiter

KEY_PREFIX = "msk_"
PREFIX_CHARS = 8  # of a key, stored and listed to tell keys apart
# `ingest` posts and appends to interactions; `read` recalls and reads profiles, briefs and
# context; `admin` erases, corrects, retracts, forgets and exports. Keys made before scopes
# existed were given all three by migration 0006.
SCOPES = ("ingest", "read", "admin")


@dataclass(frozen=True)
class Tenant:
    """The caller: a tenant, seen through one API key (its scopes, limit) and the tenant's policies."""

    id: str
    name: str
    scopes: frozenset[str] = frozenset(SCOPES)
    key_prefix: str = ""
    key_hash: str = ""
    rate_limit_per_minute: int | None = None
    redaction_policy: str | None = None  # None: the service's MEMORY_REDACTION_POLICY
    retention_days: int | None = None

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            held = ", ".join(sorted(self.scopes)) or "none"
            raise ForbiddenError(
                f"this API key lacks the '{scope}' scope (it has: {held})", loc=("header", "authorization")
            )


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def checked_scopes(scopes: Iterable[str] | None) -> list[str]:
    """The scopes to give a key: all of them by default; an unknown name is refused."""
    chosen = list(dict.fromkeys(scopes or SCOPES))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown:
        raise InvalidInputError(f"unknown scope {unknown[0]!r}; scopes are {', '.join(SCOPES)}", loc=("scope",))
    return chosen


def create_api_key(
    conn: Connection,
    *,
    tenant_name: str,
    scopes: Iterable[str] | None = None,
    rate_limit_per_minute: int | None = None,
) -> str:
    """Create the tenant if needed and return a new key (only its hash is stored)."""
    chosen = checked_scopes(scopes)
    if rate_limit_per_minute is not None and rate_limit_per_minute < 1:
        raise InvalidInputError("a rate limit is at least 1 request a minute", loc=("rate_limit",))
    tenant_id = repo.insert_tenant(conn, name=tenant_name)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    repo.insert_api_key(
        conn, tenant_id=tenant_id, key_hash=hash_key(key), prefix=key[:PREFIX_CHARS], scopes=chosen,
        rate_limit_per_minute=rate_limit_per_minute,
    )  # fmt: skip
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
    repo.insert_api_key(
        conn, tenant_id=tenant_id, key_hash=hash_key(key), prefix=key[:PREFIX_CHARS], scopes=list(SCOPES)
    )


class ApiKeyAuthenticator:
    """Bearer key -> tenant, with a short cache so recall does not pay a query for auth, and each
    key's rate limit (in this process: with several API processes each allows the full rate)."""

    def __init__(self, pool: ConnectionPool, *, ttl_seconds: float = 30.0) -> None:
        self.pool = pool
        self.ttl = ttl_seconds
        self.limiter = RateLimiter()
        self._cache: dict[str, tuple[float, Tenant]] = {}
        self._lock = threading.Lock()

    def cached(self, authorization: str | None) -> Tenant | None:
        """The tenant if this key was checked within the TTL (no I/O, safe on the event loop)."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        with self._lock:
            cached = self._cache.get(hash_key(authorization[7:].strip()))
        return self._admitted(cached[1]) if cached and cached[0] > time.monotonic() else None

    def _admitted(self, tenant: Tenant) -> Tenant:
        if tenant.rate_limit_per_minute is not None:
            self.limiter.take(tenant.key_hash, per_minute=tenant.rate_limit_per_minute)
        return tenant

    def authenticate(self, authorization: str | None) -> Tenant:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise UnauthorizedError("missing bearer API key", loc=("header", "authorization"))
        key_hash = hash_key(authorization[7:].strip())
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key_hash)
        if cached and cached[0] > now:
            return self._admitted(cached[1])
        with self.pool.connection() as conn:
            row = repo.find_key(conn, key_hash=key_hash)
        if row is None:
            raise UnauthorizedError("invalid API key", loc=("header", "authorization"))
        tenant = Tenant(
            id=str(row["id"]), name=row["name"], scopes=frozenset(row["scopes"]), key_prefix=row["prefix"],
            key_hash=key_hash, rate_limit_per_minute=row["rate_limit_per_minute"],
            redaction_policy=row["redaction_policy"], retention_days=row["retention_days"],
        )  # fmt: skip
        with self._lock:
            self._cache[key_hash] = (now + self.ttl, tenant)
        return self._admitted(tenant)


REDACTION_POLICIES = ("redact", "mask", "off")


def set_tenant_policy(
    conn: Connection, *, name: str, redaction_policy: str | None = None, retention_days: int | None = None,
    clear_retention: bool = False,
) -> dict[str, object]:  # fmt: skip
    """A tenant's redaction policy (`redact` by default; `mask`, `off` for tenants who must keep
    secrets) and retention period in days (interactions older than it are erased)."""
    if redaction_policy is not None and redaction_policy not in REDACTION_POLICIES:
        raise InvalidInputError(
            f"redaction policy is one of {', '.join(REDACTION_POLICIES)}", loc=("redaction_policy",)
        )
    if retention_days is not None and retention_days < 1:
        raise InvalidInputError("retention is at least 1 day", loc=("retention_days",))
    row = repo.set_policy(conn, name=name, redaction_policy=redaction_policy, retention_days=retention_days,
                          clear_retention=clear_retention)  # fmt: skip
    if row is None:
        raise NotFoundError(f"no tenant {name!r}", loc=("tenant",))
    return dict(row)
