"""One error shape for every failure: {"detail": [{"type", "msg", "loc"}]} (FastAPI's 422 shape)."""

from __future__ import annotations

import math
from typing import Any

import psycopg
import structlog
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from memory_service.errors import MemoryServiceError, PayloadTooLargeError


class ErrorItem(BaseModel):
    type: str
    msg: str
    loc: list[str | int]


class ErrorBody(BaseModel):
    detail: list[ErrorItem]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in {
        401: "Missing or invalid API key",
        403: "The key lacks the scope this call needs (`msg` names it)",
        404: "Not found (or not this tenant's)",
        409: "Conflict",
        413: "Payload too large",
        422: "Invalid input; `loc` names the field",
        429: "The key's rate limit is spent; `Retry-After` says when to try again",
        503: "The database or broker is unavailable; `Retry-After` says when to try again",
    }.items()
}


log = structlog.get_logger(__name__)
DATABASE_RETRY_AFTER_SECONDS = 2


class BodyTooLarge(HTTPException):
    """Raised while a streamed body is read: FastAPI lets HTTPExceptions through body parsing."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(status_code=413, detail=f"request body exceeds {max_bytes} bytes")


def _render(status: int, detail: list[dict[str, Any]], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail}, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MemoryServiceError)
    async def _domain(_: Request, exc: MemoryServiceError) -> JSONResponse:
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(max(1, math.ceil(retry_after)))} if retry_after is not None else None
        return _render(exc.status_code, exc.to_detail(), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        # The input is not echoed back: transcripts carry personal data.
        detail = [{"type": e["type"], "msg": e["msg"], "loc": list(e["loc"])} for e in exc.errors()]
        return _render(422, detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        kinds = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        kind = kinds.get(exc.status_code, "http_error")
        loc = ["body"] if exc.status_code == 413 else []
        headers = dict(exc.headers or {}) or None  # a 405's Allow (RFC 9110 requires it), a 401's WWW-Authenticate
        return _render(exc.status_code, [{"type": kind, "msg": str(exc.detail), "loc": loc}], headers)

    @app.exception_handler(psycopg.DataError)
    async def _unstorable(request: Request, exc: psycopg.DataError) -> JSONResponse:
        # Text the database cannot store (a NUL in a path or query parameter; request bodies are
        # refused earlier, field by field, by schemas.base.InputModel). The value is not logged.
        log.info("unstorable_input", path_template=_route_path(request), error=type(exc).__name__)
        msg = "the request holds text the database cannot store (such as the NUL character \\u0000)"
        return _render(422, [{"type": "value_error", "msg": msg, "loc": []}])

    @app.exception_handler(psycopg.OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # The database is down or restarting (or the pool is saturated): retry shortly. The pool
        # reconnects by itself, so nothing needs a restart.
        log.warning("database_unavailable", path=request.url.path, error=type(exc).__name__)
        detail = [{"type": "unavailable", "msg": "the database is unavailable; retry shortly", "loc": []}]
        return _render(503, detail, {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled_error", path=request.url.path, exc_info=exc)
        return _render(500, [{"type": "internal_error", "msg": "internal error; see the service log", "loc": []}])


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", "unmatched"))


class BodySizeLimit:
    """413 before the body is parsed: by Content-Length, or by counting a streamed body."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counting_receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = PayloadTooLargeError(f"request body exceeds {self.max_bytes} bytes", loc=("body",))
        await _render(413, error.to_detail())(scope, receive, send)
