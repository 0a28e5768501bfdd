"""Annotated dependency aliases, in one place.

Routers see the services built at start-up through the `Services` protocol, so this module
(and the routers) do not import the start-up code (app/lifespan.py) that builds them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Protocol

from fastapi import Depends, Header, Request
from psycopg import Connection
from psycopg_pool import ConnectionPool
from starlette.concurrency import run_in_threadpool

from memory_service.config import Settings
from memory_service.db import Transaction, transaction
from memory_service.embeddings import CachedQueryEmbedder
from memory_service.embeddings.preload import DocumentModel
from memory_service.index import VectorIndex
from memory_service.pages import service as pages
from memory_service.recall.cache import RecallCache
from memory_service.recall.rerank import Reranker
from memory_service.recall.service import RecallPolicy
from memory_service.recall.slots import FairSlots
from memory_service.redaction import CustomPattern, Redaction
from memory_service.tenants.service import ApiKeyAuthenticator, Tenant


class Services(Protocol):
    """What routes use of the runtime built at start-up (app/lifespan.py: ApiRuntime)."""

    settings: Settings
    pool: ConnectionPool
    embedder: CachedQueryEmbedder
    documents: DocumentModel  # document vectors (a correction's): the documents' backend
    index: VectorIndex
    authenticator: ApiKeyAuthenticator
    recall_policy: RecallPolicy
    recall_cache: RecallCache
    recall_slots: FairSlots
    reranker: Reranker | None
    redaction_patterns: list[CustomPattern]

    def enqueue_safely(self, interaction_id: str) -> bool: ...


# get_runtime and get_tenant are async so that FastAPI does not hop to a worker thread for
# them (each hop measured ~0.1 ms of CPU and a GIL hand-off per request under load).
async def get_runtime(request: Request) -> Services:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Services, Depends(get_runtime)]


async def get_tenant(runtime: RuntimeDep, authorization: Annotated[str | None, Header()] = None) -> Tenant:
    tenant = runtime.authenticator.cached(authorization)
    if tenant is not None:
        return tenant
    return await run_in_threadpool(runtime.authenticator.authenticate, authorization)  # may query Postgres


TenantDep = Annotated[Tenant, Depends(get_tenant)]


def _scoped(*any_of: str) -> Callable[[Tenant], Awaitable[Tenant]]:
    async def caller_with_scope(tenant: TenantDep) -> Tenant:
        if not any(s in tenant.scopes for s in any_of):
            tenant.require(any_of[0])
        return tenant

    return caller_with_scope


async def get_redaction(tenant: TenantDep, runtime: RuntimeDep) -> Redaction:
    """What the door applies to this caller's transcripts: the tenant's policy, else the service's."""
    return Redaction(tenant.redaction_policy or runtime.settings.redaction_policy, tuple(runtime.redaction_patterns))


RedactionDep = Annotated[Redaction, Depends(get_redaction)]

# The caller, refused with 403 unless its key holds the scope (tenants/service.py SCOPES).
ReadTenantDep = Annotated[Tenant, Depends(_scoped("read"))]
IngestTenantDep = Annotated[Tenant, Depends(_scoped("ingest"))]
AdminTenantDep = Annotated[Tenant, Depends(_scoped("admin"))]
# An interaction's status: for whoever posted it (ingest) and for readers.
IngestOrReadTenantDep = Annotated[Tenant, Depends(_scoped("ingest", "read"))]


async def get_page_tenant(
    customer_ref: str, runtime: RuntimeDep, token: str | None = None,
    authorization: Annotated[str | None, Header()] = None,
) -> Tenant:  # fmt: skip
    """The agent page's caller: a bearer key with `read`, or a signed link's token (pages/service.py)."""
    if authorization or token is None:
        tenant = await get_tenant(runtime, authorization)
        tenant.require("read")
        return tenant

    signed = token

    def verify() -> Tenant:
        with runtime.pool.connection() as conn:
            return pages.verify(conn, signed, customer_ref)

    return await run_in_threadpool(verify)


PageTenantDep = Annotated[Tenant, Depends(get_page_tenant)]


def get_tx(runtime: RuntimeDep) -> Iterator[Transaction]:
    """The one transaction style: one pooled connection per request, committed when the route
    returns (before the response is sent: scope="function"), rolled back if it raises; then the
    route's after-commit actions run."""
    with transaction(runtime.pool) as tx:
        yield tx


TxDep = Annotated[Transaction, Depends(get_tx, scope="function")]


def get_conn(tx: TxDep) -> Connection:
    """The request transaction's connection, for routes that only read or write in it."""
    return tx.conn


ConnDep = Annotated[Connection, Depends(get_conn, scope="function")]
