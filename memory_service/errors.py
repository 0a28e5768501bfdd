"""Domain exceptions. Services raise these; one API handler renders them as
{"detail": [{"type", "msg", "loc"}]}, the shape of FastAPI's own 422."""

from __future__ import annotations


class MemoryServiceError(Exception):
    status_code = 500
    error_type = "internal_error"

    def __init__(self, msg: str, *, loc: tuple[str | int, ...] = ()) -> None:
        super().__init__(msg)
        self.msg = msg
        self.loc = list(loc)

    def to_detail(self) -> list[dict[str, object]]:
        return [{"type": self.error_type, "msg": self.msg, "loc": self.loc}]


class NotFoundError(MemoryServiceError):
    status_code = 404
    error_type = "not_found"


class ConflictError(MemoryServiceError):
    status_code = 409
    error_type = "conflict"


class InvalidInputError(MemoryServiceError):
    status_code = 422
    error_type = "value_error"


class PayloadTooLargeError(MemoryServiceError):
    status_code = 413
    error_type = "payload_too_large"


class UnauthorizedError(MemoryServiceError):
    status_code = 401
    error_type = "unauthorized"


class ForbiddenError(MemoryServiceError):
    """The key is valid but lacks the scope this call needs."""

    status_code = 403
    error_type = "forbidden"


class RateLimitedError(MemoryServiceError):
    """The key spent its per-minute allowance; `retry_after` seconds until a request fits again."""

    status_code = 429
    error_type = "rate_limited"

    def __init__(self, msg: str, *, retry_after: float, loc: tuple[str | int, ...] = ()) -> None:
        super().__init__(msg, loc=loc)
        self.retry_after = retry_after


class NotReadyError(MemoryServiceError):
    status_code = 503
    error_type = "not_ready"


class TransientError(MemoryServiceError):
    """A failure worth retrying (database or broker unavailable)."""

    status_code = 503
    error_type = "unavailable"
