"""The Python client lives in its own distribution, `memory-service-client` (package
`memory_service_client`), so that agents install it without the server's dependencies.
This module keeps the old import path working."""

from memory_service_client import *  # noqa: F403
from memory_service_client import ApiError
from memory_service_client import __all__ as _client_all

MemoryClientError = ApiError  # the name before the exception tree existed

__all__ = [*_client_all, "MemoryClientError"]
