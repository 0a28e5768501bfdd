"""Short-lived signed links to the agent page, so that a browser (which cannot send a bearer
header) can open it without the API key ever appearing in a URL, a log or a browser history.

A link is issued to an authenticated caller with the `read` scope and names the customer and
an expiry; it is signed with HMAC-SHA256 keyed by the caller's key hash (stored in Postgres), so
every API replica can verify it without a shared secret, and revoking the key kills its links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from psycopg import Connection

from memory_service.errors import UnauthorizedError
from memory_service.tenants import repository as tenants_repo
from memory_service.tenants.service import Tenant

LINK_SECONDS = 900


def _mac(key_hash: str, message: str) -> str:
    digest = hmac.new(key_hash.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def sign(tenant: Tenant, customer_id: str, *, seconds: int = LINK_SECONDS, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + seconds)
    message = f"{tenant.id}|{customer_id}|{expires}"
    return f"{tenant.key_prefix}.{expires}.{_mac(tenant.key_hash, message)}"


def verify(conn: Connection, token: str, customer_id: str, *, now: float | None = None) -> Tenant:
    """The tenant (seen through the key) the token was issued by, if it is valid for this customer and unexpired,
    and its key is still active with the `read` scope; else 401."""
    try:
        prefix, expires_text, mac = token.split(".")
        expires = int(expires_text)
    except ValueError:
        raise UnauthorizedError("malformed page token", loc=("query", "token")) from None
    if expires < (now if now is not None else time.time()):
        raise UnauthorizedError("this page link has expired; ask for a new one", loc=("query", "token"))
    for key in tenants_repo.active_keys_with_prefix(conn, prefix=prefix):
        expected = _mac(key["key_hash"], f"{key['tenant_id']}|{customer_id}|{expires}")
        if hmac.compare_digest(expected, mac) and "read" in key["scopes"]:
            return Tenant(
                id=str(key["tenant_id"]), name=key["name"], scopes=frozenset(key["scopes"]), key_prefix=key["prefix"],
                key_hash=key["key_hash"], redaction_policy=key["redaction_policy"],
                retention_days=key["retention_days"],
            )  # fmt: skip
    raise UnauthorizedError("invalid page link", loc=("query", "token"))
