"""The client's one exception tree. Catch `MemoryServiceError` for everything.

    MemoryServiceError
    ├── TransportError          the service could not be reached or did not answer (network)
    ├── WaitTimeout             wait(): the interaction was not processed in time
    ├── InteractionFailed       wait(): the interaction's processing failed
    └── ApiError                the service answered with an error status (.status, .detail)
        ├── BadRequest          400
        ├── Unauthorized        401  missing or invalid API key
        ├── Forbidden           403  the key lacks the scope
        ├── NotFound            404  (or not this tenant's)
        ├── Conflict            409  e.g. same external_id, other content; appending to an ended interaction
        ├── PayloadTooLarge     413
        ├── ValidationError     422  `.detail` names the field (`loc`) and the problem (`msg`)
        ├── RateLimited         429  (.retry_after seconds, when the service said)
        └── ServerError         5xx
            └── Unavailable     503  not ready or a dependency is down (.retry_after)

Arguments that the wire models themselves reject (an empty recall query, a handoff with no
conversation) raise pydantic.ValidationError before anything is sent.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from schemas.interactions import InteractionStatus


class MemoryServiceError(Exception):
    """Base of every error this client raises."""


class TransportError(MemoryServiceError):
    """A network failure: connection refused, DNS, timeout, connection dropped. `__cause__` is httpx's."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class ApiError(MemoryServiceError):
    """The service answered with an error status. `detail` is its body's `detail`: usually a list of
    `{"type", "msg", "loc"}`; `retry_after` is the Retry-After header in seconds, when present."""

    status: int = 0

    def __init__(self, status: int, detail: Any, *, retry_after: float | None = None) -> None:
        self.status = status
        self.detail = detail
        self.retry_after = retry_after
        super().__init__(f"{status}: {describe_detail(detail)}")

    @property
    def status_code(self) -> int:
        return self.status


class BadRequest(ApiError):
    pass


class Unauthorized(ApiError):
    pass


class Forbidden(ApiError):
    pass


class NotFound(ApiError):
    pass


class Conflict(ApiError):
    pass


class PayloadTooLarge(ApiError):
    pass


class ValidationError(ApiError):
    pass


class RateLimited(ApiError):
    pass


class ServerError(ApiError):
    pass


class Unavailable(ServerError):
    pass


class WaitTimeout(MemoryServiceError):
    """wait() gave up; `.last` is the last status seen."""

    def __init__(self, interaction_id: str, timeout: float, last: InteractionStatus) -> None:
        super().__init__(f"interaction {interaction_id} still {last.status} after {timeout:g}s")
        self.interaction_id = interaction_id
        self.last = last


class InteractionFailed(MemoryServiceError):
    """wait() saw the interaction fail; `.status` holds its error."""

    def __init__(self, status: InteractionStatus) -> None:
        super().__init__(f"interaction {status.interaction_id} failed: {status.error or 'no error recorded'}")
        self.status = status


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
    413: PayloadTooLarge, 422: ValidationError, 429: RateLimited, 503: Unavailable,
}  # fmt: skip


def error_for(status: int, detail: Any, *, retry_after: float | None = None) -> ApiError:
    """The typed error for an HTTP status."""
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else ApiError)
    return cls(status, detail, retry_after=retry_after)


def describe_detail(detail: Any) -> str:
    """One readable line from the service's error body: `msg (at loc)` per item."""
    if isinstance(detail, list) and all(isinstance(d, dict) for d in detail):
        parts = []
        for item in detail:
            loc = ".".join(str(p) for p in item.get("loc") or [])
            parts.append(f"{item.get('msg', item)}" + (f" (at {loc})" if loc else ""))
        return "; ".join(parts) or "error"
    return detail if isinstance(detail, str) else json.dumps(detail, default=str)


def transport_error(exc: httpx.TransportError, request: httpx.Request) -> TransportError:
    """The one-line error for a network failure: could not connect, or no (complete) answer."""
    url = str(request.url)
    what = "cannot reach" if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout) else "no answer from"
    return TransportError(f"{what} {url}: {exc or type(exc).__name__}", url=url)
