"""The FastAPI application. Heavy parts are built once in the lifespan and injected."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from memory_service import __version__
from memory_service.api import health
from memory_service.api.errors import BodySizeLimit, install_error_handlers
from memory_service.config import Settings, get_settings
from memory_service.customers.router import router as customers_router
from memory_service.embeddings import Embedder
from memory_service.interactions.router import router as interactions_router
from memory_service.metrics import HTTP_LATENCY, HTTP_REQUESTS
from memory_service.observations.router import router as observations_router
from memory_service.profiles.router import router as profiles_router
from memory_service.recall.router import router as recall_router
from memory_service.runtime import build_api_runtime


def create_app(settings: Settings | None = None, *, embedder: Embedder | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = await run_in_threadpool(build_api_runtime, settings, embedder=embedder)
        try:
            yield
        finally:
            app.state.runtime.close()

    app = FastAPI(
        title="memory-service",
        version=__version__,
        description="Persistent customer memory for conversational AI.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        HTTP_LATENCY.labels(path).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        response.headers["x-request-id"] = request_id
        return response

    app.include_router(health.router)
    app.include_router(interactions_router)
    app.include_router(recall_router)
    app.include_router(profiles_router)
    app.include_router(observations_router)
    app.include_router(customers_router)
    return app
