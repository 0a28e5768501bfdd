"""Annotated dependency aliases, in one place."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from psycopg import Connection

from memory_service.runtime import ApiRuntime
from memory_service.tenants.service import Tenant


def get_runtime(request: Request) -> ApiRuntime:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[ApiRuntime, Depends(get_runtime)]


def get_tenant(runtime: RuntimeDep, authorization: Annotated[str | None, Header()] = None) -> Tenant:
    return runtime.authenticator.authenticate(authorization)


TenantDep = Annotated[Tenant, Depends(get_tenant)]


def get_conn(runtime: RuntimeDep) -> Iterator[Connection]:
    """One pooled connection per request; committed when the route returns, rolled back on error."""
    with runtime.pool.connection() as conn:
        yield conn


ConnDep = Annotated[Connection, Depends(get_conn)]
