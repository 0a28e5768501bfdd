"""memory-service-client: Python clients for the customer-memory service, with no server
dependencies (httpx and pydantic only).

    from memory_service_client import MemoryClient, NotFound

    with MemoryClient("http://127.0.0.1:8080", api_key="...") as memory:
        answer = memory.recall("phone:+15551234567", "is the replacement on its way?")
        for item in answer.items:
            print(item.score, item.text, item.source.utterance_ids)

Responses are the pydantic models of `schemas` (the service's own wire models); errors are
the exception tree of `memory_service_client.errors`."""

from memory_service_client.aio import AsyncMemoryClient
from memory_service_client.discovery import ServiceLocation, ServiceNotFound, locate_service
from memory_service_client.errors import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    InteractionFailed,
    MemoryServiceError,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    TransportError,
    Unauthorized,
    Unavailable,
    ValidationError,
    WaitTimeout,
)
from memory_service_client.requests import Call, Requests
from memory_service_client.retry import RetryPolicy
from memory_service_client.sync import MemoryClient

__all__ = [
    "ApiError",
    "AsyncMemoryClient",
    "BadRequest",
    "Call",
    "Conflict",
    "Forbidden",
    "InteractionFailed",
    "MemoryClient",
    "MemoryServiceError",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "Requests",
    "RetryPolicy",
    "ServerError",
    "ServiceLocation",
    "ServiceNotFound",
    "TransportError",
    "Unauthorized",
    "Unavailable",
    "ValidationError",
    "WaitTimeout",
    "locate_service",
]
